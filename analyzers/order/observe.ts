/**
 * The observed lock order of a set of functions: for each pair of classes,
 * every site where the second is taken while the first is held, directly
 * or through callees, with the chain.
 */
import type { COpsEntry } from '../c/ops-tables.js';
import type { FunctionFacts, HeldLock } from '../locks/model.js';
import { FunctionIndex } from './function-index.js';
import { edgeKey, MAX_SITES, type EdgeSite, type ObservedEdge } from './model.js';
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
      e = { outer: outer.class, inner: r.lock.class, innerOp: r.op, outerUse: outer, innerUse: r.lock, outerViaTry: outer.viaTry, count: 0, sites: [] };
      if (r.subclass !== undefined) e.subclass = r.subclass;
      edges.set(key, e);
    }
    e.count++;
    e.outerViaTry &&= outer.viaTry;
    if (e.subclass !== undefined && r.subclass === undefined) delete e.subclass;
    if (e.sites.length < MAX_SITES) e.sites.push(site);
    else {
      const worst = e.sites.reduce((w, s, i) => (s.chain.length > (e?.sites[w]?.chain.length ?? 0) ? i : w), 0);
      if ((e.sites[worst]?.chain.length ?? 0) > site.chain.length) e.sites[worst] = site;
    }
  };

  for (const fn of functions) {
    for (const a of fn.acquires) {
      if (a.op === 'try') continue;
      const r: Reach = { lock: a.lock, op: a.op, chain: [{ function: fn.name, file: fn.file, line: a.line }], dropped: [] };
      if (a.subclass !== undefined) r.subclass = a.subclass;
      for (const h of a.held) add(h, r, { file: fn.file, line: a.line, function: fn.name, chain: r.chain, outerLine: h.line });
    }
    for (const c of fn.calls) {
      if (c.held.length === 0) continue;
      for (const r of summaries.reachOfCall(c.callee, fn.file).values()) {
        const chain = [{ function: fn.name, file: fn.file, line: c.line }, ...r.chain];
        for (const h of c.held) {
          if (r.dropped.includes(h.class)) continue;
          add(h, r, { file: fn.file, line: c.line, function: fn.name, chain, outerLine: h.line });
        }
      }
    }
  }
  for (const e of edges.values()) e.sites.sort((a, b) => a.chain.length - b.chain.length || a.file.localeCompare(b.file) || a.line - b.line);
  return { edges: [...edges.values()], index, summaries };
}
