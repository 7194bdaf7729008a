/** Small questions about C syntax nodes that the lock walk asks. */
import type { SyntaxNode } from '../c/parser.js';

/** Drop parentheses and casts around an expression. */
export function stripParens(node: SyntaxNode): SyntaxNode {
  let n = node;
  for (;;) {
    if (n.type === 'parenthesized_expression' && n.namedChildren[0]) n = n.namedChildren[0];
    else if (n.type === 'cast_expression' && n.childForFieldName('value')) n = n.childForFieldName('value') as SyntaxNode;
    else return n;
  }
}

/** The called name of `f(...)`; null for calls through pointers and expressions. */
export function callName(call: SyntaxNode): string | null {
  const fn = call.childForFieldName('function');
  if (!fn) return null;
  if (fn.type === 'identifier') return fn.text;
  return null;
}

/**
 * The trylock a condition tests, and whether it is negated:
 * `if (!mutex_trylock(&x)) return;` continues holding x on the fall-through.
 */
export function conditionTry(cond: SyntaxNode, isTry: (name: string) => boolean): { call: SyntaxNode; negated: boolean } | null {
  let n = stripParens(cond);
  let negated = false;
  while (n.type === 'unary_expression' && n.child(0)?.type === '!') {
    negated = !negated;
    const arg = n.childForFieldName('argument');
    if (!arg) return null;
    n = stripParens(arg);
  }
  if (n.type === 'call_expression' && isTry(callName(n) ?? '')) return { call: n, negated };
  // A try as the last operand: `want && mutex_trylock(&x)` is true exactly when the try succeeded,
  // `busy || !mutex_trylock(&x)` false exactly then. Reading the try as always taken kept x held
  // after the if, on the path where it was never taken.
  if (n.type === 'binary_expression') {
    const op = n.childForFieldName('operator')?.text;
    const right = n.childForFieldName('right');
    const inner = right ? conditionTry(right, isTry) : null;
    if (inner && ((op === '&&' && !inner.negated) || (op === '||' && inner.negated))) return { call: inner.call, negated: negated !== inner.negated };
  }
  return null;
}
