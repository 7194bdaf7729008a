/**
 * Content identities of files on disk, remembered by their stat, as git's
 * index does: a directory tree has no object store to name its files, so
 * each run read and hashed all ~400 of them to learn they had not changed
 * (the largest part of a warm check). A file whose device, inode, size,
 * modification and change times are those recorded has the identity
 * recorded with them.
 *
 * Racy writes: a file written twice within one timestamp tick, with the
 * same size, keeps its stat. An identity is therefore recorded only for a
 * file whose times are SETTLED_MS older than the moment it was hashed;
 * a file changed more recently is hashed on every run until it settles.
 * The change time cannot be set from user space, so a rewrite always
 * moves it (a restored mtime does not fool this).
 *
 * The store is kept in the index cache directory (and not with --no-cache),
 * written atomically with an integrity hash like every entry (cache.ts).
 */
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { FactCache, onForgetCache } from '../index/cache.js';
import { s } from '../index/shape.js';

/** How old a file's times must be, when it is hashed, for its identity to be recorded. */
export const SETTLED_MS = 3000;

interface Recorded {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  identity: string;
}

const recordedSchema = s.record(
  s.object({ dev: s.number(), ino: s.number(), size: s.number().int().nonnegative(), mtimeMs: s.number(), ctimeMs: s.number(), identity: s.string() }),
);

const KEY = 'stat-identities';
const OWNER = { file: 'directory-trees', identity: KEY };

export class StatIdentities {
  private readonly cache: FactCache<Record<string, Recorded>>;
  private readonly known = new Map<string, Recorded>();
  private dirty = false;

  constructor(readonly dir: string) {
    this.cache = new FactCache(join(dir, 'trees'), recordedSchema);
    const stored = this.cache.get(KEY, OWNER);
    for (const [path, r] of Object.entries(stored ?? {})) this.known.set(path, r);
  }

  /** The identity recorded for this real path with this stat, or null. */
  lookup(real: string, st: Stats): string | null {
    const r = this.known.get(real);
    return r && r.dev === st.dev && r.ino === st.ino && r.size === st.size && r.mtimeMs === st.mtimeMs && r.ctimeMs === st.ctimeMs ? r.identity : null;
  }

  /** Record an identity just computed from the bytes of a file that had this stat before it was read. */
  record(real: string, st: Stats, identity: string, now = Date.now()): void {
    if (Math.max(st.mtimeMs, st.ctimeMs) > now - SETTLED_MS) return;
    const prev = this.known.get(real);
    if (prev && prev.identity === identity && this.lookup(real, st)) return;
    this.known.set(real, { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, identity });
    this.dirty = true;
  }

  /** Write what was learnt; a failure leaves the store as it was (the next run hashes again). Returns the cache's warning. */
  save(): string | undefined {
    if (!this.dirty) return undefined;
    this.cache.put(KEY, OWNER, Object.fromEntries(this.known));
    this.dirty = false;
    return this.cache.warning;
  }
}

let current: StatIdentities | null = null;
onForgetCache(() => {
  current = null;
});

/**
 * The store directory trees consult from now on in this process: the
 * index cache directory's, or none (no cache). Set by planIndex, which
 * knows the directory; a tree only asks `currentStatIdentities()`.
 */
export function useStatIdentities(dir: string | null): StatIdentities | null {
  if (!dir) current = null;
  else if (current?.dir !== dir) current = new StatIdentities(dir);
  return current;
}

export function currentStatIdentities(): StatIdentities | null {
  return current;
}
