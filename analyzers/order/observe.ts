/**
 * The observed lock order of a set of functions: for each pair of classes,
 * every site where the second is taken while the first is held, directly
 * or through callees, with the chain.
 */
import type { COpsEntry } from '../c/ops-tables.js';
import type { FunctionFacts, HeldLock } from '../locks/model.js';
import { FunctionIndex } from './function-index.js';
import { confidenceOf, edgeKey, MAX_SITES, siteRank, type EdgeSite, type ObservedEdge } from './model.js';
import { NO_CONTEXT } from './context.js';
import { Summaries, type Reach } from './reach.js';

export interface ObservedOrder {
  edges: ObservedEdge[];
  index: FunctionIndex;
  summaries: Summaries;
}

export function observeOrder(functions: readonly FunctionFacts[], ops: readonly COpsEntry[] = []): ObservedOrder {
  const index = new FunctionIndex(functions, ops);
  const summaries = new Summaries(index);
  const edges = new Map<string, ObservedEdge>();

  const add = (outer: HeldLock, r: Reach, site: EdgeSite): void => {
    const key = edgeKey(outer.class, r.lock.class, r.op);
    let e = edges.get(key);
    if (!e) {
      e = { outer: outer.class, inner: r.lock.class, innerOp: r.op, outerUse: outer, innerUse: r.lock, outerViaTry: outer.viaTry, count: 0, fullCount: 0, sites: [] };
      if (r.subclass !== undefined) e.subclass = r.subclass;
      edges.set(key, e);
    }
    e.count++;
    if (site.confidence.level === 'full') e.fullCount++;
    e.outerViaTry &&= outer.viaTry;
    if (e.subclass !== undefined && r.subclass === undefined) delete e.subclass;
    if (e.sites.length < MAX_SITES) e.sites.push(site);
    else {
      const rank = (i: number): number => (e?.sites[i] ? siteRank(e.sites[i]) : 0);
      const worst = e.sites.reduce((w, _, i) => (rank(i) > rank(w) ? i : w), 0);
      if (rank(worst) > siteRank(site)) e.sites[worst] = site;
    }
  };

  for (const fn of functions) {
    const ctx = summaries.enter(fn, NO_CONTEXT);
    for (const a of fn.acquires) {
      if (a.op === 'try') continue;
      const r: Reach = { lock: a.lock, op: a.op, chain: [{ function: fn.name, file: fn.file, line: a.line }], dropped: [], indirect: [], assumed: [] };
      if (a.subclass !== undefined) r.subclass = a.subclass;
      // A lock a callee released before this point is not held here (kvm_swap_active_memslots()).
      const released = summaries.releasedBefore(a, fn.file);
      for (const h of a.held) {
        if (released.includes(h.class)) continue;
        add(h, r, { file: fn.file, line: a.line, function: fn.name, chain: r.chain, outerLine: h.line, confidence: confidenceOf(r.chain, [], []) });
      }
    }
    for (const c of fn.calls) {
      if (c.held.length === 0) continue;
      const released = summaries.releasedBefore(c, fn.file);
      for (const r of summaries.reachOfCall(c, fn.file, 0, ctx).values()) {
        const chain = [{ function: fn.name, file: fn.file, line: c.line }, ...r.chain];
        const confidence = confidenceOf(chain, r.indirect, r.assumed);
        for (const h of c.held) {
          if (r.dropped.includes(h.class) || released.includes(h.class)) continue;
          add(h, r, { file: fn.file, line: c.line, function: fn.name, chain, outerLine: h.line, confidence });
        }
      }
    }
  }
  for (const e of edges.values()) e.sites.sort((a, b) => siteRank(a) - siteRank(b) || a.file.localeCompare(b.file) || a.line - b.line);
  return { edges: [...edges.values()], index, summaries };
}
