/**
 * Find and read the documented order the way checkpatch.pl finds its tree:
 * --file, else --tree, else the current directory when it is a kernel
 * tree, else the embedded default.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadEmbeddedOrder } from './embedded.js';
import type { DocumentedOrder } from './model.js';
import { DocInputError, readLockingDoc } from './reader.js';

export const LOCKING_RST = join('Documentation', 'virt', 'kvm', 'locking.rst');

export interface DocLocation {
  /** --file: a locking.rst to read. */
  file?: string;
  /** --tree: a kernel tree. */
  tree?: string;
  /** Where to look for a kernel tree when neither is given. */
  cwd: string;
}

/** A directory is a kernel tree with KVM when it has locking.rst and virt/kvm/kvm_main.c. */
export function isKernelTree(dir: string): boolean {
  return existsSync(join(dir, LOCKING_RST)) && existsSync(join(dir, 'virt', 'kvm', 'kvm_main.c'));
}

function readFile(path: string, kind: 'file' | 'tree'): DocumentedOrder {
  if (!existsSync(path)) throw new DocInputError(`${path}: no such file`);
  if (statSync(path).isDirectory()) throw new DocInputError(`${path}: is a directory, expected locking.rst`);
  return readLockingDoc(readFileSync(path), path, kind);
}

export function loadDocumentedOrder(where: DocLocation): DocumentedOrder {
  if (where.file) return readFile(resolve(where.file), 'file');
  if (where.tree) {
    const tree = resolve(where.tree);
    if (!existsSync(tree) || !statSync(tree).isDirectory()) throw new DocInputError(`${tree}: --tree is not a directory`);
    const doc = join(tree, LOCKING_RST);
    if (!existsSync(doc)) throw new DocInputError(`${tree}: not a kernel tree with KVM (no ${LOCKING_RST})`);
    return readFile(doc, 'tree');
  }
  if (isKernelTree(where.cwd)) return readFile(join(where.cwd, LOCKING_RST), 'tree');
  return loadEmbeddedOrder();
}
