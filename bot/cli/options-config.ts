/**
 * The review configuration file, `.kvm-review.yml` (read from the current
 * directory when present, or named with `--config FILE`):
 *
 *   severity:               # per finding kind: error | warning | info
 *     undocumented-order: warning
 *     doc-unsupported: error
 *   fail-on: warning        # error (default) | warning | info | never
 *
 * YAML read with `yaml`, validated with zod; an error names the file, the
 * line and the key.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type * as Yaml from 'yaml';
import type { Node as YamlNode } from 'yaml';
import type * as Zod from 'zod';
import type { z } from 'zod';
import { RULE_IDS } from '../../analyzers/rules/meta.js';
import { FAIL_LEVELS, SEVERITIES, type FailLevel, type SeverityConfig, type SeverityOptions } from '../../analyzers/rules/severity.js';
import { InputError } from './exit-codes.js';
import { fsReason } from '../../analyzers/sources/errors.js';
import { CONFIG_FILE, parseSeverityFlag, type ReviewFlags } from './options.js';


/** `yaml` is loaded when a configuration file is read: most runs have none, and loading it is a tenth of a warm check. */
const yaml = (): typeof Yaml => createRequire(import.meta.url)('yaml') as typeof Yaml;

/** Config files are a few lines; this cap keeps a mistaken `--config /dev/zero` from reading forever. */
const MAX_CONFIG_BYTES = 64 * 1024;

/** The file's schema, built when a file is read: loading zod is a fifth of a warm check, and most runs have no file. */
function schema() {
  const { z } = createRequire(import.meta.url)('zod') as typeof Zod;
  return z
    .object({
      severity: z.partialRecord(z.enum(RULE_IDS), z.enum(SEVERITIES as [string, ...string[]])).optional(),
      'fail-on': z.enum(FAIL_LEVELS as [string, ...string[]]).optional(),
    })
    .strict();
}

export interface ConfigFile {
  path: string;
  severities: SeverityConfig;
  failOn?: FailLevel;
}

/** The 1-based line of the key at `path` (of its value when the key cannot be found); 1 for the document. */
function lineOf(doc: ReturnType<typeof Yaml.parseDocument>, counter: Yaml.LineCounter, path: readonly PropertyKey[]): number {
  const { isMap, isScalar } = yaml();
  for (let n = path.length; n > 0; n--) {
    const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1) as unknown[], true);
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(path[n - 1]));
      const key = pair?.key as YamlNode | undefined;
      if (key?.range) return counter.linePos(key.range[0]).line;
    }
  }
  return 1;
}

/** The explanation of a zod issue in the words of the file. */
function explain(issue: z.core.$ZodIssue): string {
  // zod reports a key outside the kinds' enum as unrecognised in the severity map.
  if ((issue.code === 'unrecognized_keys' || issue.code === 'invalid_key') && issue.path[0] === 'severity') return `unknown finding kind; the kinds are ${RULE_IDS.join(', ')}`;
  if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}; the keys are severity and fail-on`;
  if (issue.path[0] === 'severity' && issue.path.length === 2) return `not a severity; one of ${SEVERITIES.join(', ')}`;
  if (issue.path[0] === 'fail-on') return `not a fail level; one of ${FAIL_LEVELS.join(', ')}`;
  return issue.message;
}

export function parseConfig(text: string, path: string): ConfigFile {
  const { LineCounter, parseDocument } = yaml();
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true });
  const [syntax] = doc.errors;
  if (syntax) {
    // yaml ends its first line with " at line N, column M:" and a code frame: the prefix gives the place, once.
    const where = syntax.linePos?.[0];
    const what = (syntax.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new InputError(`${path}:${where ? `${where.line}:${where.col}` : '1'}: ${what}`);
  }
  const data: unknown = doc.toJS() ?? {};
  const parsed = schema().safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    // An unknown key's issue sits on its parent object: name the key itself.
    const keys = issue.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys.slice(0, 1)] : issue.path;
    throw new InputError(`${path}:${lineOf(doc, counter, keys)}: ${keys.map(String).join('.') || '(top level)'}: ${explain(issue)}`);
  }
  const { severity = {}, 'fail-on': failOn } = parsed.data;
  return { path, severities: severity as SeverityConfig, ...(failOn ? { failOn: failOn as FailLevel } : {}) };
}

/** `--config FILE`, else `.kvm-review.yml` in `cwd` when there is one, else nothing. */
export function readConfig(explicit: string | undefined, cwd: string): ConfigFile | null {
  const path = explicit ? resolve(cwd, explicit) : join(cwd, CONFIG_FILE);
  if (!explicit && !existsSync(path)) return null;
  let bytes: Buffer;
  try {
    // Only a regular file: a FIFO or a device would be read without end.
    if (!statSync(path).isFile()) throw new InputError(`${path}: the configuration is not a regular file`);
    bytes = readFileSync(path);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${path}: cannot read the configuration: ${fsReason(err)}`);
  }
  if (bytes.length > MAX_CONFIG_BYTES) throw new InputError(`${path}: a configuration file of ${bytes.length} bytes; the limit is ${MAX_CONFIG_BYTES}`);
  return parseConfig(bytes.toString('utf8'), path);
}

/** The config file, then the flags over it: the one options object every command passes on. */
export function resolveSeverityOptions(flags: ReviewFlags, cwd: string): SeverityOptions {
  const file = readConfig(flags.config, cwd);
  const severities: SeverityConfig = { ...(file?.severities ?? {}) };
  for (const flag of flags.severity ?? []) {
    const [kind, level] = parseSeverityFlag(flag);
    severities[kind] = level;
  }
  return { severities, failOn: flags.failOn ?? file?.failOn ?? 'error' };
}
