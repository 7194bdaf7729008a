/** `kvm-review mbox`: review a patch series for lock-ordering bugs. */
import { review } from '../../analyzers/review/review.js';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { isKernelTree } from '../../knowledge/doc/load.js';
import { ANSI, wantsColour } from '../render/findings/ansi-style.js';
import { PLAIN } from '../render/findings/finding-text.js';
import type { Io } from './doc-command.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { REVIEW_FORMAT_NAMES } from './format-names.js';
import { resolveTree } from './tree-option.js';
import { toolVersion } from './version.js';

export type ReviewFormat = (typeof REVIEW_FORMAT_NAMES)[number];

export interface MboxOptions {
  tree?: string;
  format: ReviewFormat;
  cacheDir?: string;
  cache: boolean;
  /** --max-input, in bytes. */
  maxInput?: number;
  /** --series N: the N-th series of the input (1-based, as numbered in the choice). */
  series?: number;
  /** --message-id: the series holding this message. */
  messageId?: string;
}

/** 1 on an error finding; 2 when no patch could be reviewed (a CI gate must not read that as "clean"); else 0. */
export function reviewExitCode(r: ReviewResult): ExitCode {
  if (r.patches.some((p) => p.findings.some((f) => f.severity === 'error'))) return EXIT.findings;
  return r.patches.some((p) => p.status === 'reviewed') ? EXIT.ok : EXIT.usage;
}

/** The renderer for a format, loaded on use (remark and the SARIF writer are not start-up costs of a text review). */
async function renderer(format: ReviewFormat, colour: boolean): Promise<(r: ReviewResult) => string> {
  switch (format) {
    case 'text': {
      const { renderReviewText } = await import('../render/review/text.js');
      return (r) => renderReviewText(r, colour ? ANSI : PLAIN);
    }
    case 'json':
      return (await import('../render/review/json.js')).renderReviewJson;
    case 'markdown':
      return (await import('../render/review/markdown.js')).renderReviewMarkdown;
    case 'email': {
      const { renderReviewEmail } = await import('../render/review/email.js');
      return (r) => renderReviewEmail(r);
    }
    case 'sarif': {
      const { renderReviewSarif } = await import('../render/review/sarif.js');
      return (r) => renderReviewSarif(r, { toolVersion: toolVersion() });
    }
  }
}

export async function runMbox(input: string, options: MboxOptions, io: Io): Promise<ExitCode> {
  // --tree, else the current directory when it is a kernel tree, else hunk-only review.
  const tree = options.tree ? resolveTree(options.tree, io.cwd) : isKernelTree(io.cwd) ? io.cwd : null;
  const read = { maxInputBytes: options.maxInput, select: { series: options.series, messageId: options.messageId } };
  const result = await review({ input, tree, cache: { dir: options.cacheDir, disabled: !options.cache }, read });
  if (result.degraded && options.format !== 'text') io.stderr(`kvm-review: degraded: ${result.degraded}\n`);
  const render = await renderer(options.format, wantsColour(Boolean(io.stdoutIsTTY)));
  io.stdout(render(result));
  const code = reviewExitCode(result);
  if (code === EXIT.usage) io.stderr(`kvm-review: ${input}: no patch could be reviewed (${result.patches.length === 0 ? result.series.choice : 'every patch was skipped or failed; see each reason'})\n`);
  return code;
}
