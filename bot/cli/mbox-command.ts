/** `kvm-review mbox`: review a patch series for lock-ordering bugs. */
import { review } from '../../analyzers/review/review.js';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { isKernelTree } from '../../knowledge/doc/load.js';
import { ANSI, wantsColour } from '../render/findings/ansi-style.js';
import { PLAIN } from '../render/findings/finding-text.js';
import { REVIEW_FORMATS, type ReviewFormat } from '../render/review/index.js';
import { renderReviewText } from '../render/review/text.js';
import type { Io } from './doc-command.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { resolveTree } from './tree-option.js';
import { extraReviewFormats } from './review-formats.js';
import { toolVersion } from './version.js';

export interface MboxOptions {
  tree?: string;
  format: ReviewFormat;
  cacheDir?: string;
  cache: boolean;
}

export function reviewExitCode(r: ReviewResult): ExitCode {
  return r.patches.some((p) => p.findings.some((f) => f.severity === 'error')) ? EXIT.findings : EXIT.ok;
}

export async function runMbox(input: string, options: MboxOptions, io: Io): Promise<ExitCode> {
  // --tree, else the current directory when it is a kernel tree, else hunk-only review.
  const tree = options.tree ? resolveTree(options.tree, io.cwd) : isKernelTree(io.cwd) ? io.cwd : null;
  const result = await review({ input, tree, cache: { dir: options.cacheDir, disabled: !options.cache } });
  if (result.degraded && options.format !== 'text') io.stderr(`kvm-review: degraded: ${result.degraded}\n`);
  const style = wantsColour(Boolean(io.stdoutIsTTY)) ? ANSI : PLAIN;
  const extra = extraReviewFormats(toolVersion());
  const render = options.format === 'text' ? (r: ReviewResult) => renderReviewText(r, style) : options.format in REVIEW_FORMATS ? REVIEW_FORMATS[options.format as keyof typeof REVIEW_FORMATS] : extra[options.format];
  if (!render) throw new Error(`no renderer for ${options.format}`);
  io.stdout(render(result));
  return reviewExitCode(result);
}
