/**
 * `kvm-review render FILE.json --format F`: a saved JSON result (of mbox,
 * git, check or doc) rendered again in any format that applies to it, with
 * the severities and fail level configured now. The JSON is the complete
 * result, so the output is the one the first run would have printed.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { configureCheck, configureReview } from '../../analyzers/rules/configure.js';
import type { CheckResult } from '../../analyzers/findings/check-result.js';
import type { ReviewResult } from '../../analyzers/review/model.js';
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import { wantsColour } from '../render/findings/ansi-style.js';
import type { Rendered } from '../render/model.js';
import type { Io } from './doc-command.js';
import { InputError, type ExitCode } from './exit-codes.js';
import { fsReason } from '../../analyzers/sources/errors.js';
import { resolveSeverityOptions } from './options-config.js';
import type { ReviewFlags } from './options.js';
import { emit } from './output.js';
import { toolVersion } from './version.js';

export interface RenderCommandOptions extends ReviewFlags {
  format: string;
}

/** A saved result is the size of the review it records; a check of all architectures is a few MB. */
const MAX_JSON_BYTES = 256 * 1024 * 1024;

// The top-level shape of each contract: enough to tell them apart and to fail with a message, not deep in a renderer.
const Review = z.object({ series: z.object({ subject: z.string() }).loose(), mode: z.string(), patches: z.array(z.object({ findings: z.array(z.unknown()), files: z.array(z.unknown()) }).loose()), notes: z.array(z.string()) }).loose();
const Check = z.object({ doc: z.object({}).loose(), findings: z.array(z.unknown()), observed: z.array(z.unknown()), stats: z.object({}).loose() }).loose();
const Order = z.object({ source: z.object({}).loose(), edges: z.array(z.unknown()), srcu: z.array(z.unknown()), locks: z.array(z.unknown()), problems: z.array(z.unknown()) }).loose();

function lineAt(text: string, err: unknown): string {
  const pos = /position (\d+)/.exec(String(err))?.[1];
  return pos === undefined ? '' : `:${text.slice(0, Number(pos)).split('\n').length}`;
}

/** The saved result, recognised by its shape. */
export function readSaved(path: string): Rendered {
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new InputError(`${path}: not a regular file`);
    if (st.size > MAX_JSON_BYTES) throw new InputError(`${path}: ${st.size} bytes; a saved result is at most ${MAX_JSON_BYTES}`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${path}: cannot read the saved result: ${fsReason(err)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    // V8 quotes the text around the fault, newlines and all: the message stays one line.
    throw new InputError(`${path}${lineAt(text, err)}: not JSON: ${(err as Error).message.replace(/\r?\n/g, '\\n')}`);
  }
  if (Review.safeParse(data).success) return { type: 'review', result: data as ReviewResult };
  if (Check.safeParse(data).success) return { type: 'check', result: data as CheckResult };
  if (Order.safeParse(data).success) return { type: 'order', result: data as DocumentedOrder };
  if (Array.isArray((data as { reports?: unknown } | null)?.reports)) {
    throw new InputError(`${path}: a splat result: its JSON holds the reports as read, not all that the other formats print, so it does not render again; run kvm-review splat again with the --format you want`);
  }
  const patches = (data as { patches?: { files?: unknown }[] } | null)?.patches;
  if (Array.isArray(patches) && patches.some((p) => p.files === undefined)) {
    throw new InputError(`${path}: a review saved without the patches' diffs (files); save it again with this version's --format json`);
  }
  throw new InputError(`${path}: not a kvm-review result (the --format json output of mbox, git, check or doc)`);
}

export async function runRender(file: string, options: RenderCommandOptions, io: Io): Promise<ExitCode> {
  const severity = resolveSeverityOptions(options, io.cwd);
  const saved = readSaved(resolve(io.cwd, file));
  const input: Rendered =
    saved.type === 'review' ? { type: 'review', result: configureReview(saved.result, severity.severities) } : saved.type === 'check' ? { type: 'check', result: configureCheck(saved.result, severity.severities) } : saved;
  return emit(input, options.format, { failOn: severity.failOn, colour: wantsColour(Boolean(io.stdoutIsTTY)), toolVersion: toolVersion() }, io);
}
