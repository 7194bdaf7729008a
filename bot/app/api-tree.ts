/**
 * A kernel tree read through GitHub's git trees and blobs API at one
 * commit. Only the paths the engine reads are walked (the indexed KVM
 * files and locking.rst): a kernel's full recursive listing is past the
 * API's 100,000-entry truncation. Everything fetched is content-addressed
 * and kept on disk (commit -> tree, tree listings, blobs by sha), so the
 * next pull request on the same base fetches nothing.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isIndexedPath } from '../../analyzers/index/files.js';
import type { FileIdentity, Tree, TreeEntry, TreeNote } from '../../analyzers/trees/model.js';
import type { Octokit, RepoRef } from './publish.js';

/** The documentation file the engine reads besides the indexed code. */
export const LOCKING_RST_PATH = 'Documentation/virt/kvm/locking.rst';

/** Blob requests in flight while prefetching (GitHub asks integrators to avoid many concurrent requests; a few are fine). */
const BLOBS_IN_FLIGHT = 6;

interface GitEntry {
  path: string;
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
  size?: number;
}

/** Whether a directory can hold a path the engine reads. */
export function wantedDir(dir: string): boolean {
  if (['', 'virt', 'include', 'include/linux', 'arch', 'kernel', 'kernel/rcu', 'Documentation', 'Documentation/virt', 'Documentation/virt/kvm'].includes(dir)) return true;
  return /^(virt\/kvm|include\/kvm)(\/|$)/.test(dir) || /^arch\/[^/]+(\/include(\/asm)?|\/kvm(\/.*)?)?$/.test(dir);
}

/** Whether the engine reads this file. */
export function wantedFile(path: string): boolean {
  return path === LOCKING_RST_PATH || isIndexedPath(path);
}

/** Counts of what came from the API and what from the disk cache. */
export interface FetchStats {
  apiCalls: number;
  cacheHits: number;
}

export class ApiTree implements Tree {
  readonly kind = 'api' as const;
  readonly label: string;
  readonly stats: FetchStats = { apiCalls: 0, cacheHits: 0 };
  private readonly dirs = new Map<string, GitEntry[]>();
  private files: Map<string, GitEntry> | null = null;
  private readonly skipped: TreeNote[] = [];

  constructor(
    private readonly octokit: Octokit,
    private readonly repo: RepoRef,
    /** The commit whose tree this is. */
    readonly commit: string,
    /** Where commits, tree listings and blobs are kept, keyed by sha. */
    private readonly cacheDir: string,
  ) {
    this.label = `${commit.slice(0, 12)} in ${repo.owner}/${repo.repo} (GitHub API)`;
  }

  private cached<T>(kind: string, key: string): T | null {
    const file = join(this.cacheDir, kind, key.slice(0, 2), `${key}.json`);
    if (!existsSync(file)) return null;
    this.stats.cacheHits += 1;
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  }

  private store(kind: string, key: string, value: unknown): void {
    atomicWrite(join(this.cacheDir, kind, key.slice(0, 2), `${key}.json`), JSON.stringify(value));
  }

  private async treeOf(commit: string): Promise<string> {
    const hit = this.cached<{ tree: string }>('commits', commit);
    if (hit) return hit.tree;
    this.stats.apiCalls += 1;
    const { data } = await this.octokit.rest.git.getCommit({ ...this.repo, commit_sha: commit });
    this.store('commits', commit, { tree: data.tree.sha });
    return data.tree.sha;
  }

  private async listing(sha: string): Promise<GitEntry[]> {
    const hit = this.cached<GitEntry[]>('trees', sha);
    if (hit) return hit;
    this.stats.apiCalls += 1;
    const { data } = await this.octokit.rest.git.getTree({ ...this.repo, tree_sha: sha });
    if (data.truncated) throw new Error(`${this.label}: the tree ${sha} is too large for the API (truncated listing)`);
    const entries = data.tree.map((e) => ({ path: e.path ?? '', mode: e.mode ?? '', type: e.type as GitEntry['type'], sha: e.sha ?? '', size: e.size }));
    this.store('trees', sha, entries);
    return entries;
  }

  /** Walks the wanted directories once; afterwards every read is a blob. */
  private async walk(): Promise<Map<string, GitEntry>> {
    if (this.files) return this.files;
    const files = new Map<string, GitEntry>();
    const visit = async (dir: string, sha: string): Promise<void> => {
      const entries = await this.listing(sha);
      this.dirs.set(dir, entries);
      // An architecture without KVM code contributes nothing, not even its asm/kvm*.h (as indexedFiles()).
      if (/^arch\/[^/]+$/.test(dir) && !entries.some((e) => e.path === 'kvm' && e.type === 'tree')) return;
      for (const e of entries) {
        const path = dir ? `${dir}/${e.path}` : e.path;
        if (e.type === 'tree' && wantedDir(path)) await visit(path, e.sha);
        else if (e.type === 'blob' && wantedFile(path)) {
          if (e.mode === '120000') this.skipped.push({ path, reason: 'a symlink (not followed through the API)' });
          else files.set(path, { ...e, path });
        }
      }
    };
    await visit('', await this.treeOf(this.commit));
    this.files = files;
    return files;
  }

  async list(dir: string): Promise<TreeEntry[]> {
    const files = await this.walk();
    const prefix = dir ? `${dir.replace(/\/$/, '')}/` : '';
    return [...files.values()]
      .filter((e) => e.path.startsWith(prefix))
      .map((e) => ({ path: e.path, size: e.size ?? 0 }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async isDirectory(path: string): Promise<boolean> {
    await this.walk();
    if (this.dirs.has(path)) return true;
    const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
    const name = path.slice(path.lastIndexOf('/') + 1);
    return Boolean(this.dirs.get(parent)?.some((e) => e.path === name && e.type === 'tree'));
  }

  /** The blob's bytes, from the disk cache or the API; a file the walk leaves out is looked up by its path. */
  async read(path: string): Promise<Buffer | null> {
    const entry = (await this.walk()).get(path) ?? (await this.lookup(path));
    if (!entry) return null;
    return this.blob(entry.sha);
  }

  /**
   * A file the walk leaves out: one the engine does not index, which a patch
   * changes all the same (its hunks are applied to it, and a file read as
   * missing made the review say they did not apply). Found through the
   * listings of the directories above it, each kept on disk by sha.
   */
  private async lookup(path: string): Promise<GitEntry | null> {
    const parts = path.split('/');
    let sha = await this.treeOf(this.commit);
    for (const [i, name] of parts.entries()) {
      const e = (await this.listing(sha)).find((x) => x.path === name);
      if (!e) return null;
      if (i === parts.length - 1) return e.type === 'blob' && e.mode !== '120000' ? { ...e, path } : null;
      if (e.type !== 'tree') return null;
      sha = e.sha;
    }
    return null;
  }

  private blobPath(sha: string): string {
    return join(this.cacheDir, 'blobs', sha.slice(0, 2), sha);
  }

  private async blob(sha: string): Promise<Buffer> {
    const file = this.blobPath(sha);
    if (existsSync(file)) {
      this.stats.cacheHits += 1;
      return readFileSync(file);
    }
    this.stats.apiCalls += 1;
    const { data } = await this.octokit.rest.git.getBlob({ ...this.repo, file_sha: sha });
    const bytes = Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8');
    // A blob is only trusted when its bytes hash to its name.
    const actual = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
    if (actual !== sha) throw new Error(`${this.label}: blob ${sha} came back with different content (${actual})`);
    atomicWrite(file, bytes);
    return bytes;
  }

  async identity(path: string): Promise<FileIdentity | null> {
    const entry = (await this.walk()).get(path);
    return entry ? `git:${entry.sha}` : null;
  }

  notes(): TreeNote[] {
    return [...this.skipped];
  }

  /**
   * Every file the engine reads fetched into the blob cache, a few
   * requests at a time: the engine then reads them from disk. Once per
   * commit the cache does not hold yet.
   */
  async prefetch(): Promise<void> {
    const entries = [...(await this.walk()).values()];
    // The API is latency-bound: a few blobs in flight at once.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < entries.length) await this.blob((entries[next++] as GitEntry).sha);
    };
    await Promise.all(Array.from({ length: BLOBS_IN_FLIGHT }, worker));
  }
}

/** Write to a temporary name and rename: a crash never leaves half a file under the real name. */
function atomicWrite(file: string, data: string | Buffer): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}
