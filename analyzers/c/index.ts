/**
 * The C stage: kernel C in, functions with their bodies out. Nothing here
 * knows about locks.
 *
 * 1. preprocess.ts   pre-blank what derails tree-sitter (offsets kept)
 * 2. parser.ts       tree-sitter C (wasm)
 * 3. functions.ts    function definitions, ERROR regions included
 * 4. macro-blocks.ts `scoped_guard(...) { }` and loop macros with their bodies
 * 5. struct-types.ts struct member types, per arch
 * parse-file.ts runs 1-5 on one file.
 */
export type { CDecl, CFunction, CLockAnnotation, CMacroBlock, CMacroBlocks, CSkipped, CStructDef, ParseStats, StructTypes } from './model.js';
export { parseFile, type ParsedFile } from './parse-file.js';
export { blankForParse, extractLockAnnotations, preprocess, type Preprocessed } from './preprocess.js';
export { extractFunctions, localDeclarations, statementsOf } from './functions.js';
export { archOf, memberType, mergeStructTypes, readStructs, readStructTypes } from './struct-types.js';
export { lineOf, parseC, type SyntaxNode, type SyntaxTree } from './parser.js';
