/**
 * Function definitions of a parsed file: name, parameters, body, lines,
 * lock annotations and whether the parse of the body was damaged.
 *
 * Every `function_definition` in the tree is read, including those inside
 * ERROR nodes: one broken construct can turn the rest of a file into a
 * single ERROR node that still holds intact definitions. What looks like a
 * function but cannot be extracted goes to `ParseStats.skipped`, never away.
 */
import { parameters } from './declarations.js';
import { findMacroBlocks } from './macro-blocks.js';
import type { CFunction, CMacroBlocks, CSkipped, ParseStats } from './model.js';
import { lineOf, type SyntaxNode, type SyntaxTree } from './parser.js';
import { preprocess, type Preprocessed } from './preprocess.js';
import { topLevel, typedChildren, type Typed } from './top-level.js';

export { localDeclarations } from './declarations.js';
export { statementsOf } from './macro-blocks.js';

/** Declarators that wrap the function declarator of `static struct kvm *foo(...)`. */
const WRAPPERS = new Set(['pointer_declarator', 'attributed_declarator', 'parenthesized_declarator']);

/**
 * Extract the functions of `tree`, parsed from the pre-blanked text of
 * `originalSource`. `file` is the tree-relative path stored in each
 * CFunction. `prep` is what preprocess() returned for that source
 * (recomputed when not given): it holds the annotations and macro names
 * the blanked text no longer shows.
 */
export function extractFunctions(
  tree: SyntaxTree,
  file: string,
  originalSource: string,
  prep: Pick<Preprocessed, 'annotations' | 'macroLoops'> = preprocess(originalSource),
): { functions: CFunction[]; stats: ParseStats } {
  const functions: CFunction[] = [];
  const skipped: CSkipped[] = [];
  const root = tree.rootNode;

  for (const def of definitions(topLevel(tree))) {
    const fn = readDefinition(def, file, originalSource, prep);
    if ('reason' in fn) skipped.push(fn);
    else functions.push(fn);
  }
  if (root.hasError) skipped.push(...lostFunctions(root));

  const damaged = functions.filter((f) => f.damaged).length;
  return { functions, stats: { clean: functions.length - damaged, damaged, skipped } };
}

/** Nodes that hold file-scope code: the file, and `#if` branches when the tree was parsed without pre-blanking. */
const FILE_SCOPE = new Set(['translation_unit', 'preproc_if', 'preproc_ifdef', 'preproc_elif', 'preproc_elifdef', 'preproc_else']);

/**
 * The function_definition nodes of a tree, in source order: those at file
 * scope, plus any inside a subtree with errors (an ERROR node, or a body
 * whose broken braces swallowed the definitions after it). A clean subtree
 * holds none, and skipping it saves a walk of the whole tree.
 */
function* definitions(children: readonly Typed[]): Generator<SyntaxNode> {
  for (const { node, type } of children) {
    if (FILE_SCOPE.has(type)) {
      yield* definitions(typedChildren(node));
      continue;
    }
    if (type === 'function_definition') yield node;
    if (!node.hasError) continue;
    for (const inner of node.descendantsOfType('function_definition')) if (inner.id !== node.id) yield inner;
  }
}

/** One function_definition node: a CFunction, or why it cannot be one. */
function readDefinition(def: SyntaxNode, file: string, source: string, prep: Pick<Preprocessed, 'annotations' | 'macroLoops'>): CFunction | CSkipped {
  const line = lineOf(def);
  const fnDecl = functionDeclarator(def.childForFieldName('declarator'));
  const body = def.childForFieldName('body');
  if (!fnDecl) {
    // `for_each_x(cpu) {` in a body reads as a K&R definition of for_each_x
    const inBody = def.parent?.type === 'compound_statement';
    return { name: null, line, reason: inBody ? 'macro block read as a definition inside a function body' : 'definition without a function declarator' };
  }
  const nameNode = fnDecl.childForFieldName('declarator');
  const name = nameOf(nameNode);
  if (!name) return { name: nameNode?.text ?? null, line, reason: 'function declarator without a plain name' };
  if (body?.type !== 'compound_statement') return { name, line, reason: 'definition without a body' };

  const macros = findMacroBlocks(body, prep.macroLoops);
  return {
    name,
    file,
    line,
    endLine: def.endPosition.row + 1,
    static: def.children.some((c) => c.type === 'storage_class_specifier' && c.text === 'static'),
    params: parameters(fnDecl),
    annotations: prep.annotations
      .filter((a) => a.offset >= def.startIndex && a.offset < body.startIndex)
      .map(({ kind, expr, conditional }) => (conditional ? { kind, expr, conditional } : { kind, expr })),
    body,
    source,
    damaged: isDamaged(body, macros),
    macros,
  };
}

/**
 * A definition's name: an identifier, or a name built by a macro as in
 * arch/x86/kvm/mmu/paging_tmpl.h's `FNAME(page_fault)`, kept as written
 * (white space folded) since that is how callers spell it.
 */
function nameOf(node: SyntaxNode | null): string | null {
  if (node?.type === 'identifier') return node.text;
  const macro = node?.type === 'function_declarator' ? node.childForFieldName('declarator') : null;
  return macro?.type === 'identifier' ? node?.text.replace(/\s+/g, '') ?? null : null;
}

/** The function_declarator under a definition's declarator (`*foo(...)` wraps it in a pointer_declarator). */
function functionDeclarator(node: SyntaxNode | null): SyntaxNode | null {
  let n = node;
  while (n && WRAPPERS.has(n.type)) n = n.childForFieldName('declarator') ?? n.namedChildren[0] ?? null;
  return n?.type === 'function_declarator' ? n : null;
}

/** ERROR or MISSING nodes in the body, other than the MISSING `;` of a paired macro block. */
function isDamaged(body: SyntaxNode, macros: CMacroBlocks): boolean {
  if (!body.hasError) return false;
  const stack = [body];
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (n.isError) return true;
    if (n.isMissing) {
      if (n.type === ';' && n.parent && macros.at(n.parent)?.shape === 'sibling') continue;
      return true;
    }
    for (const c of n.children) if (c.hasError) stack.push(c);
  }
  return false;
}

/**
 * Functions the parse lost: in an ERROR node, a function declarator
 * followed by `{` or a block is a header whose body broke apart (the
 * statements are loose children of the ERROR); a block with no header
 * before it is reported too. Both go to ParseStats.skipped.
 */
function lostFunctions(root: SyntaxNode): CSkipped[] {
  const out: CSkipped[] = [];
  // ERROR nodes sit in the subtrees with errors: searching only those spares a walk of the whole tree
  const errors = root.namedChildren.filter((n) => n.hasError).flatMap((n) => n.descendantsOfType('ERROR'));
  for (const container of [root, ...errors]) {
    let header: SyntaxNode | null = null;
    let inLost = false; // blocks after a lost header are that function's, not orphans
    for (const node of container.children) {
      const type = node.type; // read once: each read is a call into wasm
      if (type === 'function_declarator') header = node;
      else if (type === 'declaration') header = node.descendantsOfType('function_declarator').at(-1) ?? null;
      else if (type === '{' || type === 'compound_statement') {
        if (header) {
          out.push({ name: nameOf(header.childForFieldName('declarator')), line: lineOf(header), reason: 'function header and body split by a parse error' });
          inLost = true;
        } else if (type === 'compound_statement' && !inLost) {
          out.push({ name: null, line: lineOf(node), reason: 'block outside any function' });
        }
        header = null;
      } else if (type === 'function_definition') {
        header = null;
        inLost = false;
      }
    }
  }
  return out;
}
