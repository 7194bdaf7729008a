/**
 * The tree the engine reads: a kernel source tree, wherever it lives (a
 * directory, a git revision read from the object store, a series applied
 * in memory, the blobs of a commit fetched through the GitHub API). The
 * index, the series apply and the doc loader read trees only through this
 * interface, so a new kind of tree never touches the analysis.
 *
 * Paths are tree-relative, '/'-separated, normalised (no '.', '..', '//',
 * no leading '/'). Reads are async because some trees are remote.
 */

/**
 * A file's identity for the cache: `git:<blob sha1>` where the tree knows
 * the blob id (git revisions, the GitHub API), else `sha256:<hex>` of the
 * bytes. Equal identities mean equal bytes.
 */
export type FileIdentity = string;

/** One regular file of a tree listing. */
export interface TreeEntry {
  /** Tree-relative path. */
  path: string;
  /** Size in bytes. */
  size: number;
}

/** Something the tree could not read, reported rather than dropped. */
export interface TreeNote {
  /** Tree-relative path. */
  path: string;
  /** Why it was skipped: "a FIFO", "permission denied", "a symlink leading out of the tree". */
  reason: string;
}

/** An entry directly under a directory (Tree.children). */
export interface TreeChild {
  name: string;
  isDirectory: boolean;
}

/** Children in the order Tree.children() gives them: by name, as code units compare. */
export const byName = (a: TreeChild, b: TreeChild): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Children from names and whether each is a directory, in order. */
export function childList(entries: ReadonlyMap<string, boolean>): TreeChild[] {
  return [...entries].map(([name, isDirectory]) => ({ name, isDirectory })).sort(byName);
}

/** `dir`'s children, from tree.children() or, for a tree without it, from its recursive listing. */
export async function treeChildren(tree: Tree, dir: string): Promise<TreeChild[]> {
  if (tree.children) return tree.children(dir);
  const prefix = dir ? `${dir.replace(/\/+$/, '')}/` : '';
  const out = new Map<string, boolean>();
  for (const e of await tree.list(dir)) {
    const rest = e.path.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash < 0) out.set(rest, false);
    else out.set(rest.slice(0, slash), true);
  }
  return childList(out);
}

export interface Tree {
  /** What to call the tree in output: a directory path, `REV (SHA) in REPO`, `base + 3 patches`. */
  readonly label: string;
  /** Where it comes from, for the JSON `tree` field and the cache statistics. */
  readonly kind: 'directory' | 'git' | 'overlay' | 'api';
  /**
   * The regular files under `dir` (recursive; '' for the whole tree), sorted
   * by path. Special files are not listed; what was skipped is in `notes()`.
   * A missing directory lists nothing.
   */
  list(dir: string): Promise<TreeEntry[]>;
  /** Whether `path` is a directory of the tree. */
  isDirectory(path: string): Promise<boolean>;
  /**
   * The entries directly under `dir` (regular files and directories, not recursive), sorted by
   * name; a missing directory has none. What a caller that needs one level asks instead of list(),
   * which walks and sizes everything below: arch/ of a kernel tree is 17,000 files. Optional:
   * without it, list() serves (treeChildren()), and an empty directory, which it cannot see, is
   * not a child.
   */
  children?(dir: string): Promise<TreeChild[]>;
  /** The bytes of a regular file; null when there is no such file. */
  read(path: string): Promise<Buffer | null>;
  /** The file's identity for the cache; null when there is no such file. */
  identity(path: string): Promise<FileIdentity | null>;
  /** Files the tree saw but could not read (special files, permissions). */
  notes(): TreeNote[];
  /**
   * Why a patch may not touch `path` even though its spelling stays inside
   * the tree (a symlink on disk that leads out); null when it may. Trees
   * with no such hazard leave it out.
   */
  refusal?(path: string): Promise<string | null>;
}

/** A tree that cannot be used: not a kernel tree, no such revision, not a repository. Exit 2. */
export class TreeError extends Error {
  override readonly name = 'TreeError';
}
