/**
 * Index a kernel tree: every indexed file through the C stage and the
 * held-lock walk, into per-file lock facts. Struct member types come from
 * the headers first, since every file's lock classes depend on them.
 * Both steps are cached by the file's identity (blob id or content hash),
 * so a file the cache knows is not even read from a git tree.
 */
import { join } from 'node:path';
import { localDeclarations } from '../c/functions.js';
import type { CFunction, CSkipped, CStructDef, StructTypes } from '../c/model.js';
import type { COpsEntry } from '../c/ops-tables.js';
import { parseFile, type ParsedFile } from '../c/parse-file.js';
import { memberType, mergeStructTypes } from '../c/struct-types.js';
import type { TypeEnv } from '../locks/lock-class.js';
import type { FunctionFacts } from '../locks/model.js';
import { walkFunction } from '../locks/walk.js';
import { asTree, type Tree } from '../trees/index.js';
import { analyzerVersion, FactCache, sha256, type CacheOptions, type CacheStats, type ValueSchema } from './cache.js';
import { fileFactsSchema, structsSchema } from './cache-schema.js';
import { archOf } from './files.js';
import { loadPack, savePack } from './pack.js';
import { planIndex, type IndexPlan } from './plan.js';

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
   * Load and keep the whole state's facts as one pack (pack.ts); default true. `check`
   * says false: its warm runs need no facts, and its file set is no review's.
   */
  pack?: boolean;
}

type CachedStructs = (Omit<CStructDef, 'members'> & { members: [string, string][] })[];

function toJson(defs: CStructDef[]): CachedStructs {
  return defs.map((d) => ({ ...d, members: [...d.members] }));
}

function fromJson(defs: CachedStructs): CStructDef[] {
  return defs.map((d) => ({ ...d, members: new Map(d.members) }));
}

/** A type environment for one function: its parameters and locals, and struct members as its arch sees them. */
export function typeEnv(fn: CFunction, types: StructTypes, local: StructTypes | null): TypeEnv {
  const vars = new Map<string, string>();
  for (const p of fn.params) vars.set(p.name, p.type);
  for (const d of localDeclarations(fn.body)) if (!vars.has(d.name)) vars.set(d.name, d.type);
  const arch = archOf(fn.file);
  return {
    vars,
    memberType: (struct, member) => (local && memberType(local, struct, member, arch)) ?? memberType(types, struct, member, arch),
  };
}

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

function factsOf(parsed: ParsedFile, types: StructTypes, bytes: number): FileFacts {
  const local = parsed.structs.length ? mergeStructTypes(parsed.structs) : null;
  const walked = parsed.functions.map((fn) => walkFunction(fn, typeEnv(fn, types, local)));
  // A function the walk gave up on (nesting past its limit) is reported as skipped, never as clean and lock-free.
  const notAnalysed = walked.filter((f) => f.notAnalysed !== undefined);
  return {
    file: parsed.file,
    arch: archOf(parsed.file),
    bytes,
    functions: walked.filter((f) => f.notAnalysed === undefined),
    clean: parsed.stats.clean - notAnalysed.filter((f) => !f.damaged).length,
    damaged: parsed.stats.damaged - notAnalysed.filter((f) => f.damaged).length,
    skipped: [...parsed.stats.skipped, ...notAnalysed.map((f) => ({ name: f.name, line: f.line, reason: `not analysed: ${f.notAnalysed ?? ''}` }))],
    ops: parsed.ops,
  };
}

const FACTS = fileFactsSchema as unknown as ValueSchema<FileFacts>;
const STRUCTS = structsSchema as unknown as ValueSchema<CachedStructs>;

// The plan lives in its own module: a warm check needs it and not the parser or the walk this one loads.
export { planIndex, type IndexPlan } from './plan.js';

export async function indexTree(treeOrPath: Tree | string, opts: IndexOptions & { plan?: IndexPlan }): Promise<TreeIndex> {
  const started = Date.now();
  const tree = asTree(treeOrPath);
  const plan = opts.plan ?? (await planIndex(tree, opts));
  const { dir, warning, sources } = plan;
  // A whole state at once (pack.ts): only for a full index, not a few files re-walked with known types.
  const packing = !opts.types && opts.pack !== false;
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
  for (const { file, identity } of opts.types ? [] : sources) {
    if (!file.endsWith('.h')) continue;
    const key = sha256(version, 'structs', file, identity);
    const cached = structCache.get(key, { file, identity });
    if (cached) {
      defs.push(...fromJson(cached));
      continue;
    }
    const t = await text(file);
    if (t === null) continue;
    const p = await parseFile(file, t);
    parsed.set(file, p);
    structCache.put(key, { file, identity }, toJson(p.structs));
    defs.push(...p.structs);
  }
  const types = opts.types?.types ?? mergeStructTypes(defs);
  // Facts are keyed by the struct types they were walked with, not by the headers' bytes: a header
  // change that changes no struct re-walks nothing. The plan's keys (header identities) stay what
  // states and edges are cached under: they name every input too, so both are sound.
  const typesKey = opts.types?.key ?? typesKeyOf(version, types);

  // 2. Lock facts of every file.
  const out: FileFacts[] = [];
  for (const { file, identity } of sources) {
    const key = sha256(version, 'facts', typesKey, file, identity);
    let facts = factCache.get(key, { file, identity });
    if (!facts) {
      const t = parsed.has(file) ? (texts.get(file) ?? '') : await text(file);
      if (t === null) continue;
      const p = parsed.get(file) ?? (await parseFile(file, t));
      try {
        facts = factsOf(p, types, Buffer.byteLength(t));
      } finally {
        p.dispose();
        parsed.delete(file);
      }
      factCache.put(key, { file, identity }, facts);
    }
    texts.delete(file);
    out.push(facts);
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
  };
}
