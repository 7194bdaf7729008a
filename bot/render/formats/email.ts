/** `--format email`: one plain-text reply per patch with findings, as an mbox. */
import { outcome, unsupported } from '../exit.js';
import type { Rendered, RenderOptions, RenderOutput } from '../model.js';
import { renderReviewEmail } from '../review/email.js';
import { safeInput } from '../safe-text.js';
import { renderSplatEmail } from '../splat/email.js';

export function render(input: Rendered, options: RenderOptions): RenderOutput {
  const mail = { ...(options.from ? { from: options.from } : {}), ...(options.date ? { date: options.date } : {}) };
  if (input.type === 'review') return outcome(renderReviewEmail(input.result, mail), input, options);
  // Report lines quoted from a mail are input: controls escaped (safe-text.ts).
  if (input.type === 'splat') return outcome(renderSplatEmail(safeInput(input.result, { keepLines: true }), mail), input, options);
  return unsupported('email', input);
}
