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
import { parseCached } from './load-cache.js';
import type { CacheOptions } from '../../analyzers/index/cache.js';
import { DirectoryTree } from '../../analyzers/trees/directory-tree.js';
import { GitTree } from '../../analyzers/trees/git-tree.js';
import type { Tree } from '../../analyzers/trees/model.js';

export const LOCKING_RST = join('Documentation', 'virt', 'kvm', 'locking.rst');

export interface DocLocation {
  /** --file: a locking.rst to read. */
  file?: string;
  /** --tree: a kernel tree. */
  tree?: string;
  /** Where to look for a kernel tree when neither is given. */
  cwd: string;
  /** The index cache: a document parsed before is loaded from it (load-cache.ts). */
  cache?: CacheOptions;
}

/** A directory is a kernel tree with KVM when it has locking.rst and virt/kvm/kvm_main.c. */
export function isKernelTree(dir: string): boolean {
  return existsSync(join(dir, LOCKING_RST)) && existsSync(join(dir, 'virt', 'kvm', 'kvm_main.c'));
}

function readFile(path: string, kind: 'file' | 'tree', cache?: CacheOptions): DocumentedOrder {
  if (!existsSync(path)) throw new DocInputError(`${path}: no such file`);
  if (statSync(path).isDirectory()) throw new DocInputError(`${path}: is a directory, expected locking.rst`);
  const bytes = readFileSync(path);
  return parseCached(bytes, path, kind, cache, () => readLockingDoc(bytes, path, kind));
}

export function loadDocumentedOrder(where: DocLocation): DocumentedOrder {
  if (where.file) return readFile(resolve(where.file), 'file', where.cache);
  if (where.tree) {
    const tree = resolve(where.tree);
    if (!existsSync(tree) || !statSync(tree).isDirectory()) throw new DocInputError(`${tree}: --tree is not a directory`);
    const doc = join(tree, LOCKING_RST);
    if (!existsSync(doc)) throw new DocInputError(`${tree}: not a kernel tree with KVM (no ${LOCKING_RST})`);
    return readFile(doc, 'tree', where.cache);
  }
  if (isKernelTree(where.cwd)) return readFile(join(where.cwd, LOCKING_RST), 'tree', where.cache);
  return loadEmbeddedOrder();
}

const RST = 'Documentation/virt/kvm/locking.rst';

/** How output names a tree's locking.rst: a path on disk, `COMMIT:path` in git, else `LABEL: path`. */
function docPath(tree: Tree): string {
  if (tree instanceof DirectoryTree) return join(tree.path, LOCKING_RST);
  if (tree instanceof GitTree) return `${tree.commit}:${RST}`;
  return `${tree.label}: ${RST}`;
}

/**
 * The documented order of any tree (a directory, a git revision, a series
 * applied in memory), read through the Tree interface. A tree without
 * locking.rst is a DocInputError: the engine never compares a tree's code
 * with another tree's document without saying so. With `cache`, a document
 * parsed before is loaded (load-cache.ts).
 */
export async function loadTreeOrder(tree: Tree, cache?: CacheOptions): Promise<DocumentedOrder> {
  const bytes = await tree.read(RST);
  if (bytes === null) {
    const why = tree.notes().find((n) => n.path === RST)?.reason;
    throw new DocInputError(`${tree.label}: ${why ? `${RST} is ${why}` : `not a kernel tree with KVM (no ${RST})`}`);
  }
  const path = docPath(tree);
  return parseCached(bytes, path, 'tree', cache, () => readLockingDoc(bytes, path, 'tree'));
}
