/**
 * The observed lock order of a set of functions: for each pair of classes,
 * every site where the second is taken while the first is held, directly
 * or through callees, with the chain.
 *
 * Two steps: each function's edge events (eventsOf: what it takes, or
 * reaches through a call, with locks held), then one fold of every
 * function's events, in function order, into edges (foldEvents). The
 * events are what an incremental analysis keeps per function
 * (incremental.ts): a patch recomputes the events of the functions it
 * touches and folds again.
 */
import type { COpsEntry } from '../c/ops-tables.js';
import type { FunctionFacts, HeldLock, LockUse } from '../locks/model.js';
import { FunctionIndex } from './function-index.js';
import { confidenceOf, MAX_SITES, siteRank, type EdgeSite, type InnerOp, type ObservedEdge } from './model.js';
import { NO_CONTEXT } from './context.js';
import { Summaries } from './reach.js';

/** One edge occurrence: `inner` taken (op) while `outer` is held, at `site`. */
export interface EdgeEvent {
  outer: HeldLock;
  inner: LockUse;
  op: InnerOp;
  subclass?: number;
  site: EdgeSite;
}

/** A function's edge events. */
export interface FunctionEvents {
  events: EdgeEvent[];
}

export interface ObservedOrder {
  edges: ObservedEdge[];
  index: FunctionIndex;
  summaries: Summaries;
  /** Per function, aligned with the input functions. */
  events: FunctionEvents[];
}

/** The edge events of one function, with summaries shared across the functions of one state. */
export function eventsOf(fn: FunctionFacts, summaries: Summaries): FunctionEvents {
  const events: EdgeEvent[] = [];
  const ctx = summaries.enter(fn, NO_CONTEXT);
  for (const a of fn.acquires) {
    if (a.op === 'try') continue;
    const chain = [{ function: fn.name, file: fn.file, line: a.line }];
    // A lock a callee released before this point is not held here (kvm_swap_active_memslots()).
    const released = summaries.releasedBefore(a, fn.file);
    for (const h of a.held) {
      if (released.includes(h.class)) continue;
      const e: EdgeEvent = { outer: h, inner: a.lock, op: a.op, site: { file: fn.file, line: a.line, function: fn.name, chain, outerLine: h.line, confidence: confidenceOf(chain, [], []) } };
      if (a.subclass !== undefined) e.subclass = a.subclass;
      events.push(e);
    }
  }
  for (const c of fn.calls) {
    if (c.held.length === 0) continue;
    const released = summaries.releasedBefore(c, fn.file);
    for (const r of summaries.reachOfCall(c, fn.file, 0, summaries.callContext(fn.name, c, ctx)).values()) {
      const chain = [{ function: fn.name, file: fn.file, line: c.line }, ...r.chain];
      const confidence = confidenceOf(chain, r.indirect, r.assumed);
      for (const h of c.held) {
        if (r.dropped.includes(h.class) || released.includes(h.class)) continue;
        const e: EdgeEvent = { outer: h, inner: r.lock, op: r.op, site: { file: fn.file, line: c.line, function: fn.name, chain, outerLine: h.line, confidence } };
        if (r.subclass !== undefined) e.subclass = r.subclass;
        events.push(e);
      }
    }
  }
  return { events };
}

/** The edge an event counts towards, as a key: its classes and, other than for a plain acquisition, the operation. */
export function eventKey(ev: EdgeEvent): string {
  return ev.op === 'acquire' ? `${ev.outer.class}\u0000${ev.inner.class}` : `${ev.outer.class}\u0000${ev.inner.class}\u0000${ev.op}`;
}

/** The key of a folded edge: eventKey() of each of its events. */
export function foldedKey(e: Pick<ObservedEdge, 'outer' | 'inner' | 'innerOp'>): string {
  return e.innerOp === 'acquire' ? `${e.outer}\u0000${e.inner}` : `${e.outer}\u0000${e.inner}\u0000${e.innerOp}`;
}

/** An edge as its first event (in function order) starts it; addEvent() then counts that event. */
export function startEdge(ev: EdgeEvent): ObservedEdge {
  const { outer } = ev;
  const e: ObservedEdge = { outer: outer.class, inner: ev.inner.class, innerOp: ev.op, outerUse: outer, innerUse: ev.inner, outerViaTry: outer.viaTry, count: 0, fullCount: 0, sites: [] };
  if (ev.subclass !== undefined) e.subclass = ev.subclass;
  return e;
}

/** One more event of an edge, in function order (the order decides which sites are kept past MAX_SITES). */
export function addEvent(e: ObservedEdge, ev: EdgeEvent): void {
  const { outer, site } = ev;
  e.count++;
  if (site.confidence.level === 'full') e.fullCount++;
  e.outerViaTry &&= outer.viaTry;
  if (e.subclass !== undefined && ev.subclass === undefined) delete e.subclass;
  if (e.sites.length < MAX_SITES) e.sites.push(site);
  else {
    const rank = (i: number): number => (e.sites[i] ? siteRank(e.sites[i]) : 0);
    const worst = e.sites.reduce((w, _, i) => (rank(i) > rank(w) ? i : w), 0);
    if (rank(worst) > siteRank(site)) e.sites[worst] = site;
  }
}

// What String.prototype.localeCompare() with no locale compares with (ECMA-402), made once.
const FILE_ORDER = new Intl.Collator();

/** The kept sites in evidence order, once every event is counted. */
export function finishEdge(e: ObservedEdge): void {
  e.sites.sort((a, b) => siteRank(a) - siteRank(b) || FILE_ORDER.compare(a.file, b.file) || a.line - b.line);
}

/** Edges from every function's events, folded in function order (the order decides which sites are kept past MAX_SITES). */
export function foldEvents(perFunction: Iterable<readonly EdgeEvent[]>): ObservedEdge[] {
  // Edges in the order they are first seen, found by outer class, then inner class and operation
  // (nested maps of the classes as the facts spell them: no key string built per event).
  const edges: ObservedEdge[] = [];
  const byOuter = new Map<string, Map<string, ObservedEdge>>();
  for (const events of perFunction) {
    for (const ev of events) {
      let inner = byOuter.get(ev.outer.class);
      if (!inner) byOuter.set(ev.outer.class, (inner = new Map()));
      const key = ev.op === 'acquire' ? ev.inner.class : `${ev.inner.class}\u0000${ev.op}`;
      let e = inner.get(key);
      if (!e) {
        e = startEdge(ev);
        inner.set(key, e);
        edges.push(e);
      }
      addEvent(e, ev);
    }
  }
  for (const e of edges) finishEdge(e);
  return edges;
}

export function observeOrder(functions: readonly FunctionFacts[], ops: readonly COpsEntry[] = []): ObservedOrder {
  const index = new FunctionIndex(functions, ops);
  const summaries = new Summaries(index);
  const events = functions.map((fn) => eventsOf(fn, summaries));
  return { edges: foldEvents(events.map((e) => e.events)), index, summaries, events };
}
