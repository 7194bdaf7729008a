/**
 * `--format json`: the whole result, the contracts in the README. It is
 * complete (a review keeps each patch's `files`), so any other format can
 * be rendered later from it (`kvm-review render`). JSON.stringify escapes
 * control characters itself: no other escaping.
 */
import { outcome } from '../exit.js';
import type { Rendered, RenderOptions, RenderOutput } from '../model.js';

export function render(input: Rendered, options: RenderOptions): RenderOutput {
  return outcome(JSON.stringify(input.result, null, 2) + '\n', input, options);
}
