/**
 * The persistent index: per-file facts keyed by the file's content, the
 * struct types it was analysed with and the analyser's own code, so a second
 * run re-reads only what changed. One JSON file per key.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import envPaths from 'env-paths';

export interface CacheOptions {
  /** --cache-dir; else KVM_REVIEW_CACHE_DIR; else the user's cache directory. */
  dir?: string;
  /** --no-cache. */
  disabled?: boolean;
}

export function cacheDir(opts: CacheOptions, env: NodeJS.ProcessEnv = process.env): string | null {
  if (opts.disabled) return null;
  return opts.dir ?? env.KVM_REVIEW_CACHE_DIR ?? join(envPaths('kvm-review', { suffix: '' }).cache, 'index');
}

export function sha256(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\u0000');
  return h.digest('hex');
}

let codeVersion: string | null = null;

/**
 * A hash of the analyser's own modules (C layer, lock walk, primitive
 * table), so a cache written by other code is never read back.
 */
export function analyzerVersion(): string {
  if (codeVersion) return codeVersion;
  const here = dirname(fileURLToPath(import.meta.url));
  const dirs = [join(here, '..', 'c'), join(here, '..', 'locks'), join(here, '..', '..', 'knowledge')];
  const parts: string[] = [];
  for (const d of dirs) {
    for (const f of readdirSync(d).sort()) if (/\.(ts|js)$/.test(f)) parts.push(f, readFileSync(join(d, f), 'utf8'));
  }
  codeVersion = sha256(...parts).slice(0, 16);
  return codeVersion;
}

/**
 * Entries read or written in this process, by directory and key: a review
 * indexes one tree once per patch, and most files are the same each time.
 * Values are shared, so callers must not change them.
 */
const memory = new Map<string, unknown>();

export class FactCache<T> {
  hits = 0;
  misses = 0;

  constructor(readonly dir: string | null) {
    if (dir) mkdirSync(dir, { recursive: true });
  }

  get(key: string): T | null {
    if (!this.dir) return null;
    const remembered = memory.get(join(this.dir, key));
    if (remembered !== undefined) {
      this.hits++;
      return remembered as T;
    }
    try {
      const value = JSON.parse(readFileSync(join(this.dir, `${key}.json`), 'utf8')) as T;
      memory.set(join(this.dir, key), value);
      this.hits++;
      return value;
    } catch {
      this.misses++;
      return null;
    }
  }

  put(key: string, value: T): void {
    if (!this.dir) return;
    memory.set(join(this.dir, key), value);
    // Write then rename: a run killed half-way never leaves a truncated entry behind.
    const tmp = join(this.dir, `${key}.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify(value));
    renameSync(tmp, join(this.dir, `${key}.json`));
  }
}
