/** `--format email`: one plain-text reply per patch with findings, as an mbox. */
import { outcome, unsupported } from '../exit.js';
import type { Rendered, RenderOptions, RenderOutput } from '../model.js';
import { renderReviewEmail } from '../review/email.js';
import { safeInput } from '../safe-text.js';

export function render(input: Rendered, options: RenderOptions): RenderOutput {
  if (input.type !== 'review') return unsupported('email', input);
  const mail = { ...(options.from ? { from: options.from } : {}), ...(options.date ? { date: options.date } : {}) };
  return outcome(renderReviewEmail(safeInput(input.result), mail), input, options);
}
