/**
 * The observed order of a state one patch away from a state already
 * observed, recomputing only what the patch can change. A patch changes
 * the facts of a few functions; the edge events of a function depend only
 * on its own facts and the summaries of what it calls, so only the
 * changed functions are computed again, and their callers, transitively
 * (the reverse call graph), only when a changed function's summary may
 * differ beyond its lines (what it takes, drops and calls that can reach a
 * lock; not what it holds or asserts, nor its calls of helpers outside the
 * index that take none). Every other function keeps its events from the
 * state before, with its lines moved when the patch moved them.
 *
 * The result must equal observeOrder() on the new state, site for site.
 * It can, because a memoised summary does not depend on the order it was
 * computed in (reach.ts); the incremental analysis declines (and the
 * caller runs the full one) wherever it could not promise it:
 * - a summary was cut at the depth limit (what such a summary holds
 *   depends on the depth it was first reached at);
 * - a function table in a patched file changed what it holds;
 * - two functions of one name in a patched file name one line (chains
 *   name a function by file and name);
 * - the files are not in the order they were.
 *
 * Where the patch adds and removes no function (the files laid out as they
 * were), the work follows the patch, not the tree: the state before's
 * events list is copied and only the patched files' and the recomputed
 * functions' entries replaced; events are moved only where a per-file list
 * (kept with each state's events) says they name a file whose lines moved;
 * and the edges are folded again from per-key lists of where each edge's
 * events are, an edge whose events only moved being the state before's
 * with its kept sites moved.
 */
import type { COpsEntry } from '../c/ops-tables.js';
import type { CallSite, FunctionFacts, HeldLock, LockUse } from '../locks/model.js';
import { FunctionIndex } from './function-index.js';
import type { ChainStep, EdgeSite, ObservedEdge } from './model.js';
import { addEvent, eventKey, eventsOf, finishEdge, foldedKey, foldEvents, startEdge, type EdgeEvent, type FunctionEvents } from './observe.js';
import { Summaries, type SummaryMemo } from './reach.js';
import { externalLocks } from '../../knowledge/external-locks.js';
import { notLastPut, refcountPut } from '../../knowledge/refcount-puts.js';
import { ALTERNATIVE } from '../locks/held-state.js';

/** One architecture's code in one state, observed: its functions and tables in order, and each function's events. */
export interface ObservedCode {
  functions: readonly FunctionFacts[];
  ops: readonly COpsEntry[];
  /** Aligned with `functions`. */
  events: readonly FunctionEvents[];
  /**
   * A summary was cut at MAX_DEPTH while observing: memoised, it holds what the
   * depth it was first reached at allowed, so any function may depend on the order.
   */
  depthCut: boolean;
  /** The summaries memoised while observing it, when they can seed the next state's. */
  memo?: SummaryMemo;
  /** Its reverse call graph, once a state of the series needed it (the next state patches it). */
  callers?: CallerGraph;
}

export type Incremental =
  | {
      ok: true;
      edges: ObservedEdge[];
      code: ObservedCode;
      recomputed: number;
      /**
       * The files were laid out as before the patch: the state before's events were taken as a list (only
       * the patched files' and recomputed functions' replaced), and its edges folded again from the lists of
       * where each edge's events are, without a look at the other functions (the tests check it is exercised).
       */
      laidOut: boolean;
    }
  | { ok: false; why: string };

// Facts are never changed once made: what is derived from a function's facts is kept with them
// (each architecture of a state, and the next state of the series, asks again).
const jsonKnown = new WeakMap<FunctionFacts, string>();
const linesKnown = new WeakMap<FunctionFacts, number[]>();

/**
 * Every `line` and `endLine` a function's facts name, at any depth. Read from their JSON, which
 * the engine writes natively: a key in a string value is escaped there (\"line\"), never matched.
 */
const LINE = /"(?:line|endLine)":(\d+)/g;

function jsonOf(fn: FunctionFacts): string {
  let known = jsonKnown.get(fn);
  if (known === undefined) {
    known = JSON.stringify(fn);
    jsonKnown.set(fn, known);
  }
  return known;
}

/** Every line a function's facts name, ascending (0 is no line: a precondition). */
function linesOf(fn: FunctionFacts): number[] {
  const known = linesKnown.get(fn);
  if (known) return known;
  const lines = new Set<number>();
  for (const m of jsonOf(fn).matchAll(LINE)) {
    const l = Number(m[1]);
    if (l > 0) lines.add(l);
  }
  const out = [...lines].sort((a, b) => a - b);
  linesKnown.set(fn, out);
  return out;
}

/**
 * How two functions' facts compare, as their JSON would but without writing it: null when they
 * differ other than in a line; else every line slot (a `line` or `endLine` key holding a count,
 * at any depth, which is what LINE finds in the JSON) as pairs, old then new, in JSON order.
 * A patch that only moved lines (above the function, or between its sites: a comment, a
 * lockdep_assert_held() the walk records nothing for) leaves what the function takes and calls
 * as it was: its events and every chain through it only need their lines moved.
 */
function linePairs(old: FunctionFacts, fn: FunctionFacts): number[] | null {
  const pairs: number[] = [];
  return sameButLines(old, fn, pairs) ? pairs : null;
}

/** linePairs() then compareLines(): how a function's facts compare with its counterpart's (exported for the tests). */
export function compareFacts(old: FunctionFacts, fn: FunctionFacts): ReturnType<typeof compareLines> {
  if (old === fn) return { same: true };
  // Each architecture of a state compares the same pairs of a generic file's functions: the answer is kept with the new facts.
  const known = comparedKnown.get(fn);
  if (known && known.old === old) return known.answer;
  const pairs = linePairs(old, fn);
  const answer = pairs && compareLines(pairs);
  comparedKnown.set(fn, { old, answer });
  return answer;
}
const comparedKnown = new WeakMap<FunctionFacts, { old: FunctionFacts; answer: ReturnType<typeof compareLines> }>();

/** Does JSON.stringify() write this value of an object's key (or leave the key out)? */
const writable = (v: unknown): boolean => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';
/** A line slot's value, as LINE reads it: a count written in digits. */
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Equal JSON but for line slots, or stricter where that is simpler (a value JSON writes as null, such as
 * NaN, is only equal to itself here): stricter only sends a function to be compared as changed. An object
 * both share is walked too: its lines count among the function's lines.
 */
function sameButLines(a: unknown, b: unknown, pairs: number[]): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameButLines(a[i], b[i], pairs)) return false;
    return true;
  }
  // The keys JSON writes, in order, on both sides.
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < ka.length && !writable(ra[ka[i] as string])) i++;
    while (j < kb.length && !writable(rb[kb[j] as string])) j++;
    if (i === ka.length || j === kb.length) return i === ka.length && j === kb.length;
    const k = ka[i++] as string;
    if (k !== kb[j++]) return false;
    const x = ra[k];
    const y = rb[k];
    if ((k === 'line' || k === 'endLine') && isCount(x) && isCount(y)) pairs.push(x, y);
    else if (!sameButLines(x, y, pairs)) return false;
  }
}

/**
 * From the line slots of two functions' facts that are the same but for their lines: whether they
 * are the same (every line as it was), or the same once each line is replaced by its rank among the
 * lines they name (0, no line, kept), with those lines, ascending, as linesOf() gives them. Null when
 * neither.
 */
function compareLines(pairs: readonly number[]): { same: true } | { same: false; was: number[]; now: number[] } | null {
  let same = true;
  for (let i = 0; i < pairs.length; i += 2) if (pairs[i] !== pairs[i + 1]) same = false;
  if (same) return { same };
  const distinct = (from: number): number[] => {
    const set = new Set<number>();
    for (let i = from; i < pairs.length; i += 2) if ((pairs[i] as number) > 0) set.add(pairs[i] as number);
    return [...set].sort((x, y) => x - y);
  };
  const was = distinct(0);
  // Most functions below a hunk moved whole: every line by the same count, which keeps every rank.
  let shift: number | undefined;
  for (let i = 0; i < pairs.length; i += 2) {
    const x = pairs[i] as number;
    const y = pairs[i + 1] as number;
    if (x === 0 && y === 0) continue;
    shift ??= y - x;
    if (x === 0 || y <= 0 || y - x !== shift) {
      shift = undefined;
      break;
    }
  }
  if (shift !== undefined) {
    const by = shift;
    return { same: false, was, now: was.map((l) => l + by) };
  }
  const now = distinct(1);
  if (was.length !== now.length) return null;
  const rankWas = new Map(was.map((l, i) => [l, i]));
  const rankNow = new Map(now.map((l, i) => [l, i]));
  for (let i = 0; i < pairs.length; i += 2) {
    const x = pairs[i] as number;
    const y = pairs[i + 1] as number;
    if (x === 0 || y === 0 ? x !== y : rankWas.get(x) !== rankNow.get(y)) return null;
  }
  return { same: false, was, now };
}

/**
 * Classes a summary can carry as dropped (released by the chain before the acquisition): a
 * function's held classes matter to its summary only through them (reach.ts filters a
 * callee's drops by what the function holds at the call).
 */
function droppable(functions: readonly FunctionFacts[]): Set<string> {
  const out = new Set<string>();
  for (const fn of functions) {
    let known = dropsKnown.get(fn);
    if (!known) {
      const set = new Set<string>();
      for (const s of [...fn.acquires, ...fn.calls]) for (const d of s.dropped) set.add(d);
      for (const u of fn.releasesCallers) set.add(u.class);
      known = [...set];
      dropsKnown.set(fn, known);
    }
    for (const d of known) out.add(d);
  }
  return out;
}
const dropsKnown = new WeakMap<FunctionFacts, string[]>();

/**
 * Whether a call can add to its caller's summaries (reach.ts): its callee is a function of the
 * index (`indexed`: the names defined in either state), a table slot, a helper outside the index
 * that takes a lock (knowledge/external-locks.ts), or a put the refcount tables know. Any other
 * call (lockdep_is_held(), trace_*(), mmu_notifier_range_blockable(), a call through a pointer
 * the walk could not name) reaches nothing in either state, whatever its arguments, conditions
 * or held locks: reachOfCall() answers it with nothing, and no caller's chain names its line.
 */
function followable(fn: FunctionFacts, indexed: Indexed): (c: CallSite) => boolean {
  return (c) => c.callee.startsWith('ops:') || indexed(c.callee) || externalLocks(c.callee) !== undefined || refcountPut(fn.name, c.callee) !== undefined || notLastPut(fn.name, c.callee) !== undefined;
}

/**
 * The entries of an `after` (or `exitAfter`) list that can release a caller's lock: a call releases
 * one only through its definition (releases.ts), and an entry of alternatives only when each does.
 */
function releasingEntries(list: readonly string[] | undefined, indexed: Indexed): string[] | null {
  const kept = list?.filter((e) => e.split(ALTERNATIVE).every(indexed));
  // No list and an empty one are read alike (releasedBefore()).
  return kept?.length ? kept : null;
}

/** Whether a name is defined in the state before or this one. */
type Indexed = (name: string) => boolean;

const namesKnown = new WeakMap<readonly FunctionFacts[], ReadonlySet<string>>();

/** The names `functions` define, made once per list (a state's list is the next state's `base.functions`). */
function namesOf(functions: readonly FunctionFacts[]): ReadonlySet<string> {
  let names = namesKnown.get(functions);
  if (!names) {
    names = new Set(functions.map((f) => f.name));
    namesKnown.set(functions, names);
  }
  return names;
}

/**
 * What a function's summaries (reach.ts, in any calling context) are computed from, with each
 * line replaced by its rank among the lines of its sites: equal before and after a patch, the
 * summaries are the same but for those lines (the lines returned, in step). Its own events may
 * still differ (what it holds at a site); its callers' summaries and events do not. Calls that
 * reach nothing (followable()) and `after` entries that release nothing are left out: a patch
 * adding a second lockdep_is_held() to __kvm_memslots(), which most of KVM calls, changes none
 * of its callers' summaries, and computing them all again was most of such a review.
 */
function summaryShape(fn: FunctionFacts, drop: ReadonlySet<string>, indexed: Indexed): { shape: string; lines: number[] } {
  const calls = fn.calls.filter(followable(fn, indexed));
  const lines = [...new Set([...fn.acquires.map((a) => a.line), ...calls.map((c) => c.line)])].filter((l) => l > 0).sort((a, b) => a - b);
  const rank = new Map(lines.map((l, i) => [l, i + 1]));
  const r = (l: number): number => rank.get(l) ?? l;
  const retaken = new Set(fn.releasesCallers.map((u) => u.class));
  const held = (c: CallSite): string[] => [...new Set(c.held.map((h) => h.class).filter((cls) => drop.has(cls) && !retaken.has(cls)))].sort();
  const shape = JSON.stringify([
    fn.name,
    fn.file,
    fn.static,
    fn.releasesCallers,
    releasingEntries(fn.exitAfter, indexed),
    fn.acquires.map((a) => [a.lock, a.op, r(a.line), a.dropped, releasingEntries(a.after, indexed), a.subclass ?? null, a.when ?? null]),
    calls.map((c) => [c.callee, r(c.line), c.args ?? null, c.when ?? null, c.dropped, releasingEntries(c.after, indexed), held(c)]),
  ]);
  return { shape, lines };
}

const slotOf = (o: COpsEntry): string => `ops:${o.struct}.${o.field}`;

/** Each slot's implementations in table order (what resolveSlot() sees), for the slots a patched file fills. */
function slotLists(ops: readonly COpsEntry[], changed: ReadonlySet<string>): Map<string, string[]> {
  // By struct, then field: every table entry of the state is looked at, and few are in a touched slot.
  const touched = new Map<string, Set<string>>();
  for (const o of ops) {
    if (!changed.has(o.file)) continue;
    const fields = touched.get(o.struct);
    if (fields) fields.add(o.field);
    else touched.set(o.struct, new Set([o.field]));
  }
  const out = new Map<string, string[]>();
  if (touched.size === 0) return out;
  for (const o of ops) {
    if (!touched.get(o.struct)?.has(o.field)) continue;
    const slot = slotOf(o);
    const list = out.get(slot);
    if (list) list.push(`${o.fn}@${o.file}`);
    else out.set(slot, [`${o.fn}@${o.file}`]);
  }
  return out;
}

/**
 * Slots whose implementations changed order (a new file's table goes last): their callers are
 * recomputed, since the first implementation wins a tie between chains. Null when a patched
 * file's tables changed what they hold: vendor tables are then other, and the full analysis runs.
 */
function reorderedSlots(before: Map<string, string[]>, after: Map<string, string[]>): string[] | null {
  const sorted = (l: string[] | undefined): string => [...(l ?? [])].sort().join(',');
  const keys = new Set([...before.keys(), ...after.keys()]);
  const out: string[] = [];
  for (const k of keys) {
    if (sorted(before.get(k)) !== sorted(after.get(k))) return null;
    if ((before.get(k) ?? []).join(',') !== (after.get(k) ?? []).join(',')) out.push(k);
  }
  return out;
}

/** A file's functions, together in a state (index-tree.ts keeps them so): [start, end) in its list. */
interface Run {
  file: string;
  start: number;
  end: number;
  /**
   * The file's own list of functions the run was copied from, when the caller said (rememberRuns()):
   * two runs from the same list hold the same functions, without comparing them one by one.
   */
  from?: readonly FunctionFacts[];
}
const runsKnown = new WeakMap<readonly FunctionFacts[], Run[]>();

/**
 * Say that `functions` is the concatenation of `files`' functions, in order (arch-analysis.ts builds
 * each state's list so): its runs are then known without looking at its functions, and a file whose
 * list is the same object in two states is known to hold the same functions in both.
 */
export function rememberRuns(functions: readonly FunctionFacts[], files: Iterable<{ file: string; functions: readonly FunctionFacts[] }>): void {
  const runs: Run[] = [];
  let at = 0;
  for (const f of files) {
    const n = f.functions.length;
    if (n === 0) continue;
    const last = runs[runs.length - 1];
    // The same file twice in a row is one run (as runsOf() makes it), from no one list.
    if (last && last.file === f.file) {
      last.end = at + n;
      delete last.from;
    } else runs.push({ file: f.file, start: at, end: at + n, from: f.functions });
    at += n;
  }
  if (at !== functions.length) return;
  // Each file's functions name that file (index-tree.ts makes them so): looked at on its first and last.
  for (const r of runs) if ((functions[r.start] as FunctionFacts).file !== r.file || (functions[r.end - 1] as FunctionFacts).file !== r.file) return;
  runsKnown.set(functions, runs);
}

/** The runs of a state's functions, kept with the list (the next state of a series has it as its state before). */
function runsOf(fns: readonly FunctionFacts[]): Run[] {
  let runs = runsKnown.get(fns);
  if (runs) return runs;
  runs = [];
  let run: Run | undefined;
  for (let i = 0; i < fns.length; i++) {
    const file = (fns[i] as FunctionFacts).file;
    if (run && run.file === file) run.end = i + 1;
    else runs.push((run = { file, start: i, end: i + 1 }));
  }
  runsKnown.set(fns, runs);
  return runs;
}

/** Do the files keep their order (patched files where they were, new ones anywhere, deleted ones gone)? */
function samePlaces(before: readonly FunctionFacts[], after: readonly FunctionFacts[]): boolean {
  const a = runsOf(before).map((r) => r.file);
  const b = runsOf(after).map((r) => r.file);
  const inA = new Set(a);
  const inB = new Set(b);
  const kept = a.filter((f) => inB.has(f));
  const inAfter = b.filter((f) => inA.has(f));
  return kept.length === inAfter.length && kept.every((f, i) => f === inAfter[i]);
}

/** Occurrence keys of the functions of the patched files: file, name and which definition of that name. */
function occurrences(functions: readonly FunctionFacts[], changed: ReadonlySet<string>): Map<string, FunctionFacts> {
  const out = new Map<string, FunctionFacts>();
  const seen = new Map<string, number>();
  for (const run of runsOf(functions)) {
    if (!changed.has(run.file)) continue;
    for (let i = run.start; i < run.end; i++) {
      const fn = functions[i] as FunctionFacts;
      const id = `${fn.file}\u0000${fn.name}`;
      const k = seen.get(id) ?? 0;
      seen.set(id, k + 1);
      out.set(`${id}\u0000${k}`, fn);
    }
  }
  return out;
}

/** The patched files' functions before and after the patch, each after one with its counterpart (same file, name and occurrence of the name), and those gone. */
interface Counterparts {
  before: FunctionFacts[];
  after: FunctionFacts[];
  pairs: [FunctionFacts, FunctionFacts | undefined][];
  removed: FunctionFacts[];
}

function counterparts(base: readonly FunctionFacts[], functions: readonly FunctionFacts[], changed: ReadonlySet<string>): Counterparts {
  const runs = (fns: readonly FunctionFacts[]): Run[] => runsOf(fns).filter((r) => changed.has(r.file));
  const was = runs(base);
  const now = runs(functions);
  // Most patches add or remove no function: the same names in the same order in each patched file pair by
  // place, which is what pairing by occurrence gives them.
  const inPlace =
    was.length === now.length &&
    was.every((r, i) => {
      const q = now[i] as Run;
      if (r.file !== q.file || r.end - r.start !== q.end - q.start) return false;
      for (let k = 0; k < r.end - r.start; k++) if ((base[r.start + k] as FunctionFacts).name !== (functions[q.start + k] as FunctionFacts).name) return false;
      return true;
    });
  const list = (fns: readonly FunctionFacts[], rs: Run[]): FunctionFacts[] => rs.flatMap((r) => fns.slice(r.start, r.end));
  const before = list(base, was);
  const after = list(functions, now);
  if (inPlace) return { before, after, pairs: after.map((fn, i) => [fn, before[i]]), removed: [] };
  const old = occurrences(base, changed);
  const neu = occurrences(functions, changed);
  return { before, after, pairs: [...neu].map(([k, fn]) => [fn, old.get(k)]), removed: [...old].flatMap(([k, fn]) => (neu.has(k) ? [] : [fn])) };
}

/** Line maps (old line -> new line) of the functions whose lines moved, by file and name. */
type LineMaps = Map<string, Map<number, number>>;

const NO_FILES: ReadonlySet<string> = new Set();
const filesKnown = new WeakMap<FunctionEvents, ReadonlySet<string>>();

/** The files a function's events name (sites and chain steps): kept with them, which later states of a series keep too. */
function filesOf(events: FunctionEvents): ReadonlySet<string> {
  if (events.events.length === 0) return NO_FILES;
  let known = filesKnown.get(events);
  if (!known) {
    const set = new Set<string>();
    for (const ev of events.events) {
      set.add(ev.site.file);
      for (const s of ev.site.chain) set.add(s.file);
    }
    known = set;
    filesKnown.set(events, known);
  }
  return known;
}

/** Do the events name a file in which lines moved? */
function namesAny(events: FunctionEvents, files: ReadonlySet<string>): boolean {
  const named = filesOf(events);
  if (named.size === 0) return false;
  for (const f of files) if (named.has(f)) return true;
  return false;
}

/** Events with every line in a moved function moved; null when a line is not one its facts name (never expected). */
function moveEvents(events: FunctionEvents, maps: LineMaps, files: ReadonlySet<string>, record?: Moves): FunctionEvents | null {
  let lost = false;
  const to = (file: string, fn: string, line: number): number => {
    const map = maps.get(`${file}\u0000${fn}`);
    if (!map || line <= 0) return line;
    const moved = map.get(line);
    if (moved === undefined) lost = true;
    return moved ?? line;
  };
  // Most events name no moved file: they, and a function all of whose events are such, are kept as they are.
  let out: EdgeEvent[] | null = null;
  const list = events.events;
  for (let i = 0; i < list.length; i++) {
    const ev = list[i] as EdgeEvent;
    const { site } = ev;
    let chain: ChainStep[] | null = null;
    for (let j = 0; j < site.chain.length; j++) {
      const s = site.chain[j] as ChainStep;
      if (!files.has(s.file)) continue;
      const line = to(s.file, s.function, s.line);
      if (line === s.line) continue;
      chain ??= [...site.chain];
      chain[j] = { ...s, line };
    }
    let { line, outerLine } = site;
    let heldAt = ev.outer.line;
    if (files.has(site.file)) {
      line = to(site.file, site.function, line);
      outerLine = to(site.file, site.function, outerLine);
      heldAt = to(site.file, site.function, heldAt);
    }
    if (!chain && line === site.line && outerLine === site.outerLine && heldAt === ev.outer.line) {
      out?.push(ev);
      continue;
    }
    out ??= list.slice(0, i);
    const moved: EdgeEvent = { ...ev, outer: { ...ev.outer, line: heldAt }, site: { ...site, line, outerLine, chain: chain ?? site.chain } };
    record?.sites.set(site, moved.site);
    record?.outers.set(ev.outer, moved.outer);
    out.push(moved);
  }
  if (lost) return null;
  return out ? { events: out } : events;
}

/**
 * What moveEvents() made of the sites and held locks it moved (each event's site is its own object; a
 * held lock shared by a function's events moves to equal objects, the function's lines being one map).
 */
interface Moves {
  sites: Map<EdgeSite, EdgeSite>;
  /** Keyed by the held lock an edge keeps as its outerUse (startEdge()). */
  outers: Map<LockUse, HeldLock>;
}

/** Callee key (a function's name, or an `ops:` slot) -> the functions that call it, in no particular order. */
export type CallerGraph = ReadonlyMap<string, readonly FunctionFacts[]>;

function callerGraph(functions: readonly FunctionFacts[]): CallerGraph {
  const callers = new Map<string, FunctionFacts[]>();
  for (const fn of functions) {
    for (const c of fn.calls) {
      const list = callers.get(c.callee);
      if (!list) callers.set(c.callee, [fn]);
      else if (list[list.length - 1] !== fn) list.push(fn);
    }
  }
  return callers;
}

/** The state before's caller graph with the patched files' functions replaced: the keys they call are copied, the rest shared. */
function patchCallers(graph: CallerGraph, removed: Iterable<FunctionFacts>, added: Iterable<FunctionFacts>): CallerGraph {
  const out = new Map(graph);
  const gone = new Set(removed);
  const copied = new Map<string, FunctionFacts[]>();
  const list = (k: string): FunctionFacts[] => {
    let l = copied.get(k);
    if (!l) {
      l = (out.get(k) ?? []).filter((f) => !gone.has(f));
      copied.set(k, l);
      out.set(k, l);
    }
    return l;
  };
  for (const fn of gone) for (const c of fn.calls) list(c.callee);
  for (const fn of added) {
    for (const c of fn.calls) {
      const l = list(c.callee);
      if (l[l.length - 1] !== fn) l.push(fn);
    }
  }
  for (const [k, l] of copied) if (l.length === 0) out.delete(k);
  return out;
}

/** Function name -> the `ops:` slots its tables fill with it. */
function slotsFilled(allOps: readonly COpsEntry[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const o of allOps) {
    const set = out.get(o.fn) ?? new Set<string>();
    out.set(o.fn, set.add(slotOf(o)));
  }
  return out;
}

/**
 * The reverse call graph from `starts` (names and slots): every callee key reached (whose
 * summary may be other) and every function calling one of them.
 */
function reachersOf(starts: Iterable<string>, callers: CallerGraph, slots: ReadonlyMap<string, ReadonlySet<string>>): { keys: Set<string>; functions: Set<FunctionFacts> } {
  const keys = new Set<string>();
  const functions = new Set<FunctionFacts>();
  const queue = [...starts];
  while (queue.length) {
    const k = queue.pop() as string;
    if (keys.has(k)) continue;
    keys.add(k);
    for (const slot of slots.get(k) ?? []) queue.push(slot);
    for (const g of callers.get(k) ?? []) {
      if (functions.has(g)) continue;
      functions.add(g);
      queue.push(g.name);
    }
  }
  return { keys, functions };
}

/**
 * The functions whose events may change: the new and changed ones, and every one that calls with
 * a lock held something whose summary may change (the reverse call graph from the changed names),
 * or that has a site after a call to a changed function (which may now release the caller's lock:
 * releasedBefore() reads the callee's own facts).
 */
function toRecompute(affected: { keys: ReadonlySet<string>; functions: ReadonlySet<FunctionFacts> }, names: ReadonlySet<string>, fresh: Iterable<FunctionFacts>): Set<FunctionFacts> {
  const todo = new Set<FunctionFacts>(fresh);
  for (const fn of affected.functions) {
    if (fn.calls.some((c) => (c.held.length > 0 && affected.keys.has(c.callee)) || c.after?.some((n) => names.has(n)))) todo.add(fn);
    else if (fn.acquires.some((a) => a.after?.some((n) => names.has(n)))) todo.add(fn);
  }
  return todo;
}

/** A function's events' edge keys: each event's, and the distinct ones in the order first seen. */
interface EventKeys {
  each: readonly string[];
  distinct: readonly string[];
}
const NO_KEYS: EventKeys = { each: [], distinct: [] };
// Kept with the events, which the next states of a series keep (moved events take their keys along: moveEvents() keeps classes).
const keysKnown = new WeakMap<FunctionEvents, EventKeys>();

function keysOf(fe: FunctionEvents): EventKeys {
  if (fe.events.length === 0) return NO_KEYS;
  let known = keysKnown.get(fe);
  if (!known) {
    const each = fe.events.map(eventKey);
    known = { each, distinct: [...new Set(each)] };
    keysKnown.set(fe, known);
  }
  return known;
}

/**
 * The edges folded from a state's events (foldEvents() of them), by key in their order: the next
 * state's fold starts from them. Keyed by the events list, which the state's ObservedCode holds
 * (observeFull() remembers the fold of a state observed in full; a state whose events were loaded
 * is folded when the first state after it is observed).
 */
const foldsKnown = new WeakMap<readonly FunctionEvents[], ReadonlyMap<string, ObservedEdge>>();

export function rememberFold(events: readonly FunctionEvents[], edges: readonly ObservedEdge[]): void {
  foldsKnown.set(events, new Map(edges.map((e) => [foldedKey(e), e])));
}

/**
 * foldEvents() of `events` from the fold of `before`, the state before's events, when every
 * function kept from it is in the order it was and `touched` holds the key of every event that
 * is not in both (a changed, new, removed or moved function's, old and new). An edge none of
 * whose events changed is then made of the same events in the same order as before: the same
 * edge (the object is shared; no stage changes an edge once folded). The others are folded again
 * from their events alone, in function order, which is what the full fold does for each edge; and
 * the edges are listed in the order their keys are first seen, as there. Null without the fold
 * of the state before. The edges by key, in their order.
 */
function refold(before: readonly FunctionEvents[], events: readonly FunctionEvents[], touched: ReadonlySet<string>): Map<string, ObservedEdge> | null {
  const prior = foldsKnown.get(before);
  if (!prior) return null;
  const order: string[] = [];
  const seen = new Set<string>();
  const again = new Map<string, ObservedEdge>();
  for (const fe of events) {
    if (fe.events.length === 0) continue;
    const keys = keysOf(fe);
    let hit = false;
    for (const k of keys.distinct) {
      if (!seen.has(k)) {
        seen.add(k);
        order.push(k);
      }
      if (touched.has(k)) hit = true;
    }
    if (!hit) continue;
    for (let i = 0; i < fe.events.length; i++) {
      const k = keys.each[i] as string;
      if (!touched.has(k)) continue;
      const ev = fe.events[i] as EdgeEvent;
      let e = again.get(k);
      if (!e) again.set(k, (e = startEdge(ev)));
      addEvent(e, ev);
    }
  }
  const out = new Map<string, ObservedEdge>();
  for (const k of order) {
    const e = touched.has(k) ? again.get(k) : prior.get(k);
    // An untouched key the state before did not have: the premises do not hold; the full fold decides.
    if (!e) return null;
    out.set(k, e);
  }
  for (const e of again.values()) finishEdge(e);
  return out;
}

/** What keeping the state before's events gave: the new state's events, the edge keys touched, and whether what was kept is in its order. */
interface Kept {
  events: FunctionEvents[];
  touched: Set<string>;
  inOrder: boolean;
  /** When the files are laid out as they were: the indices whose events are not the state before's there. */
  changedAt?: number[];
}

/** Every key of the events of a function, into `touched`. */
function touchInto(touched: Set<string>, fe: FunctionEvents | undefined): void {
  if (fe) for (const k of keysOf(fe).distinct) touched.add(k);
}

/** A run per file, by file, kept with the runs. */
const runByFile = new WeakMap<readonly Run[], Map<string, Run>>();
function byFile(runs: readonly Run[]): Map<string, Run> {
  let known = runByFile.get(runs);
  if (!known) {
    known = new Map();
    for (const r of runs) if (!known.has(r.file)) known.set(r.file, r);
    runByFile.set(runs, known);
  }
  return known;
}

/**
 * The indices in `functions` of `fns` (each must be there), plus every index of the files in `whole`,
 * ascending: looked for in their own files' runs only. Null when a file has more than one run, or a
 * function is not found (the caller then looks at every function).
 */
function indicesOf(fns: Iterable<FunctionFacts>, functions: readonly FunctionFacts[], runs: readonly Run[], whole: ReadonlySet<string> = NO_FILES): number[] | null {
  const runOf = byFile(runs);
  // One run per file (index-tree.ts keeps a file's functions together) or the search is not complete.
  if (runOf.size !== runs.length) return null;
  const wanted = new Map<string, Set<FunctionFacts>>();
  let count = 0;
  for (const fn of fns) {
    if (whole.has(fn.file)) continue;
    const set = wanted.get(fn.file);
    if (set) set.add(fn);
    else wanted.set(fn.file, new Set([fn]));
    count++;
  }
  const out: number[] = [];
  let found = 0;
  for (const file of whole) {
    const r = runOf.get(file);
    if (r) for (let i = r.start; i < r.end; i++) out.push(i);
  }
  for (const [file, set] of wanted) {
    const r = runOf.get(file);
    if (!r) return null;
    for (let i = r.start; i < r.end; i++) {
      if (set.has(functions[i] as FunctionFacts)) {
        out.push(i);
        found++;
      }
    }
  }
  if (found !== count) return null;
  return out.sort((a, b) => a - b);
}

/**
 * The state before's events kept where its files are laid out as they were (the same files, each
 * with as many functions: most patches add and remove none): its list copied, the patched files'
 * and the recomputed functions' entries replaced, without a look at the others. Null when the
 * layout differs or a file the patch did not change holds other functions; a reason when a
 * function of a patched file has no events (neither kept nor recomputed).
 */
function keptInLayout(base: ObservedCode, functions: readonly FunctionFacts[], changed: ReadonlySet<string>, counterpart: ReadonlyMap<FunctionFacts, FunctionFacts>, fresh: ReadonlyMap<FunctionFacts, FunctionEvents>): Kept | string | null {
  const was = runsOf(base.functions);
  const now = runsOf(functions);
  if (was.length !== now.length || base.functions.length !== functions.length) return null;
  for (let r = 0; r < now.length; r++) {
    const a = was[r] as Run;
    const b = now[r] as Run;
    if (a.file !== b.file || a.start !== b.start || a.end !== b.end) return null;
    if (changed.has(b.file) || (a.from && a.from === b.from)) continue;
    // Not known to be the same list: the same functions, one by one.
    for (let i = b.start; i < b.end; i++) if (base.functions[i] !== functions[i]) return null;
  }
  const events = base.events.slice();
  const touched = new Set<string>();
  const changedAt: number[] = [];
  let inOrder = true;
  const done = new Set<FunctionFacts>();
  for (let r = 0; r < now.length; r++) {
    const run = now[r] as Run;
    if (!changed.has(run.file)) continue;
    // A patched file's functions before the patch, by index (its run is where it was).
    const before = new Map<FunctionFacts, number>();
    for (let i = run.start; i < run.end; i++) before.set(base.functions[i] as FunctionFacts, i);
    const used = new Set<number>();
    let last = -1;
    for (let i = run.start; i < run.end; i++) {
      const fn = functions[i] as FunctionFacts;
      const oldAt = before.get(counterpart.get(fn) ?? fn);
      const old = oldAt === undefined ? undefined : base.events[oldAt];
      if (oldAt !== undefined) {
        used.add(oldAt);
        if (oldAt <= last) inOrder = false;
        last = oldAt;
      }
      const mine = fresh.get(fn);
      done.add(fn);
      if (mine) {
        touchInto(touched, old);
        touchInto(touched, mine);
        events[i] = mine;
        continue;
      }
      if (!old) return `${fn.name}() in ${fn.file} has no counterpart before the patch`;
      events[i] = old;
    }
    // A patched file's function the patch removed takes its events away.
    for (const at of before.values()) if (!used.has(at)) touchInto(touched, base.events[at]);
    for (let i = run.start; i < run.end; i++) if (events[i] !== base.events[i]) changedAt.push(i);
  }
  // The recomputed functions of the other files: in their places, which are their places before.
  const others = [...fresh.keys()].filter((fn) => !done.has(fn));
  if (others.length) {
    const at = indicesOf(others, functions, now);
    if (!at) return null;
    for (const i of at) {
      const mine = fresh.get(functions[i] as FunctionFacts) as FunctionEvents;
      touchInto(touched, base.events[i]);
      touchInto(touched, mine);
      events[i] = mine;
      changedAt.push(i);
    }
  }
  return { events, touched, inOrder, changedAt };
}

/** The state before's events kept, function by function, in the new state's order (any layout). */
function keptInOrder(base: ObservedCode, functions: readonly FunctionFacts[], changed: ReadonlySet<string>, counterpart: ReadonlyMap<FunctionFacts, FunctionFacts>, fresh: ReadonlyMap<FunctionFacts, FunctionEvents>): Kept | string {
  const events: FunctionEvents[] = [];
  const touched = new Set<string>();
  const touch = (fe: FunctionEvents | undefined): void => touchInto(touched, fe);
  let inOrder = true;
  let lastOld = -1;
  const kept = (oldAt: number): void => {
    if (oldAt <= lastOld) inOrder = false;
    lastOld = oldAt;
  };
  // The state before's functions, by index: a patched file's from a map, every other file's run
  // matched whole with its run before (the files are in their places: step 2), or else from a map.
  const patchedBefore = new Map<FunctionFacts, number>();
  const unpatched: Run[] = [];
  for (const r of runsOf(base.functions)) {
    if (!changed.has(r.file)) unpatched.push(r);
    else for (let i = r.start; i < r.end; i++) patchedBefore.set(base.functions[i] as FunctionFacts, i);
  }
  const used = new Set<number>();
  let everyBefore: Map<FunctionFacts, number> | undefined;
  let u = 0;
  for (const run of runsOf(functions)) {
    const patched = changed.has(run.file);
    const length = run.end - run.start;
    if (!patched) {
      // A file the patch did not change has the functions it had, the same objects: its events are taken as a run.
      const was = unpatched[u];
      let from = was && was.file === run.file && was.end - was.start === length ? was.start : -1;
      for (let k = 0; from >= 0 && k < length; k++) if (base.functions[from + k] !== functions[run.start + k]) from = -1;
      if (from >= 0) {
        u++;
        kept(from);
        lastOld = from + length - 1;
        for (let k = 0; k < length; k++) {
          const old = base.events[from + k] as FunctionEvents;
          const mine = fresh.size ? fresh.get(functions[run.start + k] as FunctionFacts) : undefined;
          if (mine) {
            touch(old);
            touch(mine);
          }
          events.push(mine ?? old);
        }
        continue;
      }
    }
    for (let i = run.start; i < run.end; i++) {
      const fn = functions[i] as FunctionFacts;
      let oldAt: number | undefined;
      if (patched) oldAt = patchedBefore.get(counterpart.get(fn) ?? fn);
      else {
        everyBefore ??= new Map(base.functions.map((f, j) => [f, j]));
        oldAt = everyBefore.get(fn);
      }
      const old = oldAt === undefined ? undefined : base.events[oldAt];
      if (oldAt !== undefined) {
        used.add(oldAt);
        kept(oldAt);
      }
      const mine = fresh.size ? fresh.get(fn) : undefined;
      if (mine) {
        touch(old);
        touch(mine);
        events.push(mine);
        continue;
      }
      if (!old) return `${fn.name}() in ${fn.file} has no counterpart before the patch`;
      events.push(old);
    }
  }
  // A patched file's function the patch removed takes its events away.
  for (const at of patchedBefore.values()) if (!used.has(at)) touch(base.events[at]);
  return { events, touched, inOrder };
}

/**
 * Per edge key, the indices of the functions with an event of that key, ascending: kept with a
 * state's events, so that the next state's fold finds where a key's events are, and where each key
 * is first seen, without looking at every function.
 */
type Postings = ReadonlyMap<string, readonly number[]>;
const postingsKnown = new WeakMap<readonly FunctionEvents[], Postings>();

/** Per value `of` gives a function's events, the indices of the functions with it, ascending. */
function listed(events: readonly FunctionEvents[], of: (fe: FunctionEvents) => Iterable<string>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (let i = 0; i < events.length; i++) {
    const fe = events[i] as FunctionEvents;
    if (fe.events.length === 0) continue;
    for (const k of of(fe)) {
      const list = out.get(k);
      if (list) list.push(i);
      else out.set(k, [i]);
    }
  }
  return out;
}

function postingsOf(events: readonly FunctionEvents[]): Postings {
  let known = postingsKnown.get(events);
  if (!known) {
    known = listed(events, (fe) => keysOf(fe).distinct);
    postingsKnown.set(events, known);
  }
  return known;
}

/**
 * `was` (lists of `before`) made lists of `events`, which differ from `before` at the indices
 * `changed` (ascending, each once) only: the values of the old and new events there are listed
 * again (and `also`), the others shared. Returns the lists and the values listed again.
 */
function relist(was: Postings, before: readonly FunctionEvents[], events: readonly FunctionEvents[], changed: readonly number[], of: (fe: FunctionEvents) => Iterable<string>, also: Iterable<string> = []): { postings: Map<string, readonly number[]>; relisted: Set<string> } {
  const isChanged = new Set(changed);
  const relisted = new Set<string>(also);
  const added = new Map<string, number[]>();
  const dropped = new Map<string, number[]>();
  const note = (into: Map<string, number[]>, k: string, i: number): void => {
    const list = into.get(k);
    if (list) list.push(i);
    else into.set(k, [i]);
  };
  for (const i of changed) {
    const old = before[i] as FunctionEvents;
    if (old.events.length) {
      for (const k of of(old)) {
        relisted.add(k);
        note(dropped, k, i);
      }
    }
    const fe = events[i] as FunctionEvents;
    if (fe.events.length === 0) continue;
    for (const k of of(fe)) {
      relisted.add(k);
      note(added, k, i);
    }
  }
  const postings = new Map<string, readonly number[]>(was);
  const same = (a: readonly number[] | undefined, b: readonly number[] | undefined): boolean => (a?.length ?? 0) === (b?.length ?? 0) && (a ?? []).every((x, j) => x === b?.[j]);
  for (const k of relisted) {
    const more = added.get(k);
    // The changed functions that had it have it still, and no other does (moved events keep their classes): the list as it was.
    if (same(dropped.get(k), more)) continue;
    const list = (was.get(k) ?? []).filter((i) => !isChanged.has(i));
    if (more) {
      for (const i of more) list.push(i);
      list.sort((a, b) => a - b);
    }
    if (list.length) postings.set(k, list);
    else postings.delete(k);
  }
  return { postings, relisted };
}

/**
 * Per file, the indices of the functions whose events name it (namesAny()), ascending: from the
 * state before's lists and the indices where the events changed when the state was observed
 * incrementally with its files where they were (`filesFrom`), else from every function's.
 */
const filesListed = new WeakMap<readonly FunctionEvents[], Postings>();
const filesFrom = new WeakMap<readonly FunctionEvents[], { before: readonly FunctionEvents[]; changed: readonly number[] }>();

function filePostingsOf(events: readonly FunctionEvents[]): Postings {
  let known = filesListed.get(events);
  if (!known) {
    const from = filesFrom.get(events);
    known = from ? relist(filePostingsOf(from.before), from.before, events, from.changed, filesOf).postings : listed(events, filesOf);
    filesListed.set(events, known);
    filesFrom.delete(events);
  }
  return known;
}

/**
 * refold() where every function is where it was (the same files, each with as many functions) and
 * `changedAt` holds every index whose events are not the state before's: only the keys of those
 * events are looked for again. A key none of whose functions changed is where it was (the functions
 * holding it, and so where it is first seen, are as before); the others are listed from the state
 * before's lists less the changed indices plus the changed functions that have them. The keys come
 * out in the order they are first seen (function, then the function's own order), as refold() lists
 * them. Null when it cannot say (no fold before, an untouched key the state before did not have).
 */
function refoldLaidOut(before: readonly FunctionEvents[], events: readonly FunctionEvents[], touched: ReadonlySet<string>, changedAt: readonly number[], hard: ReadonlySet<string>, moves: Moves): Map<string, ObservedEdge> | null {
  // changedAt: ascending, each once.
  const prior = foldsKnown.get(before);
  if (!prior || before.length !== events.length) return null;
  // Keys whose lists change: the old and new events' at each changed index, and the touched ones.
  const { postings, relisted } = relist(postingsOf(before), before, events, changedAt, (fe) => keysOf(fe).distinct, touched);
  // Where a key is first seen: its first function, then its rank among that function's keys.
  const firstOf = (k: string): [number, number] => {
    const at = (postings.get(k) as readonly number[])[0] as number;
    return [at, keysOf(events[at] as FunctionEvents).distinct.indexOf(k)];
  };
  const before2 = (a: [number, number], b: [number, number]): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
  const moving = [...relisted].filter((k) => postings.has(k)).map((k) => [k, firstOf(k)] as const);
  moving.sort((a, b) => a[1][0] - b[1][0] || a[1][1] - b[1][1]);
  const order: string[] = [];
  let m = 0;
  for (const k of prior.keys()) {
    if (relisted.has(k)) continue;
    // An untouched key no longer listed, or a key the state before folded but had no list for: not as assumed.
    if (!postings.has(k)) return null;
    const here = firstOf(k);
    while (m < moving.length && before2((moving[m] as (typeof moving)[number])[1], here)) order.push((moving[m++] as (typeof moving)[number])[0]);
    order.push(k);
  }
  while (m < moving.length) order.push((moving[m++] as (typeof moving)[number])[0]);
  const out = new Map<string, ObservedEdge>();
  const again: ObservedEdge[] = [];
  for (const k of order) {
    if (!touched.has(k)) {
      const e = prior.get(k);
      if (!e) return null;
      out.set(k, e);
      continue;
    }
    const had = hard.has(k) ? undefined : prior.get(k);
    if (had) {
      // Only moved: the same events in the same order, each with its lines moved. The count, the
      // confidence and what each site ranks are as they were, so the same events' sites are kept;
      // the edge is the state before's with those sites and its first event's held lock moved.
      const e: ObservedEdge = { ...had, outerUse: moves.outers.get(had.outerUse) ?? had.outerUse, sites: had.sites.map((site) => moves.sites.get(site) ?? site) };
      again.push(e);
      out.set(k, e);
      continue;
    }
    let e: ObservedEdge | undefined;
    for (const i of postings.get(k) as readonly number[]) {
      const fe = events[i] as FunctionEvents;
      const each = keysOf(fe).each;
      for (let j = 0; j < fe.events.length; j++) {
        if (each[j] !== k) continue;
        const ev = fe.events[j] as EdgeEvent;
        if (!e) again.push((e = startEdge(ev)));
        addEvent(e, ev);
      }
    }
    if (!e) return null;
    out.set(k, e);
  }
  for (const e of again) finishEdge(e);
  postingsKnown.set(events, postings);
  return out;
}

export function observeIncrementally(base: ObservedCode, functions: readonly FunctionFacts[], ops: readonly COpsEntry[], changed: ReadonlySet<string>): Incremental {
  if (base.depthCut) return { ok: false, why: 'a summary of the state before was cut at its depth limit' };
  const reordered = reorderedSlots(slotLists(base.ops, changed), slotLists(ops, changed));
  if (!reordered) return { ok: false, why: 'a function table in a patched file changed' };
  if (base.events.length !== base.functions.length) return { ok: false, why: 'the state before has no events for every function' };

  // 1. Which functions of the patched files changed, and where the lines of the others moved.
  const { before, after, pairs, removed } = counterparts(base.functions, functions, changed);
  const names = new Set<string>();
  const counterpart = new Map<FunctionFacts, FunctionFacts>();
  // Functions whose lines are mapped (moved, or changed with the same summary): old and new lines, in step.
  const mapped: [FunctionFacts, FunctionFacts, readonly number[], readonly number[]][] = [];
  // Functions whose facts are what they were, lines included.
  const same: FunctionFacts[] = [];
  let drop: ReadonlySet<string> | undefined;
  let indexed: Indexed | undefined;
  for (const [fn, old] of pairs) {
    // Above the patch's first hunk most functions are what they were: the same facts, nothing moved.
    // Below it, most are what they were but for their lines, in the same order.
    const lines = old && compareFacts(old, fn);
    if (old && lines?.same) {
      counterpart.set(fn, old);
      same.push(fn);
      continue;
    }
    if (old && lines && !lines.same) {
      counterpart.set(fn, old);
      mapped.push([fn, old, lines.was, lines.now]);
      continue;
    }
    // Changed: its own events are computed again. Its callers' are too only when its summary (in
    // any context) may differ beyond its lines: a lockdep_assert_held() adds a precondition to
    // every site of the function, which changes its events, never what it takes.
    drop ??= droppable(functions);
    if (!indexed) {
      const was = namesOf(base.functions);
      const now = namesOf(functions);
      indexed = (name) => now.has(name) || was.has(name);
    }
    const a = old && summaryShape(old, drop, indexed);
    const b = a && summaryShape(fn, drop, indexed);
    if (!a || !b || a.shape !== b.shape) names.add(fn.name);
    else mapped.push([fn, old, a.lines, b.lines]);
  }
  const maps: LineMaps = new Map();
  for (const [fn, , was, now] of mapped) {
    if (!was.some((l, i) => l !== now[i])) continue;
    // Chains name a function by file and name: the definitions of one name (#ifdef variants) share a
    // map, which their lines (never the same ones) keep apart.
    const id = `${fn.file}\u0000${fn.name}`;
    const map = maps.get(id) ?? new Map<number, number>();
    maps.set(id, map);
    for (const [i, l] of was.entries()) {
      if (map.has(l) && map.get(l) !== now[i]) return { ok: false, why: `two definitions of ${fn.name}() in ${fn.file} name line ${l}` };
      map.set(l, now[i] as number);
    }
  }
  // A definition that did not move, of a name another definition moved: its lines must map to themselves.
  const unmoved = [...mapped.filter(([fn, old, was, now]) => fn.line === old.line && !was.some((l, i) => l !== now[i])).map(([fn, , was]) => [fn, was] as const), ...same.map((fn) => [fn, null] as const)];
  for (const [fn, lines] of unmoved) {
    const map = maps.get(`${fn.file}\u0000${fn.name}`);
    if (!map) continue;
    for (const l of lines ?? linesOf(fn)) {
      if (map.has(l) && map.get(l) !== l) return { ok: false, why: `two definitions of ${fn.name}() in ${fn.file} name line ${l}` };
      map.set(l, l);
    }
  }
  for (const fn of removed) names.add(fn.name);
  // A name defined non-statically more than once (a __weak default and an architecture's own) resolves
  // to its first definition: with every file in its place (step 2) and a definition's static flag part
  // of both shapes, only a definition added or removed changes which one that is, and its name is in
  // `names` then.

  // 2. A patched file's facts replace it where it was (analyse-state.ts), so every function keeps its place.
  if (!samePlaces(base.functions, functions)) return { ok: false, why: 'the functions are not in the order they were before the patch' };

  // 3. The reverse call graph from the changed names; nothing to follow when only lines moved. The
  // graph is the state before's, patched, once a state of the series has needed it.
  const isNew = (fn: FunctionFacts): boolean => changed.has(fn.file) && !counterpart.has(fn);
  const newOnes = after.filter(isNew);
  const starts = [...names, ...reordered];
  const callers = starts.length || base.callers ? (base.callers ? patchCallers(base.callers, before, after) : callerGraph(functions)) : undefined;
  const slots = callers ? slotsFilled([...base.ops, ...ops]) : new Map<string, Set<string>>();
  const todo = callers && starts.length ? toRecompute(reachersOf(starts, callers, slots), names, newOnes) : new Set(newOnes);

  // Summaries memoised in the state before hold here unless what they reach changed or moved: the
  // rest seed this state's (summaries in a recursion are never memoised: reach.ts).
  const moved = [...maps.keys()].map((k) => k.slice(k.indexOf('\u0000') + 1));
  let seed: Map<FunctionFacts, SummaryMemo extends ReadonlyMap<FunctionFacts, infer V> ? V : never> | undefined;
  if (base.memo && (callers || (starts.length === 0 && moved.length === 0))) {
    seed = new Map(base.memo);
    for (const fn of before) seed.delete(fn);
    const dirty = callers && (starts.length || moved.length) ? reachersOf([...starts, ...moved], callers, slots).functions : new Set<FunctionFacts>();
    for (const fn of dirty) seed.delete(fn);
    // A patched file's function that neither changed nor moved, nor reaches what did, has the summaries it had.
    for (const [fn, old] of counterpart) {
      const had = base.memo.get(old);
      if (had && !dirty.has(fn) && !maps.has(`${fn.file}\u0000${fn.name}`)) seed.set(fn, had);
    }
  }

  // 4. Recompute the events of those functions; keep (and move) the rest.
  const runsNow = runsOf(functions);
  const fresh = new Map<FunctionFacts, FunctionEvents>();
  let memo: SummaryMemo | undefined = seed;
  if (todo.size) {
    // The seed is this state's own copy of the state before's memo: the summaries add to it.
    const summaries = new Summaries(new FunctionIndex(functions, ops), seed, true);
    // In the state's order, as a full observe computes them.
    const at = indicesOf(todo, functions, runsNow);
    if (at) for (const i of at) fresh.set(functions[i] as FunctionFacts, eventsOf(functions[i] as FunctionFacts, summaries));
    else for (const fn of functions) if (todo.has(fn)) fresh.set(fn, eventsOf(fn, summaries));
    if (summaries.depthCuts) return { ok: false, why: 'a summary was cut at its depth limit' };
    // Each holds in this state; the next state keeps those that still hold there.
    memo = summaries.memoised;
  }
  // Edge keys some of whose events are not what they were (the edges to fold again), and whether every
  // function kept from the state before is in the order it was (step 5 needs both).
  const kept = keptInLayout(base, functions, changed, counterpart, fresh) ?? keptInOrder(base, functions, changed, counterpart, fresh);
  if (typeof kept === 'string') return { ok: false, why: kept };
  const { events, touched, inOrder, changedAt } = kept;
  // Keys touched other than by lines moving (a function recomputed, added or removed): their edges are folded again.
  const hard = new Set(touched);
  const moves: Moves = { sites: new Map(), outers: new Map() };
  const touch = (fe: FunctionEvents | undefined): void => {
    if (fe) for (const k of keysOf(fe).distinct) touched.add(k);
  };
  // Events that name a line the patch moved are moved (the recomputed ones are the new state's already).
  if (maps.size) {
    const movedFiles = new Set([...maps.keys()].map((k) => k.slice(0, k.indexOf('\u0000'))));
    const recomputed = new Set(fresh.values());
    // Only events naming a file whose lines moved can name a moved line: with the files where they
    // were, those of the state before (listed by file) and the ones that changed here.
    let candidates: number[] | null = null;
    if (changedAt) {
      const byFile = filePostingsOf(base.events);
      const set = new Set<number>(changedAt);
      for (const f of movedFiles) for (const i of byFile.get(f) ?? []) set.add(i);
      candidates = [...set].sort((a, b) => a - b);
    }
    const visit = (i: number): string | null => {
      const fe = events[i] as FunctionEvents;
      if (fe.events.length === 0 || recomputed.has(fe) || !namesAny(fe, movedFiles)) return null;
      const moved = moveEvents(fe, maps, movedFiles, moves);
      if (!moved) return `an event of ${(functions[i] as FunctionFacts).name}() names a line its facts do not`;
      if (moved === fe) return null;
      touch(fe);
      // Moved, the events have the classes and files they had.
      keysKnown.set(moved, keysOf(fe));
      filesKnown.set(moved, filesOf(fe));
      events[i] = moved;
      changedAt?.push(i);
      return null;
    };
    if (candidates) {
      for (const i of candidates) {
        const why = visit(i);
        if (why) return { ok: false, why };
      }
    } else {
      for (let i = 0; i < events.length; i++) {
        const why = visit(i);
        if (why) return { ok: false, why };
      }
    }
  }

  // 5. The edges: the state before's, but for the keys whose events changed, folded again.
  // A state whose events were loaded has no fold yet: its own, once, is what the next states start from
  // (the cache hands each review of a process the events it read first, so later reviews find it).
  if (inOrder && !foldsKnown.has(base.events)) rememberFold(base.events, foldEvents(base.events.map((e) => e.events)));
  const changes = changedAt && [...new Set(changedAt)].sort((a, b) => a - b);
  const again = inOrder ? ((changes && refoldLaidOut(base.events, events, touched, changes, hard, moves)) ?? refold(base.events, events, touched)) : null;
  // The files each function's events name, listed from the state before's when asked (the next state's moves).
  if (changes) filesFrom.set(events, { before: base.events, changed: changes });
  const laidOut = Boolean(changes && again && postingsKnown.has(events));
  let edges: ObservedEdge[];
  if (again) {
    edges = [...again.values()];
    foldsKnown.set(events, again);
  } else {
    edges = foldEvents(events.map((e) => e.events));
    rememberFold(events, edges);
  }
  const code: ObservedCode = { functions, ops, events, depthCut: false, ...(memo ? { memo } : {}), ...(callers ? { callers } : {}) };
  return { ok: true, edges, code, recomputed: fresh.size, laidOut };
}
