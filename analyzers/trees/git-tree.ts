/**
 * A revision of a git repository, read straight from the object store
 * (`git ls-tree -r -l`, `git cat-file --batch`): no checkout, the work tree
 * is never read or written, nothing from the repository runs (hooks and
 * filters off, see git-client.ts). Identities are blob ids, so the index
 * cache knows a file it has seen in another revision without reading it.
 */
import type { SimpleGit } from 'simple-git';
import { assertRepository, BlobReader, gitClient, resolveCommit } from './git-client.js';
import { maxFileBytes } from './limits.js';
import type { FileIdentity, Tree, TreeChild, TreeEntry, TreeNote } from './model.js';
import { byName, TreeError } from './model.js';
import { isUnder, treePath } from './paths.js';

interface GitEntry {
  mode: string;
  type: string;
  sha: string;
  size: number;
}

export interface GitTreeOptions {
  maxFileBytes?: number;
}

/**
 * `<mode> SP <type> SP <object> SP+ <size> TAB <path>` records, NUL-terminated. The size of a blob
 * the object store lacks is `BAD`: the entry is kept (size 0), so reading it fails loudly.
 */
function parseLsTree(out: string): Map<string, GitEntry> {
  const entries = new Map<string, GitEntry>();
  for (const rec of out.split('\0')) {
    const m = /^(\d+) (\w+) ([0-9a-f]+) +(-|\d+|BAD)\t([\s\S]+)$/.exec(rec);
    if (m) entries.set(m[5] ?? '', { mode: m[1] ?? '', type: m[2] ?? '', sha: m[3] ?? '', size: /^\d+$/.test(m[4] ?? '') ? Number(m[4]) : 0 });
  }
  return entries;
}

/**
 * The listing of `key`, asked of git by the first caller only; a listing git failed to give is
 * asked again by the next. Each caller gets its own copy of the list.
 */
async function asked<T>(memo: Map<string, Promise<T[]>>, key: string, ask: () => Promise<T[]>): Promise<T[]> {
  let listing = memo.get(key);
  if (!listing) {
    memo.set(key, (listing = ask()));
    listing.catch(() => memo.delete(key));
  }
  return [...(await listing)];
}

/** A directory known from its entries (git has no empty trees): its own id is not needed. */
const TREE: GitEntry = { mode: '040000', type: 'tree', sha: '', size: 0 };

export class GitTree implements Tree {
  readonly kind = 'git' as const;
  private readonly entries = new Map<string, GitEntry | null>();
  /** Directories listed recursively: every blob under them is in `entries`. */
  private readonly listed = new Set<string>();
  /** Directories whose own entries were read: every entry directly in them is in `entries`. */
  private readonly childrenRead = new Set<string>();
  // A commit's tree never changes: each listing is asked of git once (the review lists the
  // architectures' directories for the files and again for their builds: a git process each).
  private readonly lists = new Map<string, Promise<TreeEntry[]>>();
  private readonly childLists = new Map<string, Promise<TreeChild[]>>();
  private readonly skipped = new Map<string, string>();
  private readonly blobs: BlobReader;
  private readonly cap: number;

  private constructor(
    private readonly git: SimpleGit,
    readonly repo: string,
    readonly revision: string,
    /** The commit's id. */
    readonly commit: string,
    opts: GitTreeOptions,
  ) {
    this.blobs = new BlobReader(repo);
    this.cap = maxFileBytes(opts.maxFileBytes);
  }

  /** The tree of `rev` in `repo`; TreeError when either is not what it should be. */
  static async open(repo: string, rev: string, opts: GitTreeOptions = {}): Promise<GitTree> {
    const git = gitClient(repo);
    await assertRepository(git, repo);
    const commit = await resolveCommit(git, repo, rev);
    return new GitTree(git, repo, rev, commit, opts);
  }

  get label(): string {
    const short = this.commit.slice(0, 12);
    return this.commit.startsWith(this.revision) ? `${short} in ${this.repo}` : `${this.revision} (${short}) in ${this.repo}`;
  }

  private async lsTree(args: string[]): Promise<Map<string, GitEntry>> {
    return parseLsTree(await this.git.raw(['ls-tree', '-l', '-z', '--full-tree', ...args]));
  }

  private async entry(path: string): Promise<GitEntry | null> {
    if (path === '') return TREE;
    if (this.entries.has(path)) return this.entries.get(path) ?? null;
    const slash = path.lastIndexOf('/');
    if (this.childrenRead.has(slash < 0 ? '' : path.slice(0, slash))) return null;
    if ([...this.listed].some((d) => isUnder(path, d))) {
      // A recursive listing has the blobs only: a directory under it is one that has some (a path
      // looked up and not found is in `entries` too, as null).
      const prefix = `${path}/`;
      const found = [...this.entries].some(([k, e]) => e !== null && k.startsWith(prefix)) ? TREE : null;
      this.entries.set(path, found);
      return found;
    }
    const found = (await this.lsTree([this.commit, '--', `:(literal)${path}`])).get(path) ?? null;
    this.entries.set(path, found);
    return found;
  }

  async list(dir: string): Promise<TreeEntry[]> {
    const d = treePath(dir);
    return asked(this.lists, d, () => this.listOnce(d));
  }

  private async listOnce(d: string): Promise<TreeEntry[]> {
    const found = await this.lsTree(['-r', this.commit, ...(d ? ['--', `:(literal)${d}`] : [])]);
    const out: TreeEntry[] = [];
    for (const [path, e] of found) {
      if (!isUnder(path, d)) continue;
      this.entries.set(path, e);
      if (e.type === 'commit') this.note(path, 'a submodule');
      else if (e.mode === '120000') this.note(path, 'a symlink (not followed in a git revision)');
      else if (e.type !== 'blob') continue;
      else if (e.size > this.cap) this.note(path, `larger than the ${this.cap}-byte cap (KVM_REVIEW_MAX_FILE_BYTES)`);
      else out.push({ path, size: e.size });
    }
    this.listed.add(d);
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async children(dir: string): Promise<TreeChild[]> {
    const d = treePath(dir);
    return asked(this.childLists, d, () => this.childrenOnce(d));
  }

  private async childrenOnce(d: string): Promise<TreeChild[]> {
    // Without -r: the entries of the directory itself. For a file or a path not there, `d/` names
    // nothing; for a submodule (or a symlink), the entry itself: no children either way.
    const found = await this.lsTree(d ? [this.commit, '--', `:(literal)${d}/`] : [this.commit]);
    this.childrenRead.add(d);
    if (d && !this.entries.get(d) && [...found.keys()].some((path) => path !== d && isUnder(path, d))) this.entries.set(d, TREE);
    const out: TreeChild[] = [];
    for (const [path, e] of found) {
      if (!isUnder(path, d) || path === d) continue;
      this.entries.set(path, e);
      const name = d ? path.slice(d.length + 1) : path;
      if (e.type === 'tree') out.push({ name, isDirectory: true });
      else if (e.type === 'commit') this.note(path, 'a submodule');
      else if (e.mode === '120000') this.note(path, 'a symlink (not followed in a git revision)');
      else if (e.type === 'blob') out.push({ name, isDirectory: false });
    }
    return out.sort(byName);
  }

  async isDirectory(path: string): Promise<boolean> {
    return (await this.entry(treePath(path)))?.type === 'tree';
  }

  private regular(e: GitEntry | null): e is GitEntry {
    return e !== null && e.type === 'blob' && e.mode !== '120000';
  }

  async read(path: string): Promise<Buffer | null> {
    const p = treePath(path);
    const e = await this.entry(p);
    if (!this.regular(e)) return null;
    if (e.size > this.cap) {
      this.note(p, `larger than the ${this.cap}-byte cap (KVM_REVIEW_MAX_FILE_BYTES)`);
      return null;
    }
    const bytes = await this.blobs.read(e.sha);
    // Listed in the commit's tree but not in the object store (a partial clone whose promisor is
    // gone, a damaged repository): reading it as "no such file" would review a file as absent.
    if (bytes === null) throw new TreeError(`${this.repo}: ${p} (blob ${e.sha}) is in the tree of ${this.commit.slice(0, 12)} but git cat-file cannot read it: the object is missing`);
    return bytes;
  }

  async identity(path: string): Promise<FileIdentity | null> {
    const e = await this.entry(treePath(path));
    return this.regular(e) ? `git:${e.sha}` : null;
  }

  private note(path: string, reason: string): void {
    if (!this.skipped.has(path)) this.skipped.set(path, reason);
  }

  notes(): TreeNote[] {
    return [...this.skipped].map(([path, reason]) => ({ path, reason })).sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  /** End the cat-file process (it is unref'd: forgetting this never holds the process open). */
  close(): void {
    this.blobs.close();
  }
}
