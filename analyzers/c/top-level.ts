/**
 * A tree's file-scope nodes with their types, listed once per tree for the
 * C stage's three readers of them (functions.ts, struct-types.ts,
 * ops-tables.ts). `tree.rootNode` is a new Node object on every access, so
 * each reader listed the root's children again, and each asked every
 * child's type two or three times: every type asked is a call into wasm
 * (issue 15).
 */
import type { SyntaxNode, SyntaxTree } from './parser.js';

export interface Typed {
  node: SyntaxNode;
  type: string;
}

const listed = new WeakMap<SyntaxTree, Typed[]>();

/** The named children of `tree`'s root, with their types; the caller must not change the list. */
export function topLevel(tree: SyntaxTree): readonly Typed[] {
  let out = listed.get(tree);
  if (!out) {
    out = typedChildren(tree.rootNode);
    listed.set(tree, out);
  }
  return out;
}

/** The named children of `node`, with their types. */
export function typedChildren(node: SyntaxNode): Typed[] {
  return node.namedChildren.map((n) => ({ node: n, type: n.type }));
}
