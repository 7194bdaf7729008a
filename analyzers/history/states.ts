/**
 * The states of a repository the digest looks at, read from git objects
 * (no checkout) and computed once per run each:
 *
 * - what a commit holds: one `git ls-tree` gives locking.rst's blob and the
 *   identity of the indexed code (paths and blob ids), without reading a file;
 * - the documented order, keyed by locking.rst's blob id;
 * - the observed order of the code, keyed by that identity (two commits
 *   with the same code share it), indexed through the index cache keyed by
 *   blob, so a later revision re-reads only the files that changed;
 * - the drift of a commit.
 */
import { createHash } from 'node:crypto';
import type { SimpleGit } from 'simple-git';
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import { DocInputError, readLockingDoc } from '../../knowledge/doc/reader.js';
import type { CacheOptions } from '../index/cache.js';
import { archOf, indexedFiles, isIndexedPath, treeArchs } from '../index/files.js';
import { indexTree } from '../index/index-tree.js';
import { expandRuntimeTables } from '../c/ops-tables.js';
import { observeOrder } from '../order/observe.js';
import { codeClasses } from '../rules/index.js';
import { BlobReader, gitClient } from '../trees/git-client.js';
import { GitTree } from '../trees/git-tree.js';
import { driftOf, type CodeState } from './drift.js';
import type { CommitRef, Drift } from './model.js';

export const LOCKING_RST = 'Documentation/virt/kvm/locking.rst';

/** Code paths as git pathspecs: what isIndexedPath() accepts, for `git ls-tree` and `git log -- PATHS`. */
export const CODE_PATHSPECS = [
  'virt/kvm',
  'include/kvm',
  ':(glob)arch/*/kvm/**',
  ':(glob)arch/*/include/asm/kvm*.h',
  ':(glob)include/linux/kvm*.h',
  'kernel/jump_label.c',
  'kernel/cpu.c',
  'kernel/rcu/srcutree.c',
];

/** Directories `git ls-tree` lists (it takes no glob magic); isIndexedPath() keeps the indexed files among them. */
const LISTED_DIRS = ['virt/kvm', 'include/kvm', 'include/linux', 'arch', 'kernel'];

/** What one `git ls-tree` says about a commit. */
interface Listing {
  docBlob: string | null;
  /** Null when the commit has no KVM code (nothing under virt/kvm). */
  codeKey: string | null;
}

const builtFor = (arch: string) => (file: string): boolean => {
  const a = archOf(file);
  return a === null || a === arch;
};

export class HistoryStates {
  private readonly listings = new Map<string, Promise<Listing>>();
  private readonly docs = new Map<string, DocumentedOrder | null>();
  private readonly codes = new Map<string, Promise<CodeState | null>>();
  private readonly drifts = new Map<string, Promise<Drift>>();
  private readonly trees: GitTree[] = [];
  private readonly git: SimpleGit;
  private readonly blobs: BlobReader;
  /** Problems reading a state (a locking.rst that is not one): said once each. */
  readonly notes: string[] = [];
  /** Code states analysed (not found in this run's memory). */
  analysed = 0;

  constructor(
    readonly repo: string,
    private readonly cache: CacheOptions,
  ) {
    this.git = gitClient(repo);
    this.blobs = new BlobReader(repo);
  }

  private listing(hash: string): Promise<Listing> {
    let l = this.listings.get(hash);
    if (!l) {
      l = this.list(hash);
      this.listings.set(hash, l);
    }
    return l;
  }

  private async list(hash: string): Promise<Listing> {
    const out = await this.git.raw(['ls-tree', '-r', '-z', '--full-tree', hash, '--', LOCKING_RST, ...LISTED_DIRS]);
    let docBlob: string | null = null;
    let kvm = false;
    const h = createHash('sha256');
    for (const rec of out.split('\0')) {
      const m = /^(\d+) (\w+) ([0-9a-f]+)\t([\s\S]+)$/.exec(rec);
      if (!m || m[2] !== 'blob') continue;
      const [, mode, , sha = '', path = ''] = m;
      if (path === LOCKING_RST) {
        // A symlink is not read in a git revision (as GitTree).
        if (mode !== '120000') docBlob = sha;
        continue;
      }
      if (!isIndexedPath(path)) continue;
      if (path.startsWith('virt/kvm/')) kvm = true;
      h.update(`${path}\u0000${sha}\u0000`);
    }
    return { docBlob, codeKey: kvm ? h.digest('hex') : null };
  }

  /** The blob id of locking.rst at `hash`, null when absent. */
  async docId(hash: string): Promise<string | null> {
    return (await this.listing(hash)).docBlob;
  }

  /** The documented order at `hash`; null when the commit has no (readable) locking.rst. */
  async doc(hash: string): Promise<DocumentedOrder | null> {
    const id = await this.docId(hash);
    if (!id) return null;
    if (this.docs.has(id)) return this.docs.get(id) ?? null;
    const bytes = await this.blobs.read(id);
    let order: DocumentedOrder | null = null;
    if (bytes) {
      try {
        order = readLockingDoc(bytes, `${hash}:${LOCKING_RST}`, 'tree');
      } catch (e) {
        if (!(e instanceof DocInputError)) throw e;
        this.notes.push(`${hash.slice(0, 12)}: ${e.message}`);
      }
    }
    this.docs.set(id, order);
    return order;
  }

  /** Whether the code at `hash` is analysed already (or there is none): its drift costs only the rules. */
  async codeKnown(hash: string): Promise<boolean> {
    const key = (await this.listing(hash)).codeKey;
    return key === null || this.codes.has(key);
  }

  /** The observed order of the code at `hash`; null when it has no KVM code. */
  async code(hash: string): Promise<CodeState | null> {
    const key = (await this.listing(hash)).codeKey;
    if (!key) return null;
    let state = this.codes.get(key);
    if (!state) {
      state = this.analyse(hash, key);
      this.codes.set(key, state);
    }
    return state;
  }

  private async analyse(hash: string, key: string): Promise<CodeState> {
    this.analysed++;
    const tree = await GitTree.open(this.repo, hash);
    this.trees.push(tree);
    const archs = await treeArchs(tree);
    const index = await indexTree(tree, { cache: this.cache, files: await indexedFiles(tree) });
    const functions = index.files.flatMap((f) => f.functions);
    const ops = index.files.flatMap((f) => f.ops);
    const state: CodeState = { key, archs, edges: new Map(), classes: codeClasses(functions), failed: [] };
    for (const arch of archs) {
      const inArch = builtFor(arch);
      try {
        state.edges.set(arch, observeOrder(functions.filter((fn) => inArch(fn.file)), expandRuntimeTables(ops.filter((o) => inArch(o.file)))).edges);
      } catch (e) {
        // One architecture's failure is said on the drift; the others are still analysed.
        state.failed.push({ arch, error: e instanceof Error ? e.message : String(e) });
      }
    }
    tree.close();
    return state;
  }

  /** The drift at `commit`. */
  drift(commit: CommitRef): Promise<Drift> {
    const run = async (): Promise<Drift> => driftOf(commit, await this.doc(commit.hash), await this.code(commit.hash));
    let d = this.drifts.get(commit.hash);
    if (!d) {
      d = run();
      this.drifts.set(commit.hash, d);
    }
    return d;
  }

  /** End the git processes (cat-file) this run started. */
  close(): void {
    for (const t of this.trees) t.close();
    this.trees.length = 0;
    this.blobs.close();
  }
}
