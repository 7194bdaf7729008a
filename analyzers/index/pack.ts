/**
 * A whole tree state's facts as one cache entry, for a warm run's first
 * index of a tree: one read, one hash and one JSON.parse instead of one
 * entry per file (a read, a parse and a check each, ~400 of them). Keyed by
 * the plan's keys, which name every input of every file's facts (identities,
 * headers, analyser); the per-file entries stay what a changed state
 * re-indexes from.
 *
 * A loaded pack also seeds this process's memory of the per-file entries it
 * holds, so a later state that shares most files (a review's next patch)
 * finds them there without a disk read.
 *
 * The facts are written in pack-codec.ts's encoding (tables, empty lists
 * left out), which a fresh process hashes, parses and collects faster than
 * the plain facts: 2.3 MB instead of 6.3 MB for 6.12's generic, x86 and
 * arm64 code. Each state's pack holds all its facts, so only the last
 * PACKS_KEPT packs written or used are kept.
 */
import { readdirSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CStructDef } from '../c/model.js';
import { mergeStructTypes } from '../c/struct-types.js';
import type { StructTypes } from '../c/model.js';
import { analyzerVersion, FactCache, moduleTexts, sha256, type ValueSchema } from './cache.js';
import { fileFactsSchema, packSchema, structsSchema } from './cache-schema.js';
import type { FileFacts } from './index-tree.js';
import { packFacts, unpackFacts, type PackedFacts } from './pack-codec.js';
import { factsKey, structsFromJson, structsKey, type CachedStructs, type IndexPlan } from './plan.js';

/** Packs kept in the cache directory; older ones are deleted when a new one is written. */
export const PACKS_KEPT = 8;

interface TreePack {
  /** The struct types' key the facts were walked with (not the plan's header key). */
  typesKey: string;
  /** Each header's structs, in the order the index read them. */
  headers: { file: string; identity: string; structs: CachedStructs }[];
  /**
   * The headers' definitions (flattened in header order) in the order mergeStructTypes()
   * sorts them: given sorted, its sort costs one comparison per definition instead of a
   * localeCompare-heavy n log n. A hint only: the merge sorts whatever it is given.
   */
  order: number[];
  /** The files' facts as pack-codec.ts writes them. */
  facts: PackedFacts;
}

/** Changes when the pack's layout does: a pack of another layout has another key. */
const PACK_LAYOUT = '3';

/**
 * What put() would check a pack with (it is written `checked`: made of values the facts' and
 * structs' schemas passed): its facts unpacked, against the schema of a pack of plain facts.
 */
const PACK: ValueSchema<TreePack> = {
  safeParse(v: unknown) {
    const { facts, ...rest } = v as TreePack;
    const plain = packSchema.safeParse({ ...rest, files: unpackFacts(facts) });
    return plain.success ? { success: true, data: v as TreePack } : plain;
  },
};
const FACTS = fileFactsSchema as unknown as ValueSchema<FileFacts>;
const STRUCTS = structsSchema as unknown as ValueSchema<CachedStructs>;

/** The pack's cache, key and owner for a plan. */
function packEntry(plan: IndexPlan): { cache: FactCache<TreePack>; key: string; owner: { file: string; identity: string } } {
  const key = sha256(analyzerVersion(), 'pack', PACK_LAYOUT, ...codecText(), ...[...plan.keys].map(([f, k]) => `${f}\u0000${k}`));
  return { cache: new FactCache<TreePack>(plan.dir && join(plan.dir, 'packs'), PACK), key, owner: { file: 'tree-state', identity: key } };
}

export interface LoadedPack {
  files: FileFacts[];
  types: { types: StructTypes; key: string };
}

/**
 * The plan's state from its pack, or null (no cache, no pack, or a pack that
 * failed its check: counted in `invalid`, the caller indexes file by file).
 */
export function loadPack(plan: IndexPlan): { pack: LoadedPack | null; invalid: number } {
  if (!plan.dir) return { pack: null, invalid: 0 };
  const { cache, key, owner } = packEntry(plan);
  const pack = cache.get(key, owner);
  // Loaded before in this process (a resident review's next patch): its entries are remembered
  // already and its struct types merged; what is shared is never changed (index-tree.ts).
  const known = pack && loadedPacks.get(pack);
  if (known) {
    touch(join(plan.dir, 'packs', `${key}.json`));
    return { pack: known, invalid: 0 };
  }
  const files = pack && unpacked(pack.facts);
  // A pack of other files (same keys cannot name other files, but the check is cheap).
  if (!pack || !files || files.length !== plan.sources.length || files.some((f, i) => f.file !== plan.sources[i]?.file)) return { pack: null, invalid: cache.invalid + (pack && !files ? 1 : 0) };
  touch(join(plan.dir, 'packs', `${key}.json`));
  const facts = new FactCache<FileFacts>(join(plan.dir, 'facts'), FACTS);
  const structs = new FactCache<CachedStructs>(join(plan.dir, 'structs'), STRUCTS);
  plan.sources.forEach(({ file, identity }, i) => facts.remember(factsKey(pack.typesKey, file, identity), { file, identity }, files[i] as FileFacts));
  const defs: CStructDef[] = [];
  for (const h of pack.headers) {
    structs.remember(structsKey(h.file, h.identity), { file: h.file, identity: h.identity }, h.structs);
    defs.push(...structsFromJson(h.structs));
  }
  const loaded: LoadedPack = { files, types: { types: mergeStructTypes(presorted(defs, pack.order)), key: pack.typesKey } };
  loadedPacks.set(pack, loaded);
  return { pack: loaded, invalid: 0 };
}

/**
 * Packs loaded in this process, by the value the cache's memory holds for one entry path (so one
 * cache directory; forgetCache() drops that value, and the next load reads the pack again and
 * remembers its entries again): the merged struct types (mergeStructTypes, 5 ms on 6.12) and the
 * per-file entries seeded once, not once per review of a resident process.
 */
const loadedPacks = new WeakMap<TreePack, LoadedPack>();

/**
 * Write the plan's pack from a complete index of it: its facts, and the
 * headers' structs as this process has them (just read or written).
 * Returns a warning when the cache could not be written.
 */
export function savePack(plan: IndexPlan, files: FileFacts[], typesKey: string): string | undefined {
  if (!plan.dir) return undefined;
  const structs = new FactCache<CachedStructs>(join(plan.dir, 'structs'), STRUCTS);
  const headers: TreePack['headers'] = [];
  for (const { file, identity } of plan.sources) {
    if (!file.endsWith('.h')) continue;
    const cached = structs.get(structsKey(file, identity), { file, identity });
    // A header whose structs are not at hand: no pack (the per-file entries still serve).
    if (!cached) return undefined;
    headers.push({ file, identity, structs: cached });
  }
  const flat = headers.flatMap((h) => h.structs);
  const order = flat.map((_, i) => i).sort((i, j) => byMergeOrder(flat[i] as CachedStructs[number], flat[j] as CachedStructs[number]));
  let facts: PackedFacts;
  try {
    facts = packFacts(files);
  } catch (e) {
    // A field the codec does not know (our bug): no pack, the per-file entries still serve.
    return `${plan.dir}: pack not written (${e instanceof Error ? e.message : String(e)})`;
  }
  const { cache, key, owner } = packEntry(plan);
  // Made of values the facts and structs schemas passed when they were written (or hash-checked when read).
  cache.put(key, owner, { typesKey, headers, order, facts }, { checked: true });
  // This process loading the pack again gets the facts it has, not a copy.
  unpackedFacts.set(facts, files);
  if (!cache.warning) prune(join(plan.dir, 'packs'));
  return cache.warning;
}

/**
 * Facts unpacked in this process, by the packed value the cache remembers: a process that loads
 * the same pack again (a resident review's next patch) gets the same objects, as it did before
 * packs were encoded, and what it keeps by object (order/incremental.ts) still answers.
 */
const unpackedFacts = new WeakMap<PackedFacts, FileFacts[]>();

/** A pack's facts, or null when they do not unpack (a pack another codec wrote with these keys). */
function unpacked(facts: PackedFacts): FileFacts[] | null {
  let files = unpackedFacts.get(facts);
  if (files) return files;
  try {
    files = unpackFacts(facts);
  } catch {
    return null;
  }
  unpackedFacts.set(facts, files);
  return files;
}

let codec: string[] | null = null;

/** The codec's own text, in the pack's key: a pack written by another codec is a miss. */
function codecText(): string[] {
  codec ??= moduleTexts(dirname(fileURLToPath(import.meta.url)), (f) => /^pack-codec\.(ts|js)$/.test(f));
  return codec;
}

/** mergeStructTypes()'s order (struct-types.ts): common code first, then by path and line. */
function byMergeOrder(a: { arch: string | null; file: string; line: number }, b: { arch: string | null; file: string; line: number }): number {
  return (a.arch === null ? 0 : 1) - (b.arch === null ? 0 : 1) || a.file.localeCompare(b.file) || a.line - b.line;
}

/** `defs` in the stored order when it is a permutation of them, else as they are. */
function presorted<T>(defs: T[], order: number[]): T[] {
  if (order.length !== defs.length) return defs;
  const seen = new Uint8Array(defs.length);
  const out: T[] = [];
  for (const i of order) {
    if (!Number.isInteger(i) || i < 0 || i >= defs.length || seen[i]) return defs;
    seen[i] = 1;
    out.push(defs[i] as T);
  }
  return out;
}

/** Mark a pack used, for prune(): its modification time is its last use. */
function touch(path: string): void {
  try {
    const now = new Date();
    utimesSync(path, now, now);
  } catch {
    // A read-only cache still answers; the pack is only pruned sooner.
  }
}

/** Delete all but the PACKS_KEPT packs used last. Best effort: a pack another process deletes first is gone either way. */
function prune(dir: string): void {
  try {
    const packs = readdirSync(dir).filter((f) => f.endsWith('.json'));
    if (packs.length <= PACKS_KEPT) return;
    const aged = packs.map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs })).sort((a, b) => b.t - a.t);
    for (const { f } of aged.slice(PACKS_KEPT)) unlinkSync(join(dir, f));
  } catch {
    // Pruning is housekeeping: a failure leaves more packs than wanted, never a wrong one.
  }
}
