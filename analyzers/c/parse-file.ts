/**
 * One C file through the C stage: pre-blank, parse, extract functions and
 * struct definitions. The stage's entry point.
 */
import { extractFunctions } from './functions.js';
import type { CFunction, CStructDef, ParseStats } from './model.js';
import { parseC, type SyntaxTree } from './parser.js';
import { preprocess } from './preprocess.js';
import { readStructs } from './struct-types.js';
import { readBodyTables, readOpsTables, type COpsEntry } from './ops-tables.js';

/** A parsed file. Function bodies are nodes of `tree`: use them before dispose(). */
export interface ParsedFile {
  /** Tree-relative path, as given. */
  file: string;
  /** Function definitions, in source order (by start). */
  functions: CFunction[];
  /** Clean, damaged and skipped counts for this file. */
  stats: ParseStats;
  /** Struct definitions of this file; merge files with mergeStructTypes(). */
  structs: CStructDef[];
  /**
   * Function-table slots this file fills: its file-scope initializers' (`.vcpu_run = vmx_vcpu_run`),
   * then its function bodies' (readBodyTables()), read on first use.
   */
  readonly ops: COpsEntry[];
  /** The file-scope initializers' slots alone: factsOf() reads each body's as it walks the body. */
  fileTables: COpsEntry[];
  /** The tree-sitter tree of the pre-blanked text (node offsets equal source offsets). */
  tree: SyntaxTree;
  /** The pre-blanked text the tree was parsed from (preprocess.ts): same length and lines as the source. */
  blanked: string;
  /** Free the tree's wasm memory; the functions' nodes are invalid afterwards. */
  dispose(): void;
}

/** Parse `source`, the text of `file` (a tree-relative, '/'-separated path). */
export async function parseFile(file: string, source: string): Promise<ParsedFile> {
  const prep = preprocess(source);
  const tree = await parseC(prep.text);
  const { functions, stats } = extractFunctions(tree, file, source, prep);
  const tables = readOpsTables(tree, file);
  let disposed = false;
  let ops: COpsEntry[] | undefined;
  return {
    file,
    functions,
    stats,
    structs: readStructs(tree, file),
    get ops() {
      return (ops ??= [...tables, ...readBodyTables(functions, file, tables)]);
    },
    fileTables: tables,
    tree,
    blanked: prep.text,
    dispose() {
      if (!disposed) tree.delete();
      disposed = true;
    },
  };
}
