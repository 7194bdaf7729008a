/**
 * What an index of a tree would read, known without reading a fact: the
 * files' identities and the keys of their facts. Apart from index-tree.ts
 * so that a warm check, which loads every result by these keys, never
 * loads the C parser or the lock walk.
 */
import { asTree, type Tree } from '../trees/index.js';
import { useStatIdentities } from '../trees/stat-identities.js';
import { analyzerVersion, openCacheDir, sha256 } from './cache.js';
import { indexedFiles } from './files.js';
import type { IndexOptions } from './index-tree.js';

export { structsFromJson, structsToJson, type CachedStructs } from './cached-structs.js';

/**
 * Keys already hashed: every state of a review plans the same few hundred files again, with
 * only the patched ones' identities new (the hashing was 3% of a 10-patch review). Bounded:
 * cleared when full, which only costs hashing again.
 */
interface Hashed {
  next: Map<string, Hashed>;
  key?: string;
}
const hashed: Hashed = { next: new Map() };
let hashedCount = 0;
const HASHED_MAX = 50_000;

/**
 * By kind, then part by part: the parts are the same string objects state after state (a file's
 * identity, the types key), whose hashes V8 keeps, where one joined string was built and hashed
 * again for every lookup.
 */
function memoSha(kind: string, ...parts: string[]): string {
  let node = hashed;
  for (const part of [kind, ...parts]) {
    let child = node.next.get(part);
    if (!child) node.next.set(part, (child = { next: new Map() }));
    node = child;
  }
  if (node.key === undefined) {
    if (hashedCount >= HASHED_MAX) {
      hashed.next.clear();
      hashedCount = 0;
    }
    node.key = sha256(analyzerVersion(), kind, ...parts);
    hashedCount++;
  }
  return node.key;
}

/** The cache key of a header's structs (the plan, the index and the pack must agree on it). */
export function structsKey(file: string, identity: string): string {
  return memoSha('structs', file, identity);
}

/** The cache key of a file's facts walked with the struct types keyed `typesKey`. */
export function factsKey(typesKey: string, file: string, identity: string): string {
  return memoSha('facts', typesKey, file, identity);
}

/**
 * What an index of the tree would read, known without reading a fact: each
 * file's identity and a key naming every input of its facts (the analyser,
 * the headers' identities, the file's). Two states with the same keys have
 * the same facts, so results derived from all of them (a tree state, an
 * architecture's edges) can be cached under their keys. The facts entries
 * themselves are keyed by the struct types (indexTree).
 */
export interface IndexPlan {
  sources: { file: string; identity: string }[];
  /** Files with no identity (not in the tree, not readable). */
  unread: { file: string; reason: string }[];
  typesKey: string;
  /** File -> the key naming its facts' inputs. */
  keys: Map<string, string>;
  /** The cache directory (null: no cache) and why the default one was dropped. */
  dir: string | null;
  warning?: string;
}

export async function planIndex(treeOrPath: Tree | string, opts: Pick<IndexOptions, 'cache' | 'files' | 'types'>): Promise<IndexPlan> {
  const tree = asTree(treeOrPath);
  const { dir, warning } = openCacheDir(opts.cache);
  const files = opts.files ?? (await indexedFiles(tree));
  // Directory trees name their files by content: with a cache, by the stat recorded with it when unchanged.
  const stats = useStatIdentities(dir);
  const unread: IndexPlan['unread'] = [];
  // Identities first: a git tree knows them without reading a byte, so a cache hit reads nothing.
  const sources: { file: string; identity: string }[] = [];
  for (const file of files) {
    const identity = await tree.identity(file);
    if (identity) sources.push({ file, identity });
    else unread.push({ file, reason: tree.notes().find((n) => n.path === file)?.reason ?? 'not in the tree' });
  }
  const statWarning = stats?.save();
  const warnings = [warning, statWarning].filter(Boolean).join('; ');
  const headerKeys = opts.types ? [] : sources.filter((s) => s.file.endsWith('.h')).map(({ file, identity }) => structsKey(file, identity));
  const typesKey = opts.types?.key ?? sha256(...headerKeys);
  const keys = new Map(sources.map(({ file, identity }) => [file, factsKey(typesKey, file, identity)]));
  return { sources, unread, typesKey, keys, dir, ...(warnings ? { warning: warnings } : {}) };
}
