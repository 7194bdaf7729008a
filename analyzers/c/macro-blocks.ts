/**
 * Macros that govern a statement: `scoped_guard(mutex, &kvm->lock) { }`,
 * `list_for_each_entry(pos, head, member) { }`,
 * `kvm_for_each_vcpu(i, vcpu, kvm) stmt;`.
 *
 * Two tree shapes, one view (CMacroBlock):
 *
 * - 'rewritten' (nearly all of them): pre-blanking turned the name into
 *   `while` (macro-lines.ts), so the tree holds
 *   `while_statement(condition: parenthesized_expression(comma_expression
 *   of the arguments), body: statement)`; the name comes from
 *   `Preprocessed.macroLoops`.
 * - 'sibling' (the fallback, for names shorter than `while`): tree-sitter's
 *   own reading, `expression_statement(call_expression, MISSING ";")`
 *   followed by the body as the next statement of the enclosing list. When
 *   the macro is the tail of an `if`/`else`/`for` without braces, the body
 *   is the statement after that whole `if`: the body is then "detached".
 */
import type { CMacroBlock, CMacroBlocks } from './model.js';
import { lineOf, type SyntaxNode } from './parser.js';
import type { MacroLoop } from './preprocess.js';

/** Nodes whose named children are a list of statements. */
const STATEMENT_LISTS = new Set(['compound_statement', 'case_statement', 'translation_unit', 'ERROR']);

/**
 * Find the macro blocks of a function body. `macroLoops` is
 * Preprocessed.macroLoops of the file (sorted by offset).
 */
export function findMacroBlocks(body: SyntaxNode, macroLoops: readonly MacroLoop[]): CMacroBlocks {
  const all: CMacroBlock[] = [];
  for (let i = firstAtOrAfter(macroLoops, body.startIndex); i < macroLoops.length; i++) {
    const { offset, name } = macroLoops[i] as MacroLoop;
    if (offset >= body.endIndex) break;
    // the `while` keyword is at the offset; its parent is the loop (unless the parse went wrong there)
    const loop = body.descendantForIndex(offset)?.parent;
    const stmt = loop?.type === 'while_statement' && loop.startIndex === offset ? loop.childForFieldName('body') : null;
    if (!loop || !stmt) continue;
    const cond = loop.childForFieldName('condition');
    const inner = cond?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
    all.push({ name, args: inner.flatMap(commaOperands), body: stmt, head: loop, shape: 'rewritten', line: lineOf(loop) });
  }
  const detached = new Set<number>();
  if (body.hasError) {
    for (const stmt of body.descendantsOfType('expression_statement')) {
      const block = siblingBlock(stmt);
      if (!block) continue;
      all.push(block);
      detached.add(block.body.id);
    }
  }
  all.sort((a, b) => a.head.startIndex - b.head.startIndex);
  const byHead = new Map(all.map((b) => [b.head.id, b]));
  return {
    all,
    at: (node) => byHead.get(node.id),
    isDetachedBody: (node) => detached.has(node.id),
  };
}

/**
 * The statements of a list (a compound or case statement) for a walker:
 * each with its macro block when it heads one. Comments, a case label's
 * value and detached bodies (they belong to their macro) are left out.
 */
export function* statementsOf(list: SyntaxNode, blocks: CMacroBlocks): Generator<{ stmt: SyntaxNode; macro?: CMacroBlock }> {
  const label = list.type === 'case_statement' ? list.childForFieldName('value')?.id : undefined;
  for (const stmt of list.namedChildren) {
    if (stmt.type === 'comment' || stmt.id === label || blocks.isDetachedBody(stmt)) continue;
    const macro = blocks.at(stmt);
    yield macro ? { stmt, macro } : { stmt };
  }
}

/** Index of the first entry whose offset is >= `offset` (binary search). */
function firstAtOrAfter(sorted: readonly MacroLoop[], offset: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid]?.offset ?? Infinity) < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `(a, b, c)` reads as comma_expression(a, comma_expression(b, c)): the operands in order. */
function commaOperands(node: SyntaxNode): SyntaxNode[] {
  if (node.type !== 'comma_expression') return [node];
  return node.namedChildren.filter((c) => c.type !== 'comment').flatMap(commaOperands);
}

/** The 'sibling' shape at `stmt`, or null. */
function siblingBlock(stmt: SyntaxNode): CMacroBlock | null {
  const semi = stmt.lastChild;
  const call = stmt.firstNamedChild;
  if (!semi?.isMissing || semi.type !== ';' || call?.type !== 'call_expression') return null;
  const fn = call.childForFieldName('function');
  if (fn?.type !== 'identifier') return null;
  // climb while the statement ends its parent (`if (a) FOO(x)` ends the if): the body follows the outermost
  let tail = stmt;
  while (tail.parent && !STATEMENT_LISTS.has(tail.parent.type) && tail.parent.endIndex === tail.endIndex) tail = tail.parent;
  let body = tail.nextNamedSibling;
  while (body?.type === 'comment') body = body.nextNamedSibling;
  if (!body || !isStatement(body)) return null;
  const args = call.childForFieldName('arguments')?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
  return { name: fn.text, args, body, head: stmt, shape: 'sibling', line: lineOf(stmt) };
}

function isStatement(node: SyntaxNode): boolean {
  return node.type.endsWith('_statement') && node.type !== 'case_statement';
}
