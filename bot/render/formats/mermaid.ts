/** `--format mermaid`: the documented order as a flowchart for a ```mermaid block. */
import { outcome, unsupported } from '../exit.js';
import type { Rendered, RenderOptions, RenderOutput } from '../model.js';
import { renderOrderMermaid } from '../order/mermaid.js';

export function render(input: Rendered, options: RenderOptions): RenderOutput {
  if (input.type !== 'order') return unsupported('mermaid', input);
  return outcome(renderOrderMermaid(input.result), input, options);
}
