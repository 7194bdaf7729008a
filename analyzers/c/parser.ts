/**
 * tree-sitter with its C grammar, loaded once per process (or worker).
 * web-tree-sitter runs the grammar's shipped wasm: no compiler at install,
 * ~6 MB/s on kernel code (see ../shared/docs/ecosystem-notes.md).
 */
import { createRequire } from 'node:module';
import { Language, Parser, type Node, type Tree } from 'web-tree-sitter';

export type { Node as SyntaxNode, Tree as SyntaxTree } from 'web-tree-sitter';

let ready: Promise<Parser> | null = null;

/** A parser for C, initialised on first use. */
export function cParser(): Promise<Parser> {
  ready ??= (async () => {
    await Parser.init();
    const require = createRequire(import.meta.url);
    const language = await Language.load(require.resolve('tree-sitter-c/tree-sitter-c.wasm'));
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return ready;
}

/** Parse C source; the tree must be deleted by the caller when done (wasm memory). */
export async function parseC(source: string): Promise<Tree> {
  const parser = await cParser();
  const tree = parser.parse(source);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}

/** Line of a node, 1-based. */
export function lineOf(node: Node): number {
  return node.startPosition.row + 1;
}
