/** `--format mermaid`: the documented order as a flowchart for a ```mermaid block. */
import { outcome, unsupported } from '../exit.js';
import type { Rendered, RenderOptions, RenderOutput } from '../model.js';
import { renderOrderMermaid } from '../order/mermaid.js';
import { safeInput } from '../safe-text.js';

export function render(input: Rendered, options: RenderOptions): RenderOutput {
  if (input.type !== 'order') return unsupported('mermaid', input);
  return outcome(renderOrderMermaid(safeInput(input.result)), input, options);
}
