/**
 * Index a kernel tree: every indexed file through the C stage and the
 * held-lock walk, into per-file lock facts. Struct member types come from
 * the headers first, since every file's lock classes depend on them.
 * Both steps are cached by the file's identity (blob id or content hash),
 * so a file the cache knows is not even read from a git tree.
 */
import { join } from 'node:path';
import type { ResourceLimits } from 'node:worker_threads';
import type { CSkipped, CStructDef, StructTypes } from '../c/model.js';
import type { COpsEntry } from '../c/ops-tables.js';
import { parseFile, type ParsedFile } from '../c/parse-file.js';
import { mergeStructTypes } from '../c/struct-types.js';
import type { FunctionFacts } from '../locks/model.js';
import { asTree, type Tree } from '../trees/index.js';
import { analyzerVersion, FactCache, sha256, type CacheOptions, type CacheStats, type ValueSchema } from './cache.js';
import { fileFactsSchema, structsSchema } from './cache-schema.js';
import { rewalkInPlace, TypeChange, unchangedFacts, type EarlierFile } from './reuse-facts.js';
import { factsOf, typeEnv } from './file-facts.js';
import { loadPack, savePack } from './pack.js';
import { factsKey, planIndex, structsFromJson, structsKey, structsToJson, type CachedStructs, type IndexPlan } from './plan.js';
import { IndexPool, indexPoolSize, indexWorkerLimits, poolAvailable } from './worker-pool.js';

/** Lock facts of one file. */
export interface FileFacts {
  file: string;
  arch: string | null;
  bytes: number;
  functions: FunctionFacts[];
  clean: number;
  damaged: number;
  skipped: CSkipped[];
  /** Function-table slots the file fills, for calls through kvm_x86_call() and friends. */
  ops: COpsEntry[];
  /**
   * The file's own struct definitions, which the walk of its functions looks in first: what a
   * re-walk of a few functions of the file needs without parsing the rest (reuse-facts.ts).
   */
  structs: CachedStructs;
  /**
   * Aligned with `functions`: the `struct.member` types each function's walk asked for. A change to
   * the struct types re-walks only the functions that asked for one it answers otherwise (reuse-facts.ts).
   */
  lookups: string[][];
  /**
   * Aligned with `functions`: a digest of each function's pre-blanked lines (blankDigest()). A
   * function whose lines and digest are those of a function of the file before a patch kept
   * what its walk read of the file, and keeps its facts (reuse-facts.ts).
   */
  blanks: string[];
}

export interface TreeIndex {
  /** The tree's label (a directory path, `REV (SHA) in REPO`). */
  tree: string;
  files: FileFacts[];
  /** The struct types the files were analysed with, and their cache key: reuse them to re-index a few .c files. */
  types: { types: StructTypes; key: string };
  /** Files listed for indexing that could not be read (special files, permissions, size cap), with the tree's reason. */
  unread: { file: string; reason: string }[];
  cache: CacheStats;
  /** Files whose bytes were read from the tree (a cache hit by identity reads none from a git tree). */
  read: number;
  /** File -> the cache key of its facts (identity, struct types, analyser): what results derived from the facts are keyed by. */
  keys: Map<string, string>;
  ms: number;
  /** Worker threads that parsed and walked the files not in the cache; 0: all in this thread. */
  threads: number;
}

export interface IndexOptions {
  cache: CacheOptions;
  /** Called after each file with (done, total): the CLI's progress bar. */
  progress?: (done: number, total: number) => void;
  /** Index only these tree-relative files; default: indexedFiles(tree). */
  files?: string[];
  /** Struct types from an earlier index of the same headers: skip step 1 (only .c files may be in `files`). */
  types?: { types: StructTypes; key: string };
  /**
   * A file as the state before a patch had it, or null: its facts, and its text (null: the text
   * is the file's text now). With the struct types those facts were walked with (`types`, or
   * `earlierTypes` when the headers changed), the functions the patch and the types left alone
   * keep their facts, and files changed only inside definitions are re-walked without a parse of
   * the whole file (reuse-facts.ts).
   */
  earlier?: (file: string) => Promise<{ facts: FileFacts; text: string | null } | null>;
  /** The struct types the earlier state's facts were walked with, when `types` is not given. */
  earlierTypes?: StructTypes;
  /**
   * Load and keep the whole state's facts as one pack (pack.ts); default true. `check`
   * says false: its warm runs need no facts, and its file set is no review's.
   */
  pack?: boolean;
  /**
   * Threads for files not in the cache: default indexPoolSize() (KVM_REVIEW_THREADS, else one per
   * core); 1 indexes in-process. Fewer than MIN_POOLED misses are always indexed in-process.
   */
  threads?: number;
  /** V8 heap limits of each worker thread; default KVM_REVIEW_WORKER_HEAP_MB (worker-pool.ts). */
  workerLimits?: ResourceLimits;
  /**
   * Files of a lower rank are parsed first on the worker threads (default: all 0): the files a
   * result needs before the rest (audit.ts observes an architecture as soon as its files are in).
   * The result's files stay in the tree's order.
   */
  rank?: (file: string) => number;
  /** Called with each file's facts as soon as they are had (cached or computed), before the index ends; not for a state loaded whole (a pack). */
  onFacts?: (file: string, facts: FileFacts) => void;
  /**
   * Called when the worker threads start, with a way to queue more waiting files on them (`fill`, in
   * bytes of text per thread): a caller that runs a long step on the main thread during the index
   * (audit-archs.ts) fills them first, so that they do not wait for it to answer.
   */
  onThreads?: (threads: { fill(bytes: number): void }) => void;
}

/** Below this many files to parse, starting threads (~50 ms each, with their parser) costs more than it saves. */
export const MIN_POOLED = 32;

export { typeEnv };

/**
 * The facts' cache key for the struct types: what memberType() can see
 * (each name's definitions in lookup order, as arch and members), not the
 * headers' bytes. A patch to a header that changes no struct (a prototype,
 * a macro, a comment, lines moved) keeps every file's facts; one that
 * changes a struct re-walks every file, as before.
 */
function typesKeyOf(version: string, types: StructTypes): string {
  const names = [...types.definitions.keys()].sort();
  const seen = names.map((n) => [n, (types.definitions.get(n) ?? []).map((d) => [d.arch, [...d.members]])]);
  return sha256(version, 'types', JSON.stringify(seen));
}

/** A promise awaited later (Promise.all after more reads): its rejection is not unhandled meanwhile. */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

const FACTS = fileFactsSchema as unknown as ValueSchema<FileFacts>;
const STRUCTS = structsSchema as unknown as ValueSchema<CachedStructs>;

// The plan lives in its own module: a warm check needs it and not the parser or the walk this one loads.
export { planIndex, type IndexPlan } from './plan.js';

export async function indexTree(treeOrPath: Tree | string, opts: IndexOptions & { plan?: IndexPlan }): Promise<TreeIndex> {
  const workers = new LazyPool(opts);
  try {
    return await indexWith(treeOrPath, opts, workers);
  } finally {
    await workers.close();
  }
}

/** The worker pool of one index, started only once there are enough files to parse. */
class LazyPool {
  pool: IndexPool | null = null;
  private readonly threads: number;
  private readonly limits: ResourceLimits | undefined;
  private readonly onThreads: IndexOptions['onThreads'];

  /** Reads the settings at once: a bad KVM_REVIEW_THREADS is an error on a warm run too. */
  constructor(opts: Pick<IndexOptions, 'threads' | 'workerLimits' | 'onThreads'>) {
    this.threads = opts.threads ?? indexPoolSize();
    this.limits = opts.workerLimits ?? indexWorkerLimits();
    this.onThreads = opts.onThreads;
  }

  /** The pool, when it is running or `misses` files are worth starting it for; null: index in-process. */
  for(misses: number): IndexPool | null {
    if (this.pool || misses < MIN_POOLED) return this.pool;
    if (this.threads < 2 || !poolAvailable()) return null;
    const pool = new IndexPool(this.threads, this.limits ? { resourceLimits: this.limits } : {});
    this.pool = pool;
    this.onThreads?.({ fill: (bytes) => pool.fill(bytes) });
    return pool;
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}

async function indexWith(treeOrPath: Tree | string, opts: IndexOptions & { plan?: IndexPlan }, workers: LazyPool): Promise<TreeIndex> {
  const started = Date.now();
  const tree = asTree(treeOrPath);
  const plan = opts.plan ?? (await planIndex(tree, opts));
  const { dir, warning, sources } = plan;
  // A whole state at once (pack.ts): only for a full index, not a few files re-walked with known types.
  // Nor for a state a patch away from one at hand (`earlier`): it is rarely the base of a later review,
  // and what it shares with the state before is had again from that state faster than from a pack.
  const packing = !opts.types && !opts.earlier && opts.pack !== false;
  const packed = packing ? loadPack(plan) : { pack: null, invalid: 0 };
  if (packed.pack) {
    opts.progress?.(sources.length, sources.length);
    return {
      tree: tree.label,
      files: packed.pack.files,
      types: packed.pack.types,
      unread: [...plan.unread],
      cache: { dir, hits: sources.length, misses: 0, invalid: 0, ...(warning ? { warning } : {}) },
      read: 0,
      keys: plan.keys,
      ms: Date.now() - started,
      threads: 0,
    };
  }
  const version = analyzerVersion();
  const structCache = new FactCache<CachedStructs>(dir && join(dir, 'structs'), STRUCTS);
  const factCache = new FactCache<FileFacts>(dir && join(dir, 'facts'), FACTS);
  const unread: TreeIndex['unread'] = [...plan.unread];
  const texts = new Map<string, string>();
  let reads = 0;
  const text = async (file: string): Promise<string | null> => {
    const known = texts.get(file);
    if (known !== undefined) return known;
    const bytes = await tree.read(file);
    if (bytes === null) {
      unread.push({ file, reason: tree.notes().find((n) => n.path === file)?.reason ?? 'could not be read' });
      return null;
    }
    reads++;
    const t = bytes.toString('utf8');
    texts.set(file, t);
    return t;
  };
  const total = sources.length;
  let done = 0;

  // 1. Struct types from the headers; a header parsed here is kept for step 2.
  const parsed = new Map<string, ParsedFile>();
  const defs: CStructDef[] = [];
  const headers = (opts.types ? [] : sources).filter(({ file }) => file.endsWith('.h'));
  const structsCached = headers.map(({ file, identity }) => structCache.get(structsKey(file, identity), { file, identity }));
  /** Headers whose parse a worker thread kept for step 2, and which worker. */
  const onWorker = new Map<string, number>();
  const headerPool = workers.for(structsCached.filter((c) => !c).length);
  if (headerPool) {
    const jobs: (readonly CStructDef[] | Promise<CStructDef[]>)[] = [];
    for (const [i, { file, identity }] of headers.entries()) {
      const cached = structsCached[i];
      if (cached) {
        jobs.push(structsFromJson(cached));
        continue;
      }
      if (headerPool.failed) throw headerPool.failed;
      const t = await text(file);
      if (t === null) continue;
      texts.delete(file);
      jobs.push(
        handled(
          headerPool.structs(file, t).then(({ structs, worker }) => {
            onWorker.set(file, worker);
            structCache.put(structsKey(file, identity), { file, identity }, structsToJson(structs));
            return structs;
          }),
        ),
      );
    }
    for (const structs of await Promise.all(jobs)) defs.push(...structs);
  }
  for (const [i, { file, identity }] of (headerPool ? [] : headers).entries()) {
    const key = structsKey(file, identity);
    const cached = structsCached[i];
    if (cached) {
      defs.push(...structsFromJson(cached));
      continue;
    }
    const t = await text(file);
    if (t === null) continue;
    const p = await parseFile(file, t);
    parsed.set(file, p);
    structCache.put(key, { file, identity }, structsToJson(p.structs));
    defs.push(...p.structs);
  }
  const types = opts.types?.types ?? mergeStructTypes(defs);
  // Facts are keyed by the struct types they were walked with, not by the headers' bytes: a header
  // change that changes no struct re-walks nothing. The plan's keys (header identities) stay what
  // states and edges are cached under: they name every input too, so both are sound.
  const typesKey = opts.types?.key ?? typesKeyOf(version, types);

  // 2. Lock facts of every file.
  const factKey = (file: string, identity: string): string => factsKey(typesKey, file, identity);
  const factsCached = sources.map(({ file, identity }) => factCache.get(factKey(file, identity), { file, identity }));
  // What the state before a patch had, reused where the patch and the struct types allow, before the
  // rest is parsed here or on the threads. A file this cannot do keeps its earlier facts for the
  // walk of its parse to reuse what it can.
  const fallback = new Map<string, EarlierFile>();
  const earlierTypes = opts.types ? types : opts.earlierTypes;
  const changedTypes = new TypeChange(earlierTypes ?? types, types);
  if (opts.earlier && earlierTypes) {
    for (const [i, { file }] of sources.entries()) {
      if (factsCached[i]) continue;
      const earlier = await opts.earlier(file);
      if (!earlier) continue;
      let facts: FileFacts | null = null;
      if (earlier.text === null && !earlier.facts.functions.some((_, k) => changedTypes.affects(earlier.facts, k))) facts = earlier.facts;
      else {
        const t = await text(file);
        if (t === null) continue;
        const was = { facts: earlier.facts, text: earlier.text ?? t };
        facts = await rewalkInPlace(was, t, types, changedTypes);
        if (!facts) fallback.set(file, was);
      }
      // Not written to the cache: a later review of this state has them again the same way, from the
      // state before, for less than the write costs (what needed a parse is written below).
      if (facts) factsCached[i] = facts;
    }
  }
  const factPool = workers.for(factsCached.filter((f) => !f).length);
  const out: FileFacts[] = [];
  if (factPool) {
    await factPool.setTypes(types);
    // In the tree's order, whatever order they are sent in (by rank: what the caller needs first).
    const jobs: (FileFacts | Promise<FileFacts> | undefined)[] = new Array<undefined>(sources.length);
    const rank = opts.rank ?? (() => 0);
    const order = [...sources.keys()].map((i) => ({ i, rank: rank(sources[i]?.file ?? '') })).sort((a, b) => a.rank - b.rank || a.i - b.i);
    for (const { i, rank: r } of order) {
      const { file, identity } = sources[i] as (typeof sources)[number];
      const cached = factsCached[i];
      const worker = onWorker.get(file);
      // (A header whose parse a worker kept but whose facts are cached: the parse goes with the pool at the end.)
      if (cached) {
        jobs[i] = cached;
        opts.onFacts?.(file, cached);
        opts.progress?.(++done, total);
        continue;
      }
      if (factPool.failed) throw factPool.failed;
      const p = parsed.get(file);
      let job: Promise<FileFacts>;
      if (p) {
        // A header step 1 parsed here (it had too few to start the threads): walk it here too.
        try {
          job = Promise.resolve(factsOf(p, types, Buffer.byteLength(texts.get(file) ?? '')));
        } finally {
          p.dispose();
          parsed.delete(file);
        }
      } else if (worker !== undefined) job = factPool.facts(file, { worker }, r);
      else {
        const t = await text(file);
        if (t === null) continue;
        texts.delete(file);
        job = factPool.facts(file, { text: t }, r);
      }
      jobs[i] = handled(
        job.then((facts) => {
          opts.onFacts?.(file, facts);
          factCache.put(factKey(file, identity), { file, identity }, facts);
          opts.progress?.(++done, total);
          return facts;
        }),
      );
    }
    // An unread file has no job.
    out.push(...(await Promise.all(jobs.filter((j) => j !== undefined))));
  }
  for (const [i, { file, identity }] of (factPool ? [] : sources).entries()) {
    const key = factKey(file, identity);
    let facts = factsCached[i];
    if (!facts) {
      const t = parsed.has(file) ? (texts.get(file) ?? '') : await text(file);
      if (t === null) continue;
      const p = parsed.get(file) ?? (await parseFile(file, t));
      try {
        const earlier = fallback.get(file);
        facts = factsOf(p, types, Buffer.byteLength(t), earlier ? unchangedFacts(earlier, t, p, changedTypes) : undefined);
      } finally {
        p.dispose();
        parsed.delete(file);
      }
      factCache.put(key, { file, identity }, facts);
    }
    texts.delete(file);
    out.push(facts);
    opts.onFacts?.(file, facts);
    opts.progress?.(++done, total);
  }
  for (const p of parsed.values()) p.dispose();
  const warnings = [warning, structCache.warning, factCache.warning].filter((w): w is string => Boolean(w));
  // The first full index of this state in this process, complete and all written: pack it for the next run.
  // (A state indexed from what this process already holds, a review's later patch, is not packed.)
  const complete = out.length === sources.length && unread.length === plan.unread.length;
  if (packing && complete && !warnings.length && factCache.remembered === 0 && structCache.remembered === 0) {
    const packWarning = savePack(plan, out, typesKey);
    if (packWarning) warnings.push(packWarning);
  }
  return {
    tree: tree.label,
    files: out,
    types: { types, key: typesKey },
    unread,
    cache: {
      dir,
      hits: factCache.hits,
      misses: factCache.misses,
      invalid: packed.invalid + factCache.invalid + structCache.invalid,
      ...(warnings.length ? { warning: warnings.join('; ') } : {}),
    },
    read: reads,
    keys: plan.keys,
    ms: Date.now() - started,
    threads: workers.pool?.size ?? 0,
  };
}
