/** `--format text`: a review by patch, an audit by severity, a documented order by architecture. */
import { renderCheckText } from '../check/text.js';
import { outcome } from '../exit.js';
import { ANSI } from '../findings/ansi-style.js';
import { PLAIN } from '../findings/finding-text.js';
import type { Rendered, RenderOptions, RenderOutput } from '../model.js';
import { renderOrderText } from '../order/text.js';
import { renderReviewText } from '../review/text.js';
import { safeInput } from '../safe-text.js';

export function render(input: Rendered, options: RenderOptions): RenderOutput {
  const style = options.colour ? ANSI : PLAIN;
  const safe = safeInput(input);
  switch (safe.type) {
    case 'review':
      return outcome(renderReviewText(safe.result, style), input, options);
    case 'check':
      return outcome(renderCheckText(safe.result, style), input, options);
    case 'order':
      return outcome(renderOrderText(safe.result), input, options);
  }
}
