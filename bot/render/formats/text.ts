/** `--format text`: a review by patch, an audit by severity, a documented order by architecture, a lockdep report answered. */
import { renderCheckText } from '../check/text.js';
import { outcome } from '../exit.js';
import { ANSI } from '../findings/ansi-style.js';
import { PLAIN } from '../findings/finding-text.js';
import type { Rendered, RenderOptions, RenderOutput } from '../model.js';
import { renderOrderText } from '../order/text.js';
import { renderReviewText } from '../review/text.js';
import { safeInput } from '../safe-text.js';
import { renderSplatText } from '../splat/text.js';

export function render(input: Rendered, options: RenderOptions): RenderOutput {
  const style = options.colour ? ANSI : PLAIN;
  switch (input.type) {
    case 'review':
      return outcome(renderReviewText(input.result, style), input, options);
    case 'check':
      return outcome(renderCheckText(input.result, style), input, options);
    case 'order':
      return outcome(renderOrderText(input.result), input, options);
    case 'splat':
      // Lockdep lines and mail text are input: controls escaped (safe-text.ts).
      return outcome(renderSplatText(safeInput(input.result, { keepLines: true })), input, options);
  }
}
