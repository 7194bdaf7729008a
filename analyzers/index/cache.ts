/**
 * The persistent index: per-file facts keyed by the file's identity (a git
 * blob id, else a content hash), the struct types it was analysed with and
 * the analyser's own code, so a second run (or a second revision) re-reads
 * only what changed. One JSON file per key, written atomically.
 *
 * A value is shape-checked (strictly, nothing stripped: shape.ts) before it
 * is written, and written with the sha256 of its JSON text. A read compares
 * the key, the file and its identity stored inside, and the hash of the
 * value's text as it stands: a truncated, damaged, swapped or hand-edited
 * entry fails, and one that passes is byte for byte a value that passed the
 * schema. (The hash is no signature: whoever can write the directory can
 * forge an entry, as they could a schema-valid one.) Checking the hash
 * costs a tenth of checking the shape again, and loads no zod. An entry that
 * fails is ignored, recomputed, overwritten, and counted in `invalid`; an
 * entry of another format (older code) is a miss.
 */
import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';
import { accessSync, constants, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import envPaths from 'env-paths';
import { envelopeSchema } from './cache-schema.js';
import { CacheDirError } from './cache-error.js';

export interface CacheOptions {
  /** --cache-dir; else KVM_REVIEW_CACHE_DIR; else the user's cache directory. */
  dir?: string;
  /** --no-cache. */
  disabled?: boolean;
}

export { CacheDirError };

/** Statistics of one index run, for `check`'s stats and verbose output. */
export interface CacheStats {
  dir: string | null;
  hits: number;
  misses: number;
  /** Entries found but not usable (schema, key or identity mismatch): ignored and recomputed. */
  invalid: number;
  /** Why the cache was not used or stopped being written, when it was. */
  warning?: string;
}

export function cacheDir(opts: CacheOptions, env: NodeJS.ProcessEnv = process.env): string | null {
  if (opts.disabled) return null;
  return opts.dir ?? env.KVM_REVIEW_CACHE_DIR ?? join(envPaths('kvm-review', { suffix: '' }).cache, 'index');
}

function usable(dir: string): string | null {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) return 'not a directory';
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
    return null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') return 'not a directory';
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return 'no permission to write there';
    return code ?? String(e);
  }
}

/**
 * The cache directory to use: a directory the user named (--cache-dir,
 * KVM_REVIEW_CACHE_DIR) that cannot be used is a CacheDirError; the default
 * one is dropped with a warning (the run goes on, uncached).
 */
export function openCacheDir(opts: CacheOptions, env: NodeJS.ProcessEnv = process.env): { dir: string | null; warning?: string } {
  const dir = cacheDir(opts, env);
  if (!dir) return { dir: null };
  const problem = usable(dir);
  if (!problem) return { dir };
  const named = opts.dir ? '--cache-dir' : env.KVM_REVIEW_CACHE_DIR ? 'KVM_REVIEW_CACHE_DIR' : null;
  if (named) throw new CacheDirError(`${dir}: ${named} cannot be used (${problem}); give another or --no-cache`);
  return { dir: null, warning: `${dir}: the default cache directory cannot be used (${problem}); running without a cache` };
}

/** crypto.hash (node >= 20.12): one call, a third of createHash's cost on the short strings keys are made of. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

export function sha256(...parts: (string | Buffer)[]): string {
  // The same bytes either way: each part followed by a NUL.
  if (oneShot && parts.length && parts.every((p) => typeof p === 'string')) return oneShot('sha256', `${parts.join('\u0000')}\u0000`, 'hex');
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\u0000');
  return h.digest('hex');
}

let codeVersion: string | null = null;

/**
 * A hash of the analyser's own modules (C layer, lock walk, primitive
 * table, the facts' making and shape), so a cache written by other code is
 * never read back.
 */
export function analyzerVersion(): string {
  if (codeVersion) return codeVersion;
  const here = dirname(fileURLToPath(import.meta.url));
  const dirs = [join(here, '..', 'c'), join(here, '..', 'locks'), join(here, '..', '..', 'knowledge')];
  // And the modules here that make and shape a file's facts: a field added there is other facts.
  const facts = moduleTexts(here, (f) => /^(file-facts|cached-structs|cache-schema)\.(ts|js)$/.test(f));
  codeVersion = sha256(...dirs.flatMap((d) => moduleTexts(d)), ...facts).slice(0, 16);
  return codeVersion;
}

/**
 * Name and text of each module directly in `dir` (a .ts or .js file, or what `match` says), in
 * name order: what a code version hashes, so that an entry written by other code is never read.
 */
export function moduleTexts(dir: string, match: (file: string) => boolean = (f) => /\.(ts|js)$/.test(f)): string[] {
  return readdirSync(dir)
    .sort()
    .filter(match)
    .flatMap((f) => [f, readFileSync(join(dir, f), 'utf8')]);
}

let orderCodeVersion: string | null = null;

/**
 * A hash of the analyser plus the order stage (call resolution, summaries,
 * edges, the per-architecture step): observed edges persisted in the cache
 * are keyed by it, so edges written by other order code are never read back.
 */
export function orderVersion(): string {
  if (orderCodeVersion) return orderCodeVersion;
  const here = dirname(fileURLToPath(import.meta.url));
  const order = moduleTexts(join(here, '..', 'order'));
  const step = moduleTexts(join(here, '..'), (f) => /^arch-analysis\.(ts|js)$/.test(f));
  orderCodeVersion = sha256(analyzerVersion(), ...order, ...step).slice(0, 16);
  return orderCodeVersion;
}

/**
 * Entries read or written in this process, by directory and key: a review
 * indexes one tree once per patch, and most files are the same each time.
 * Values are shared, so callers must not change them. Only validated
 * entries get here.
 */
const memory = new Map<string, { file: string; identity: string; value: unknown }>();

const forgetters: (() => void)[] = [];

/** Drop what this process remembers, so the next read of every entry goes to disk (and is validated again). */
export function forgetCache(): void {
  memory.clear();
  for (const f of forgetters) f();
}

/** Run `f` on forgetCache(): for what other modules keep of the cache (stat-identities.ts). */
export function onForgetCache(f: () => void): void {
  forgetters.push(f);
}

/** What an entry belongs to: compared with what is stored inside it. */
export interface EntryOwner {
  file: string;
  identity: string;
}

/** What checks a value read back: a shape.ts shape (a zod schema fits too). */
export interface ValueSchema<T> {
  safeParse(v: unknown): { success: true; data: T } | { success: false; error?: unknown };
}

const FORMAT = 2;
const VALUE = ',"value":';

/**
 * Values whose JSON text is at hand, passed by `schema` where the value was made: the facts a worker
 * thread walked come as their text (worker-pool.ts), and put() writes that text instead of checking
 * the shape and serialising the value again on this thread (issue 15). By object: a value changed
 * after it was registered would be written as it was, so only the pool registers, just after parsing.
 */
const knownJson = new WeakMap<object, { json: string; schema: unknown }>();

/** Register `value` as the parse of `json`, which `schema` passed (its safeParse) before `json` was written. */
export function registerJson(value: object, json: string, schema: unknown): void {
  knownJson.set(value, { json, schema });
}

/** The sha256 of an entry's value text, as written and as read. */
const bodyHash = (body: string | Buffer): string => createHash('sha256').update(body).digest('hex');
const CLOSE = '}'.charCodeAt(0);

export class FactCache<T> {
  hits = 0;
  misses = 0;
  invalid = 0;
  /** Hits answered by what this process had already read or written (no disk read). */
  remembered = 0;
  warning?: string;
  /** A write failed (full disk, read-only): the rest of the run writes nothing. */
  private stopped = false;

  /** `dir` must come from openCacheDir() (or be null: no cache). */
  constructor(
    readonly dir: string | null,
    private readonly schema: ValueSchema<T>,
  ) {
    if (dir) mkdirSync(dir, { recursive: true });
  }

  /** Remember a value as this process's copy of the entry, without writing it (it came from a larger validated entry). */
  remember(key: string, owner: EntryOwner, value: T): void {
    if (this.dir) memory.set(join(this.dir, `${key}.json`), { ...owner, value });
  }

  get(key: string, owner: EntryOwner): T | null {
    if (!this.dir) return null;
    const path = join(this.dir, `${key}.json`);
    const remembered = memory.get(path);
    if (remembered && remembered.file === owner.file && remembered.identity === owner.identity) {
      this.hits++;
      this.remembered++;
      return remembered.value as T;
    }
    let raw: Buffer;
    try {
      raw = readFileSync(path);
    } catch {
      this.misses++;
      return null;
    }
    const value = this.check(raw, key, owner);
    if (value === null) {
      if (!this.otherFormat(raw)) this.invalid++;
      this.misses++;
      return null;
    }
    memory.set(path, { ...owner, value });
    this.hits++;
    return value;
  }

  /**
   * The entry is `{"format":2,"key":...,"file":...,"identity":...,"sha256":...,"value":VALUE}`,
   * the value last: the header is parsed alone and VALUE's text hashed as it stands, so no
   * re-serialisation is needed to check it. (A `,"value":` cannot occur inside the header's
   * strings: JSON escapes their quotes.)
   */
  private check(raw: Buffer, key: string, owner: EntryOwner): T | null {
    // On the bytes: the value is hashed as read, and decoded once, for JSON.parse.
    const at = raw.indexOf(VALUE);
    if (at < 0 || raw[raw.length - 1] !== CLOSE) return null;
    try {
      const env = envelopeSchema.safeParse(JSON.parse(`${raw.toString('utf8', 0, at)}}`));
      if (!env.success || env.data.key !== key || env.data.file !== owner.file || env.data.identity !== owner.identity) return null;
      const body = raw.subarray(at + VALUE.length, raw.length - 1);
      if (bodyHash(body) !== env.data.sha256) return null;
      // The text is the one written, and the value was shape-checked before it was (put).
      return JSON.parse(body.toString('utf8')) as T;
    } catch {
      return null;
    }
  }

  /** Whether the text is an entry of another format (older code): a miss, not damage. */
  private otherFormat(raw: Buffer): boolean {
    const m = /^\{"format":(\d+),/.exec(raw.toString('latin1', 0, 32));
    return m !== null && Number(m[1]) !== FORMAT;
  }

  /**
   * Keep the value in this process and write it. `checked`: the value is made
   * of values this cache's schemas already passed (a pack of entries), so the
   * shape check is not paid twice.
   */
  put(key: string, owner: EntryOwner, value: T, opts: { checked?: boolean } = {}): void {
    if (!this.dir) return;
    const path = join(this.dir, `${key}.json`);
    memory.set(path, { ...owner, value });
    if (this.stopped) return;
    const known = typeof value === 'object' && value !== null ? knownJson.get(value) : undefined;
    const json = known && known.schema === this.schema ? known.json : null;
    if (!opts.checked && json === null) {
      let why: string | null;
      try {
        const shape = this.schema.safeParse(value);
        why = shape.success ? null : 'error' in shape && shape.error ? `: ${String(shape.error)}` : '';
      } catch (e) {
        // A schema that cannot run (a zod schema built of shape.ts parts, say) refuses too.
        why = `: the schema failed: ${e instanceof Error ? e.message : String(e)}`;
      }
      if (why !== null) {
        // Our bug (the schema behind the type), not the user's: said in the stats, and nothing unchecked is written.
        this.warning ??= `${this.dir}: ${key}: not written (a value the cache schema refuses${why})`;
        return;
      }
    }
    // Write then rename: a run killed half-way never leaves a truncated entry behind.
    const tmp = join(this.dir, `${key}.${process.pid}.tmp`);
    try {
      // Encoded once: the hash and the file are the same bytes.
      const body = Buffer.from(json ?? JSON.stringify(value), 'utf8');
      const head = JSON.stringify({ format: FORMAT, key, file: owner.file, identity: owner.identity, sha256: bodyHash(body) });
      writeFileSync(tmp, Buffer.concat([Buffer.from(`${head.slice(0, -1)}${VALUE}`, 'utf8'), body, Buffer.from('}')]));
      renameSync(tmp, path);
    } catch (e) {
      // A full disk or a directory that went read-only: the run goes on, uncached from here.
      this.stopped = true;
      this.warning = `${this.dir}: cache not written (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
    }
  }
}
