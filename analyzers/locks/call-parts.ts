/**
 * The parts of a call the walk reads, read once per call node. Every type,
 * field and child list asked of a tree-sitter node is a call into wasm that
 * wraps new Node objects (issue 15), and the walk asks them of the same call
 * several times: the preconditions, then each pass over a loop body (two per
 * loop, four in a nested one).
 *
 * Kept by node object, not node id: the id of a leaf node is not unique in
 * its tree (tree-sitter stores small leaves inline, and their id is their
 * packed data), and the calls and their arguments come from lists the walk
 * keeps, so the same object is asked again.
 */
import type { SyntaxNode } from '../c/parser.js';

export interface CallParts {
  /** The `function` field: an identifier, or `guard(T)` of `guard(T)(&x)`, or an expression. */
  fn: SyntaxNode | null;
  fnType: string | null;
  /** The called name when `fn` is an identifier (callName()). */
  name: string | null;
  /** The argument list's named children (comments included, as tree-sitter lists them). */
  args: SyntaxNode[];
}

export class CallSyntax {
  private readonly parts = new Map<SyntaxNode, CallParts>();

  of(call: SyntaxNode): CallParts {
    let p = this.parts.get(call);
    if (!p) {
      const fn = call.childForFieldName('function');
      const fnType = fn ? fn.type : null;
      const args = call.childForFieldName('arguments')?.namedChildren.filter((a): a is SyntaxNode => a !== null) ?? [];
      p = { fn, fnType, name: fn && fnType === 'identifier' ? fn.text : null, args };
      this.parts.set(call, p);
    }
    return p;
  }
}
