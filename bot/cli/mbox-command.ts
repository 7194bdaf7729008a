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
}

export function reviewExitCode(r: ReviewResult): ExitCode {
  return r.patches.some((p) => p.findings.some((f) => f.severity === 'error')) ? EXIT.findings : EXIT.ok;
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
  const result = await review({ input, tree, cache: { dir: options.cacheDir, disabled: !options.cache } });
  return writeReview(result, options.format, io);
}

/** Print a review in `format` and give its exit code: `mbox` and `git` print alike. */
export async function writeReview(result: ReviewResult, format: ReviewFormat, io: Io): Promise<ExitCode> {
  if (result.degraded && format !== 'text') io.stderr(`kvm-review: degraded: ${result.degraded}\n`);
  const render = await renderer(format, wantsColour(Boolean(io.stdoutIsTTY)));
  io.stdout(render(result));
  return reviewExitCode(result);
}
