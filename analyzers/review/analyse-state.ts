/**
 * The engine on one state of the tree (before or after a patch): index
 * (cached per file identity, so only patched files are re-read), then the
 * one observe-then-rules step per architecture (arch-analysis.ts).
 */
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import type { LockClass } from '../../knowledge/lock-names.js';
import type { Finding } from '../findings/model.js';
import { openCacheDir, type CacheOptions, type CacheStats } from '../index/cache.js';
import { analyseStateArch, observedCode, wholeFiles, type ArchInput, type EdgeCacheRef, type StateArch } from '../arch-analysis.js';
import type { ObservedCode } from '../order/incremental.js';
import { archOf, isIndexedPath } from '../index/files.js';
import { indexTree, type FileFacts, type TreeIndex } from '../index/index-tree.js';
import type { FunctionFacts } from '../locks/model.js';
import { edgeKey, type ObservedEdge } from '../order/model.js';
import { codeClasses } from '../rules/index.js';
import type { OverlayTree } from '../trees/overlay-tree.js';

export interface StateAnalysis {
  /** The documented order the findings were checked against. */
  doc: DocumentedOrder;
  files: FileFacts[];
  /** The struct types of the index, for an incremental re-index of the next state. */
  types?: TreeIndex['types'];
  functions: FunctionFacts[];
  /** Architectures this state can be asked about. */
  archs: string[];
  /** Findings of code built for `arch` (computed on first use: most patches concern one architecture). */
  findings(arch: string): Finding[];
  /** Observed edges of code built for `arch` (computed on first use). */
  observed(arch: string): ObservedEdge[];
  /** Why the analysis of `arch` failed (its findings and edges are then empty); null when it did not. */
  failure(arch: string): string | null;
  /** The index's cache statistics for this state, when it was indexed. */
  cache?: CacheStats;
  /** Files whose bytes the index read from the tree for this state. */
  filesRead?: number;
  /** Indexed files the tree could not read, with the reason. */
  unread?: { file: string; reason: string }[];
  /** File -> cache key of its facts, for the next state's edge cache keys. */
  keys?: Map<string, string>;
  /** `arch`'s code observed with each function's events: what the next state's incremental analysis starts from. */
  code?(arch: string): ObservedCode;
  /** How `arch`'s edges were had (loaded, observed in full or incrementally) and why the incremental step declined; null before they were asked for. */
  how?(arch: string): Pick<StateArch, 'how' | 'declined' | 'laidOut'> | null;
}

const fileClasses = new WeakMap<FileFacts, Set<LockClass>>();

function classesOfFile(f: FileFacts): Set<LockClass> {
  let known = fileClasses.get(f);
  if (!known) {
    known = codeClasses(f.functions);
    fileClasses.set(f, known);
  }
  return known;
}

/** Per state's files, the classes they take, assert or release: the next state's are these, patched. */
const classesKnown = new WeakMap<readonly FileFacts[], ReadonlySet<LockClass>>();

/**
 * codeClasses() of the functions, from each file's classes (kept with its facts, which the next state of a series shares) when they are the files' functions (`whole`, wholeFiles()).
 * With the state before's files (`was`, as many), only the files at the places where the lists differ are
 * looked at (a patch replaces a file's facts where the file was): their new classes join the state before's,
 * and a class only the replaced files had is looked for in the other files before it is left out.
 */
function classesOf(functions: FunctionFacts[], files: FileFacts[], whole: boolean, was?: readonly FileFacts[]): Set<LockClass> {
  if (!whole) return codeClasses(functions);
  const had = was && was.length === files.length ? classesKnown.get(was) : undefined;
  let out: Set<LockClass>;
  if (had && was) {
    out = new Set(had);
    const gone = new Set<LockClass>();
    for (let i = 0; i < files.length; i++) {
      const a = was[i] as FileFacts;
      const b = files[i] as FileFacts;
      if (a === b) continue;
      for (const c of classesOfFile(a)) gone.add(c);
      for (const c of classesOfFile(b)) out.add(c);
    }
    for (const c of gone) if (!files.some((f) => classesOfFile(f).has(c))) out.delete(c);
  } else {
    out = new Set<LockClass>();
    for (const f of files) for (const c of classesOfFile(f)) out.add(c);
  }
  classesKnown.set(files, out);
  return out;
}

/**
 * A StateAnalysis over given functions, observing each architecture only when asked.
 * With `cache` (the fact keys of exactly `files`), an architecture's edges are loaded
 * when this state of the code was observed before (in this process or an earlier run).
 * With `before` (the state a patch away and the files the patch changed), an
 * architecture is observed incrementally from it where that gives the same edges.
 */
export function lazyState(
  functions: FunctionFacts[],
  archs: string[],
  doc: DocumentedOrder,
  files: FileFacts[] = [],
  keep: (f: Finding) => Finding | null = (f) => f,
  cache?: EdgeCacheRef,
  before?: { state: StateAnalysis; changed: ReadonlySet<string> },
): StateAnalysis {
  // The files are the functions (analyseState() makes them so): each architecture's code is then
  // taken a file at a time, and the tables of every file are listed only if asked for.
  const whole = wholeFiles(files, functions);
  const classes = classesOf(functions, files, whole, before?.state.files);
  let ops: ArchInput['ops'] | undefined;
  const input = (arch: string): ArchInput => ({
    arch,
    functions,
    get ops() {
      return (ops ??= files.flatMap((f) => f.ops));
    },
    doc,
    codeClasses: classes,
    ...(cache ? { cache } : {}),
    ...(whole ? { files } : {}),
  });
  const memo = new Map<string, StateArch>();
  const code = new Map<string, ObservedCode>();
  const get = (arch: string): StateArch => {
    let m = memo.get(arch);
    if (!m) {
      const prev = before?.state.code;
      // The one observe-then-rules step check runs too, started from the state before when there is one.
      m = analyseStateArch(input(arch), prev && before ? { code: () => prev(arch), changed: before.changed } : undefined);
      m.findings = m.findings.flatMap((f) => keep(f) ?? []);
      if (m.code) code.set(arch, m.code);
      memo.set(arch, m);
    }
    return m;
  };
  const observed = (arch: string): ObservedCode => {
    let c = code.get(arch) ?? get(arch).code;
    if (!c) {
      c = observedCode(input(arch));
      code.set(arch, c);
    }
    return c;
  };
  return {
    doc,
    files,
    functions,
    archs,
    findings: (a) => get(a).findings,
    observed: (a) => get(a).edges,
    failure: (a) => get(a).error ?? null,
    code: observed,
    how: (a) => {
      const m = memo.get(a);
      return m ? { how: m.how, ...(m.declined ? { declined: m.declined } : {}), ...(m.laidOut ? { laidOut: true } : {}) } : null;
    },
    ...(cache ? { keys: new Map(cache.keys) } : {}),
  };
}

/** Every function of the files, in order (a loop: flatMap over a state's 20,000 functions costs a millisecond a state). */
function functionsOf(files: readonly FileFacts[]): FunctionFacts[] {
  const out: FunctionFacts[] = [];
  for (const f of files) for (const fn of f.functions) out.push(fn);
  return out;
}

/**
 * Analyse a state. With `previous` and the paths the patch changed, only
 * those files are re-indexed (when no header changed: headers decide every
 * file's struct types, so a header change re-reads the index).
 */
export async function analyseState(
  overlay: OverlayTree,
  archs: string[],
  doc: DocumentedOrder,
  cache: CacheOptions,
  base: string[],
  previous?: { state: StateAnalysis; changed: string[]; overlay: OverlayTree },
): Promise<StateAnalysis> {
  // The tree's files, plus files the series adds under indexed directories, less deleted ones.
  const files = [...new Set([...base, ...overlay.changedPaths().filter(isIndexedPath)])].filter((f) => !overlay.isDeleted(f));
  const prev = previous?.state;
  const changed = new Set(previous?.changed ?? []);
  // A patch none of whose hunks applied leaves the code as it was: the same analysis serves.
  const was = previous?.overlay;
  if (prev && was && prev.doc === doc && [...changed].every((p) => overlay.sameFile(was, p))) return prev;
  const { dir } = openCacheDir(cache);
  // What each file was in the state before: the functions the patch (and a header's struct changes)
  // left alone keep their facts, without a parse where the patch stayed inside definitions (reuse-facts.ts).
  const earlierFacts = new Map((prev?.files ?? []).map((f) => [f.file, f]));
  const earlier = async (file: string): Promise<{ facts: FileFacts; text: string | null } | null> => {
    const facts = earlierFacts.get(file);
    if (!facts || !was) return null;
    if (overlay.sameFile(was, file)) return { facts, text: null };
    const text = await was.readText(file);
    return text === null ? null : { facts, text };
  };
  if (prev?.types && prev.files.length && ![...changed].some((p) => p.endsWith('.h'))) {
    const todo = files.filter((f) => changed.has(f));
    const index = await indexTree(overlay, { cache, files: todo, types: prev.types, earlier });
    const fresh = new Map(index.files.map((f) => [f.file, f]));
    const present = new Set(files);
    // A patched file's facts stay where the file was (a new file goes last): the state is then in the
    // order a full index of the patched tree has, and the incremental observe can keep its events.
    const known = new Set(prev.files.map((f) => f.file));
    const inPlace = prev.files.flatMap((f): FileFacts[] => {
      if (!present.has(f.file)) return [];
      if (!changed.has(f.file)) return [f];
      const now = fresh.get(f.file);
      return now ? [now] : [];
    });
    const all = [...inPlace, ...[...fresh.values()].filter((f) => !known.has(f.file))];
    // Edge keys only when every file's key is known (a state from before keys were kept has none).
    const keys = new Map(all.map((f) => [f.file, fresh.has(f.file) ? index.keys.get(f.file) : prev.keys?.get(f.file)]));
    const ref = [...keys.values()].every(Boolean) ? { dir, keys: keys as Map<string, string> } : undefined;
    return { ...lazyState(functionsOf(all), archs, doc, all, undefined, ref, { state: prev, changed }), types: prev.types, cache: index.cache, filesRead: index.read, unread: [...(prev.unread ?? []).filter((u) => !changed.has(u.file)), ...index.unread] };
  }
  // A header changed: the struct types may have, and the functions that looked up a changed struct are walked again.
  const index = await indexTree(overlay, { cache, files, ...(prev?.types ? { earlier, earlierTypes: prev.types.types } : {}) });
  const keys = new Map(index.files.map((f): [string, string] => [f.file, index.keys.get(f.file) ?? '']));
  // The files whose facts are not the state before's (patched, or walked again for a struct they
  // asked about, added or gone): from those the architectures are observed incrementally too.
  const now = new Set(index.files);
  const redone = prev && new Set([...index.files.filter((f) => earlierFacts.get(f.file) !== f).map((f) => f.file), ...prev.files.filter((f) => !now.has(f)).map((f) => f.file)]);
  return {
    ...lazyState(functionsOf(index.files), archs, doc, index.files, undefined, { dir, keys }, prev && redone ? { state: prev, changed: redone } : undefined),
    types: index.types,
    cache: index.cache,
    filesRead: index.read,
    unread: index.unread,
  };
}

/**
 * Generic code is reviewed as x86 and arm64 build it: between them they
 * call every generic path the other architectures do, and they carry all
 * the architecture-scoped rules of locking.rst. (`check --arch all` audits
 * every architecture.)
 */
export const GENERIC_ARCHS = ['arm64', 'x86'];

/** Architectures a patch's C files concern: their own, or GENERIC_ARCHS for generic code. */
export function archsFor(paths: readonly string[], treeArchs: readonly string[]): string[] {
  const out = new Set<string>();
  for (const p of paths) {
    const a = archOf(p);
    if (a) out.add(a);
    else GENERIC_ARCHS.forEach((t) => out.add(t));
  }
  return [...out].filter((a) => treeArchs.includes(a)).sort();
}

/** Orders the code took before a patch and no longer takes after it. */
export function removedEdges(before: StateAnalysis, after: StateAnalysis, archs: readonly string[]): { outer: LockClass; inner: LockClass }[] {
  const out = new Map<string, { outer: LockClass; inner: LockClass }>();
  for (const arch of archs) {
    const edges = after.observed(arch);
    // The incremental observe keeps the state before's edge objects where their events did not
    // change: those are there still, and the keys are made only for the others.
    const kept = new Set(edges);
    let now: Set<string> | null = null;
    for (const e of before.observed(arch)) {
      if (kept.has(e)) continue;
      now ??= new Set(edges.map((x) => edgeKey(x.outer, x.inner, x.innerOp)));
      if (!now.has(edgeKey(e.outer, e.inner, e.innerOp))) out.set(`${e.outer}\u0000${e.inner}`, { outer: e.outer, inner: e.inner });
    }
  }
  return [...out.values()];
}
