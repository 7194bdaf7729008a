/**
 * Index a kernel tree: every indexed file through the C stage and the
 * held-lock walk, into per-file lock facts. Struct member types come from
 * the headers first, since every file's lock classes depend on them.
 * Both steps are cached by content.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { localDeclarations } from '../c/functions.js';
import type { CFunction, CSkipped, CStructDef, StructTypes } from '../c/model.js';
import type { COpsEntry } from '../c/ops-tables.js';
import { parseFile, type ParsedFile } from '../c/parse-file.js';
import { memberType, mergeStructTypes } from '../c/struct-types.js';
import type { TypeEnv } from '../locks/lock-class.js';
import type { FunctionFacts } from '../locks/model.js';
import { walkFunction } from '../locks/walk.js';
import { analyzerVersion, cacheDir, FactCache, sha256, type CacheOptions } from './cache.js';
import { archOf, indexedFiles } from './files.js';

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
  tree: string;
  files: FileFacts[];
  /** The struct types the files were analysed with, and their cache key: reuse them to re-index a few .c files. */
  types: { types: StructTypes; key: string };
  cache: { dir: string | null; hits: number; misses: number };
  ms: number;
}

export interface IndexOptions {
  cache: CacheOptions;
  /** Called after each file with (done, total): the CLI's progress bar. */
  progress?: (done: number, total: number) => void;
  /** Index only these tree-relative files; default: indexedFiles(tree). */
  files?: string[];
  /** Read a file's text; default: from the tree. Patch review passes the tree with the series applied in memory. */
  read?: (file: string) => string;
  /** Struct types from an earlier index of the same headers: skip step 1 (only .c files may be in `files`). */
  types?: { types: StructTypes; key: string };
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

export async function indexTree(tree: string, opts: IndexOptions): Promise<TreeIndex> {
  const started = Date.now();
  const dir = cacheDir(opts.cache);
  const version = analyzerVersion();
  const structCache = new FactCache<CachedStructs>(dir && join(dir, 'structs'));
  const factCache = new FactCache<FileFacts>(dir && join(dir, 'facts'));
  const files = opts.files ?? indexedFiles(tree);
  const read = opts.read ?? ((file: string) => readFileSync(join(tree, file), 'utf8'));
  const sources = files.map((file) => ({ file, text: read(file) }));
  const total = sources.length;
  let done = 0;

  // 1. Struct types from the headers; a header parsed here is kept for step 2.
  const parsed = new Map<string, ParsedFile>();
  const defs: CStructDef[] = [];
  const headerKeys: string[] = [];
  for (const { file, text } of opts.types ? [] : sources) {
    if (!file.endsWith('.h')) continue;
    const key = sha256(version, 'structs', file, text);
    headerKeys.push(key);
    const cached = structCache.get(key);
    if (cached) {
      defs.push(...fromJson(cached));
      continue;
    }
    const p = await parseFile(file, text);
    parsed.set(file, p);
    structCache.put(key, toJson(p.structs));
    defs.push(...p.structs);
  }
  const types = opts.types?.types ?? mergeStructTypes(defs);
  const typesKey = opts.types?.key ?? sha256(...headerKeys);

  // 2. Lock facts of every file.
  const out: FileFacts[] = [];
  for (const { file, text } of sources) {
    const key = sha256(version, 'facts', typesKey, file, text);
    let facts = factCache.get(key);
    if (!facts) {
      const p = parsed.get(file) ?? (await parseFile(file, text));
      try {
        facts = factsOf(p, types, Buffer.byteLength(text));
      } finally {
        p.dispose();
        parsed.delete(file);
      }
      factCache.put(key, facts);
    }
    out.push(facts);
    opts.progress?.(++done, total);
  }
  for (const p of parsed.values()) p.dispose();
  return {
    tree,
    files: out,
    types: { types, key: typesKey },
    cache: { dir, hits: factCache.hits, misses: factCache.misses },
    ms: Date.now() - started,
  };
}
