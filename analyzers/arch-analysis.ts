/**
 * The one "observe, then run the rules" step for one architecture, as it
 * is built (its arch/<a>/ files plus generic code). `check` (audit.ts) and
 * the review's state analysis both call it, so a rule never sees a
 * different picture of the code in the two commands.
 *
 * An exception inside it is caught and returned with the architecture:
 * one architecture's failure is reported on what it affects, and the
 * other architectures are still analysed.
 *
 * The observed edges depend only on the facts of the files built for the
 * architecture and the order code: given those files' fact keys they are
 * persisted in the cache and loaded, not recomputed, when the same state of
 * the code is analysed again (a warm `check`, a review of the same series,
 * the base state of every review). The rules always run: they depend on the
 * documented order and the severities, and cost little.
 */
import { expandRuntimeTables, type COpsEntry } from './c/ops-tables.js';
import type { DocumentedOrder } from '../knowledge/doc/model.js';
import type { LockClass } from '../knowledge/lock-names.js';
import type { Finding, FindingKind, Severity } from './findings/model.js';
import { archEdgesSchema } from './index/cache-schema.js';
import { archEventsSchema } from './index/events-schema.js';
import { FactCache, orderVersion, sha256, type ValueSchema } from './index/cache.js';
import { archOf } from './index/files.js';
import type { FunctionFacts } from './locks/model.js';
import type { ObservedEdge } from './order/model.js';
import { observeIncrementally, rememberFold, rememberRuns, type ObservedCode } from './order/incremental.js';
import { observeOrder, type FunctionEvents } from './order/observe.js';
import { runRules } from './rules/index.js';

export interface ArchInput {
  arch: string;
  /** Every function of the state; those not built for `arch` are left out here. */
  functions: readonly FunctionFacts[];
  ops: readonly COpsEntry[];
  doc: DocumentedOrder;
  /** Every class the code of the state takes (doc-stale's view: all architectures). */
  codeClasses: Set<LockClass>;
  severities?: Partial<Record<FindingKind, Severity>>;
  /**
   * Where to keep the observed edges: the cache directory (from openCacheDir) and
   * the fact key of every file `functions` and `ops` come from (index-tree.ts keys).
   */
  cache?: EdgeCacheRef;
  /**
   * The files `functions` and `ops` are, in order, when the caller has them (each file's functions
   * and tables together, as their flatMap): the architecture's code is then taken a file at a time.
   */
  files?: readonly ArchFile[];
}

/** Are `functions` the files' functions, file after file (checked at each file's first and last), so that `files` can be ArchInput.files? */
export function wholeFiles(files: readonly ArchFile[], functions: readonly FunctionFacts[]): boolean {
  let at = 0;
  for (const f of files) {
    const n = f.functions.length;
    if (n && (functions[at] !== f.functions[0] || functions[at + n - 1] !== f.functions[n - 1])) return false;
    at += n;
  }
  return at === functions.length && files.length > 0;
}

/** What archCode() needs of a file's facts. */
export interface ArchFile {
  file: string;
  functions: readonly FunctionFacts[];
  ops: readonly COpsEntry[];
}

export interface EdgeCacheRef {
  dir: string | null;
  keys: ReadonlyMap<string, string>;
}

/** What the observe step of one architecture yields, before the rules. */
export interface ArchEdges {
  edges: ObservedEdge[];
  unresolvedCalls: number;
  truncatedSummaries: number;
  ruledOut: Record<string, number>;
}

export interface ArchAnalysis {
  arch: string;
  edges: ObservedEdge[];
  findings: Finding[];
  /** Calls to functions the index does not have, summed. */
  unresolvedCalls: number;
  /** Function summaries cut at their depth limit. */
  truncatedSummaries: number;
  /** Call sites and acquisitions an invariant (knowledge/invariants.ts) left out, by invariant id. */
  ruledOut: Record<string, number>;
  /** Set when the analysis threw: what failed. Edges and findings are then empty. */
  error?: string;
}

const builtFor = (arch: string) => (file: string): boolean => {
  const a = archOf(file);
  return a === null || a === arch;
};

/** The cache key of `arch`'s edges: the order code and the facts of every file built for it. */
export function edgesKey(arch: string, keys: ReadonlyMap<string, string>): string {
  const last = keyLists.get(arch);
  const list = (last && patchedList(last, keys)) ?? sortedList(arch, keys);
  // The same entries (every key as it was): the same key, without hashing them again.
  if (last && list.entries === last.entries) return last.key;
  const key = sha256(orderVersion(), 'edges', arch, ...list.entries);
  keyLists.set(arch, { ...list, key });
  return key;
}

/** The `file NUL key` entries of the files built for an architecture, sorted, with where each file is and the files not built for it. */
interface KeyList {
  entries: string[];
  at: Map<string, number>;
  keyOf: Map<string, string>;
  others: Set<string>;
}

// Per architecture, the list of the last state asked about: a patch away, the next state's list is
// that one with the patched files' keys replaced (every state of a review asks, for every architecture).
const keyLists = new Map<string, KeyList & { key: string }>();

function sortedList(arch: string, keys: ReadonlyMap<string, string>): KeyList {
  const inArch = builtFor(arch);
  const others = new Set<string>();
  const files: string[] = [];
  for (const f of keys.keys()) {
    if (inArch(f)) files.push(f);
    else others.add(f);
  }
  const entries = files.map((f) => `${f}\u0000${keys.get(f) as string}`).sort();
  const at = new Map<string, number>();
  const keyOf = new Map<string, string>();
  for (const [i, e] of entries.entries()) {
    const f = e.slice(0, e.indexOf('\u0000'));
    at.set(f, i);
    keyOf.set(f, e.slice(f.length + 1));
  }
  return { entries, at, keyOf, others };
}

/**
 * `last`'s list with the keys that changed replaced, when `keys` has the same files built for the
 * architecture: the entries sort by file alone (a file name holds no NUL, which sorts before any
 * character it holds), so each stays where it was. Null when a file came or went.
 */
function patchedList(last: KeyList, keys: ReadonlyMap<string, string>): KeyList | null {
  let count = 0;
  let entries: string[] | null = null;
  let keyOf: Map<string, string> | null = null;
  for (const [f, k] of keys) {
    const i = last.at.get(f);
    if (i === undefined) {
      if (last.others.has(f)) continue;
      return null;
    }
    count++;
    if (last.keyOf.get(f) === k) continue;
    entries ??= [...last.entries];
    keyOf ??= new Map(last.keyOf);
    entries[i] = `${f}\u0000${k}`;
    keyOf.set(f, k);
  }
  if (count !== last.entries.length) return null;
  return { entries: entries ?? last.entries, at: last.at, keyOf: keyOf ?? last.keyOf, others: last.others };
}

const EDGES = archEdgesSchema as unknown as ValueSchema<ArchEdges>;

function edgeCache(ref: EdgeCacheRef): FactCache<ArchEdges> {
  return new FactCache<ArchEdges>(ref.dir && `${ref.dir}/edges`, EDGES);
}

/** `arch`'s edges from the cache, or null (no cache, never computed, or an entry that failed validation). */
export function cachedEdges(arch: string, ref: EdgeCacheRef): ArchEdges | null {
  if (!ref.dir) return null;
  const key = edgesKey(arch, ref.keys);
  return edgeCache(ref).get(key, { file: `arch:${arch}`, identity: key });
}

/** The functions and tables of `input` built for its architecture, in the state's order. */
function archCode(input: Pick<ArchInput, 'arch' | 'functions' | 'ops' | 'files'>): { functions: FunctionFacts[]; ops: readonly COpsEntry[] } {
  const inArch = builtFor(input.arch);
  if (input.files) {
    const functions: FunctionFacts[] = [];
    const ops: COpsEntry[] = [];
    const files: ArchFile[] = [];
    for (const f of input.files) {
      if (!inArch(f.file)) continue;
      files.push(f);
      for (const fn of f.functions) functions.push(fn);
      for (const o of f.ops) ops.push(o);
    }
    // Where each file's functions are, and from which list: the incremental observe then takes an
    // unpatched file's events whole, without comparing its functions one by one.
    rememberRuns(functions, files);
    return { functions, ops: expandRuntimeTables(ops) };
  }
  // A file's functions are together: its path is looked at once, not once per function.
  let file: string | undefined;
  let keep = false;
  const functions = input.functions.filter((fn) => {
    if (fn.file !== file) {
      file = fn.file;
      keep = inArch(file);
    }
    return keep;
  });
  return { functions, ops: expandRuntimeTables(input.ops.filter((o) => inArch(o.file))) };
}

/** The full observe step, persisting the edges (and, with `events`, each function's events). */
function observeFull(input: ArchInput, events: boolean): { edges: ArchEdges; code: ObservedCode } {
  const { functions, ops } = archCode(input);
  const order = observeOrder(functions, ops);
  const out: ArchEdges = {
    edges: order.edges,
    unresolvedCalls: [...order.index.unresolved.values()].reduce((a, b) => a + b, 0),
    truncatedSummaries: order.summaries.truncated.size,
    ruledOut: Object.fromEntries(order.summaries.ruledOut),
  };
  const code: ObservedCode = { functions, ops, events: order.events, depthCut: order.summaries.depthCuts > 0, memo: order.summaries.memoised };
  rememberFold(order.events, order.edges);
  if (input.cache?.dir) {
    const key = edgesKey(input.arch, input.cache.keys);
    edgeCache(input.cache).put(key, { file: `arch:${input.arch}`, identity: key }, out);
    if (events) putEvents(input.arch, input.cache, code);
  }
  return { edges: out, code };
}

function observeArch(input: ArchInput): ArchEdges {
  const cached = input.cache ? cachedEdges(input.arch, input.cache) : null;
  return cached ?? observeFull(input, false).edges;
}

// Each function's events, for the incremental analysis of the next state (order/incremental.ts).
interface ArchEvents {
  functions: string[];
  events: FunctionEvents[];
  depthCut: boolean;
}
const EVENTS = archEventsSchema as unknown as ValueSchema<ArchEvents>;
const fnId = (fn: FunctionFacts): string => `${fn.file}:${fn.name}:${fn.line}`;

function eventCache(ref: EdgeCacheRef): FactCache<ArchEvents> {
  return new FactCache<ArchEvents>(ref.dir && `${ref.dir}/events`, EVENTS);
}

function putEvents(arch: string, ref: EdgeCacheRef, code: ObservedCode): void {
  const key = edgesKey(arch, ref.keys);
  eventCache(ref).put(key, { file: `events:${arch}`, identity: key }, { functions: code.functions.map(fnId), events: [...code.events], depthCut: code.depthCut });
}

/** Are the cached events those of these functions, in this order? */
function matches(hit: ArchEvents, functions: readonly FunctionFacts[]): boolean {
  if (hit.functions.length !== functions.length) return false;
  // The cache answers each review of a process with the entry it read first; the tree's facts are as
  // often the same objects: those a check already matched match again (facts never change).
  const seen = matchedBy.get(hit);
  if (seen && seen.length === functions.length && seen.every((fn, i) => fn === functions[i])) return true;
  if (!hit.functions.every((id, i) => functions[i] && id === fnId(functions[i]))) return false;
  matchedBy.set(hit, functions);
  return true;
}
const matchedBy = new WeakMap<ArchEvents, readonly FunctionFacts[]>();

/** The code of `input`'s architecture observed with its events: from the cache when it holds them for these functions in this order. */
export function observedCode(input: ArchInput): ObservedCode {
  const { functions, ops } = archCode(input);
  if (input.cache?.dir) {
    const key = edgesKey(input.arch, input.cache.keys);
    const hit = eventCache(input.cache).get(key, { file: `events:${input.arch}`, identity: key });
    if (hit && matches(hit, functions)) return { functions, ops, events: hit.events, depthCut: hit.depthCut };
  }
  return observeFull(input, true).code;
}

/** A review state's analysis of one architecture: its edges and findings, and its observed code when computed here. */
export interface StateArch {
  edges: ObservedEdge[];
  findings: Finding[];
  error?: string;
  /** Each function's events, when this state was observed in full or incrementally (not when its edges were loaded). */
  code?: ObservedCode;
  /** How the edges were had, for the bench and the tests. */
  how: 'loaded' | 'full' | 'incremental';
  /** Why the incremental analysis declined, when it was asked and did. */
  declined?: string;
  /** Observed incrementally with the files where they were: the events and edges taken from the state before's lists (incremental.ts). */
  laidOut?: boolean;
}

/**
 * One architecture of a state a patch away from an observed one (`before`,
 * the files the patch changed): its edges loaded when this state was seen
 * before, else observed incrementally from the state before, else in full.
 */
export function analyseStateArch(input: ArchInput, before?: { code: () => ObservedCode; changed: ReadonlySet<string> }): StateArch {
  try {
    const cached = input.cache ? cachedEdges(input.arch, input.cache) : null;
    if (cached) return { ...pick(rulesOn(input, cached)), how: 'loaded' };
    let declined: string | undefined;
    if (before) {
      const { functions, ops } = archCode(input);
      const inc = observeIncrementally(before.code(), functions, ops, before.changed);
      if (inc.ok) {
        // Not persisted: the next state of the series starts from these events in memory, and the
        // state after a patch is rarely the base of a later review (that is the tree's own state).
        const findings = runRules({ doc: input.doc, observed: inc.edges, arch: input.arch, codeClasses: input.codeClasses }, input.severities);
        return { edges: inc.edges, findings, code: inc.code, how: 'incremental', ...(inc.laidOut ? { laidOut: true } : {}) };
      }
      declined = inc.why;
    }
    const full = observeFull(input, true);
    return { ...pick(rulesOn(input, full.edges)), code: full.code, how: 'full', ...(declined ? { declined } : {}) };
  } catch (e) {
    return { edges: [], findings: [], error: e instanceof Error ? e.message : String(e), how: 'full' };
  }
}

const pick = (a: ArchAnalysis): Pick<StateArch, 'edges' | 'findings'> => ({ edges: a.edges, findings: a.findings });

export function analyseArch(input: ArchInput): ArchAnalysis {
  try {
    const observed = observeArch(input);
    return rulesOn(input, observed);
  } catch (e) {
    return { arch: input.arch, edges: [], findings: [], unresolvedCalls: 0, truncatedSummaries: 0, ruledOut: {}, error: e instanceof Error ? e.message : String(e) };
  }
}

/** The rules on observed edges (computed or loaded). Throws what the rules throw. */
export function rulesOn(input: Pick<ArchInput, 'arch' | 'doc' | 'codeClasses' | 'severities'>, observed: ArchEdges): ArchAnalysis {
  const findings = runRules({ doc: input.doc, observed: observed.edges, arch: input.arch, codeClasses: input.codeClasses }, input.severities);
  return { arch: input.arch, edges: observed.edges, findings, unresolvedCalls: observed.unresolvedCalls, truncatedSummaries: observed.truncatedSummaries, ruledOut: { ...observed.ruledOut } };
}
