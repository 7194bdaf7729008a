/**
 * The states of a repository the digest looks at, read from git objects
 * (no checkout) and computed once per run each:
 *
 * - the documented order of a commit, keyed by locking.rst's blob id;
 * - the observed order of a commit's code, keyed by the indexed files'
 *   paths and blob ids (two commits with the same code share it), indexed
 *   through the index cache keyed by blob, so a later revision re-reads
 *   only the files that changed;
 * - the drift of a commit, keyed by both.
 */
import { createHash } from 'node:crypto';
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import { DocInputError, readLockingDoc } from '../../knowledge/doc/reader.js';
import type { CacheOptions } from '../index/cache.js';
import { indexedFiles, treeArchs } from '../index/files.js';
import { indexTree } from '../index/index-tree.js';
import { observeOrder } from '../order/observe.js';
import { codeClasses } from '../rules/index.js';
import { GitTree } from '../trees/git-tree.js';
import { archOf } from '../index/files.js';
import { driftOf, type CodeState } from './drift.js';
import type { CommitRef, Drift } from './model.js';

export const LOCKING_RST = 'Documentation/virt/kvm/locking.rst';

const builtFor = (arch: string) => (file: string): boolean => {
  const a = archOf(file);
  return a === null || a === arch;
};

export class HistoryStates {
  private readonly docs = new Map<string, DocumentedOrder | null>();
  private readonly codes = new Map<string, Promise<CodeState | null>>();
  private readonly drifts = new Map<string, Promise<Drift>>();
  private readonly trees = new Map<string, GitTree>();
  /** Problems reading a state (a locking.rst that is not one): said once each. */
  readonly notes: string[] = [];
  /** Code states analysed (not found in this run's memory). */
  analysed = 0;

  constructor(
    readonly repo: string,
    private readonly cache: CacheOptions,
  ) {}

  private async tree(hash: string): Promise<GitTree> {
    let t = this.trees.get(hash);
    if (!t) {
      t = await GitTree.open(this.repo, hash);
      this.trees.set(hash, t);
    }
    return t;
  }

  /** The documented order at `hash`; null when the commit has no (readable) locking.rst. */
  async doc(hash: string): Promise<DocumentedOrder | null> {
    const tree = await this.tree(hash);
    const id = await tree.identity(LOCKING_RST);
    if (!id) return null;
    if (this.docs.has(id)) return this.docs.get(id) ?? null;
    const bytes = await tree.read(LOCKING_RST);
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

  /** The blob id of locking.rst at `hash`, null when absent. */
  async docId(hash: string): Promise<string | null> {
    return (await this.tree(hash)).identity(LOCKING_RST);
  }

  /** The identity of the code at `hash` (null: no KVM code), without analysing it. */
  async codeKey(hash: string): Promise<{ key: string; files: string[] } | null> {
    const tree = await this.tree(hash);
    if (!(await tree.isDirectory('virt/kvm'))) return null;
    const files = await indexedFiles(tree);
    const h = createHash('sha256');
    for (const f of files) h.update(`${f}\u0000${(await tree.identity(f)) ?? ''}\u0000`);
    return { key: h.digest('hex'), files };
  }

  /** The observed order of the code at `hash`; null when it has no KVM code. */
  async code(hash: string): Promise<CodeState | null> {
    const id = await this.codeKey(hash);
    if (!id) return null;
    let state = this.codes.get(id.key);
    if (!state) {
      state = this.analyse(hash, id.key, id.files);
      this.codes.set(id.key, state);
    }
    return state;
  }

  private async analyse(hash: string, key: string, files: string[]): Promise<CodeState> {
    this.analysed++;
    const tree = await this.tree(hash);
    const archs = await treeArchs(tree);
    const index = await indexTree(tree, { cache: this.cache, files });
    const functions = index.files.flatMap((f) => f.functions);
    const ops = index.files.flatMap((f) => f.ops);
    const state: CodeState = { key, archs, edges: new Map(), classes: codeClasses(functions), failed: [] };
    for (const arch of archs) {
      const inArch = builtFor(arch);
      try {
        state.edges.set(arch, observeOrder(functions.filter((fn) => inArch(fn.file)), ops.filter((o) => inArch(o.file))).edges);
      } catch (e) {
        // One architecture's failure is said on the drift; the others are still analysed.
        state.failed.push({ arch, error: e instanceof Error ? e.message : String(e) });
      }
    }
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

  /** End the git processes of the trees read. */
  close(): void {
    for (const t of this.trees.values()) t.close();
    this.trees.clear();
  }
}
