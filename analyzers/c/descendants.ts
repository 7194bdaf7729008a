/**
 * A function body's descendants of the few types the held-lock walk asks
 * for (calls, writes to parameters, declarations, labels), found in one
 * pass. Each descendantsOfType() call walks the whole body in wasm and
 * wraps every match in a JavaScript Node: asked once per type, per function,
 * that was about half of a cold index's walk (issue 15). One call with all
 * the types returns the matches in document order, so each type's list is
 * the one its own call would give.
 */
import type { SyntaxNode } from './parser.js';

/** The types found together: what walk.ts, conditions.ts and declarations.ts look for in a body. */
const TOGETHER = ['call_expression', 'assignment_expression', 'update_expression', 'pointer_expression', 'declaration', 'labeled_statement'];
const together = new Set(TOGETHER);

/** By node object: a function's body is one Node object for the whole walk of the function. */
const found = new WeakMap<SyntaxNode, Map<string, SyntaxNode[]>>();

/** The descendants of `node` of type `type`, in document order (descendantsOfType's answer). Callers must not change the list. */
export function descendantsOf(node: SyntaxNode, type: string): readonly SyntaxNode[] {
  if (!together.has(type)) return node.descendantsOfType(type).filter((n): n is SyntaxNode => n !== null);
  let byType = found.get(node);
  if (!byType) {
    byType = new Map(TOGETHER.map((t) => [t, []]));
    for (const n of node.descendantsOfType(TOGETHER)) if (n) byType.get(n.type)?.push(n);
    found.set(node, byType);
  }
  return byType.get(type) ?? [];
}

/** Drop what descendantsOf() keeps for `node`: its walk and its tables are done (file-facts.ts). */
export function forgetDescendants(node: SyntaxNode): void {
  found.delete(node);
}
