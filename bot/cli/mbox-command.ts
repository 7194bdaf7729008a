/** `kvm-review mbox`: review a patch series for lock-ordering bugs. */
import { reviewWithPrevious } from '../../analyzers/review/review-versions.js';
import { configureReview } from '../../analyzers/rules/configure.js';
import { isKernelTree } from '../../knowledge/doc/load.js';
import { wantsColour } from '../render/findings/ansi-style.js';
import type { Io } from './doc-command.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { stdinHint } from './stdin-hint.js';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { resolveSeverityOptions } from './options-config.js';
import type { SeverityOptions } from '../../analyzers/rules/severity.js';
import type { ReviewFlags } from './options.js';
import { emit } from './output.js';
import { resolveTree } from './tree-option.js';
import { toolVersion } from './version.js';

export interface MboxOptions extends ReviewFlags {
  tree?: string;
  /** A format the registry lists for mbox. */
  format: string;
  cacheDir?: string;
  cache: boolean;
  /** --max-input, in bytes. */
  maxInput?: number;
  /** --series N: the N-th series of the input (1-based, as numbered in the choice). */
  series?: number;
  /** --message-id: the series holding this message. */
  messageId?: string;
}

/** Whether any patch was reviewed: when none was, a CI gate must not read the run as clean (exit 2). */
export function reviewedAny(r: ReviewResult): boolean {
  return r.patches.some((p) => p.status === 'reviewed');
}

export async function runMbox(input: string, options: MboxOptions, io: Io): Promise<ExitCode> {
  const severity = resolveSeverityOptions(options, io.cwd);
  // --tree, else the current directory when it is a kernel tree, else hunk-only review.
  const tree = options.tree ? resolveTree(options.tree, io.cwd) : isKernelTree(io.cwd) ? io.cwd : null;
  const read = { maxInputBytes: options.maxInput, select: { series: options.series, messageId: options.messageId } };
  if (input === '-') stdinHint(io, 'mbox', 'the series');
  // Several versions in the input: the chosen one is compared with the one before it (since, fixed, previous).
  const result = await reviewWithPrevious({ input, tree, cache: { dir: options.cacheDir, disabled: !options.cache }, read });
  return writeReview(result, options.format, severity, io, input);
}

/** Print a review in `format` through the renderer registry and give its exit code: `mbox` and `git` print alike. */
export async function writeReview(result: ReviewResult, format: string, severity: SeverityOptions, io: Io, input: string): Promise<ExitCode> {
  if (result.degraded && format !== 'text') io.stderr(`kvm-review: degraded: ${result.degraded}
`);
  const configured = configureReview(result, severity.severities);
  let written = 0;
  const counted: Io = { ...io, stdout: (t) => ((written += t.length), io.stdout(t)) };
  const code = await emit({ type: 'review', result: configured }, format, { failOn: severity.failOn, colour: wantsColour(Boolean(io.stdoutIsTTY)), toolVersion: toolVersion() }, counted);
  // The email format writes a reply only where there is something to say: an empty mbox alone reads as a failure.
  if (format === 'email' && written === 0 && reviewedAny(result)) io.stderr('kvm-review: no reply written: the reviewed patches have no finding to answer\n');
  if (code === EXIT.findings || reviewedAny(result)) return code;
  io.stderr(`kvm-review: ${input}: no patch could be reviewed (${result.patches.length === 0 ? result.series.choice : 'every patch was skipped, failed or did not apply; see each reason'})
`);
  return EXIT.usage;
}
