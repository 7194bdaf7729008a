/** `--format dot`: the documented order as a Graphviz digraph. */
import { outcome, unsupported } from '../exit.js';
import type { Rendered, RenderOptions, RenderOutput } from '../model.js';
import { renderOrderDot } from '../order/dot.js';
import { safeInput } from '../safe-text.js';

export function render(input: Rendered, options: RenderOptions): RenderOutput {
  if (input.type !== 'order') return unsupported('dot', input);
  return outcome(renderOrderDot(safeInput(input.result)), input, options);
}
