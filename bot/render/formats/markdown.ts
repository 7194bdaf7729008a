/** `--format markdown`: GitHub-flavoured, built as mdast; stringifyMarkdown makes input text inert. */
import { renderCheckMarkdown } from '../check/markdown.js';
import { outcome, unsupported } from '../exit.js';
import type { Rendered, RenderOptions, RenderOutput } from '../model.js';
import { renderReviewMarkdown } from '../review/markdown.js';

export function render(input: Rendered, options: RenderOptions): RenderOutput {
  const md = { ...(options.docsBaseUri ? { docsBaseUri: options.docsBaseUri } : {}) };
  switch (input.type) {
    case 'review':
      return outcome(renderReviewMarkdown(input.result, md), input, options);
    case 'check':
      return outcome(renderCheckMarkdown(input.result, md), input, options);
    default:
      return unsupported('markdown', input);
  }
}
