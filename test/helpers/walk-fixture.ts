/**
 * One C file of a fixture tree, parsed, walked and observed on its own, as
 * the order tests of call shapes read it: its functions' facts, its
 * function tables and the lock order they give.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFile } from '../../analyzers/c/parse-file.js';
import type { COpsEntry } from '../../analyzers/c/ops-tables.js';
import { mergeStructTypes } from '../../analyzers/c/struct-types.js';
import { typeEnv } from '../../analyzers/index/index-tree.js';
import type { FunctionFacts } from '../../analyzers/locks/model.js';
import { walkFunction } from '../../analyzers/locks/walk.js';
import { observeOrder, type ObservedOrder } from '../../analyzers/order/observe.js';

export interface WalkedFile {
  functions: FunctionFacts[];
  ops: COpsEntry[];
  order: ObservedOrder;
}

/** `file` (tree-relative) of the fixture tree `tree`, with the struct types it defines itself. */
export async function walkFixtureFile(tree: string, file: string): Promise<WalkedFile> {
  const parsed = await parseFile(file, readFileSync(join(tree, file), 'utf8'));
  try {
    const local = mergeStructTypes(parsed.structs);
    const functions = parsed.functions.map((f) => walkFunction(f, typeEnv(f, mergeStructTypes([]), local)));
    return { functions, ops: parsed.ops, order: observeOrder(functions, parsed.ops) };
  } finally {
    parsed.dispose();
  }
}
