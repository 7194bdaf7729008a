/** `--format sarif`: SARIF 2.1.0 for GitHub code scanning. */
import { outcome, unsupported } from '../exit.js';
import type { Rendered, RenderOptions, RenderOutput } from '../model.js';
import { renderReviewSarif } from '../review/sarif.js';

export function render(input: Rendered, options: RenderOptions): RenderOutput {
  if (input.type !== 'review') return unsupported('sarif', input);
  const sarif = { toolVersion: options.toolVersion ?? '0.0.0', ...(options.docsBaseUri ? { docsBaseUri: options.docsBaseUri } : {}) };
  return outcome(renderReviewSarif(input.result, sarif), input, options);
}
