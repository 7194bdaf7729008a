/**
 * "The code this week": the observed edges between documented locks that a
 * commit added or removed, from the observed order before and after it.
 * Pure. An edge is its classes and how the inner lock is taken; it is
 * described by its first site (full-confidence first) in the tree where it
 * exists: the new tree for an addition, the old one for a removal.
 */
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import type { LockClass } from '../../knowledge/lock-names.js';
import { edgeKey, isBlocking, siteRank, type EdgeSite, type ObservedEdge } from '../order/model.js';
import type { CodeState } from './drift.js';
import type { CodeEdgeChange } from './model.js';

interface MergedEdge {
  edge: ObservedEdge;
  site: EdgeSite;
  fullCount: number;
  archs: string[];
}

/** Classes the document names anywhere: an ordering or SRCU rule, or the lock table. */
export function namedLocks(doc: DocumentedOrder): Set<LockClass> {
  const out = new Set<LockClass>();
  for (const e of doc.edges) out.add(e.outer).add(e.inner);
  for (const r of doc.srcu) out.add(r.lock);
  for (const l of doc.locks) out.add(l.name);
  return out;
}

function merged(code: CodeState, named: Set<LockClass>): Map<string, MergedEdge> {
  const out = new Map<string, MergedEdge>();
  for (const arch of code.archs) {
    for (const e of code.edges.get(arch) ?? []) {
      if (e.outer === e.inner || !isBlocking(e) || !named.has(e.outer) || !named.has(e.inner)) continue;
      const site = [...e.sites].sort((a, b) => siteRank(a) - siteRank(b))[0];
      if (!site) continue;
      const key = edgeKey(e.outer, e.inner, e.innerOp);
      const m = out.get(key);
      if (!m) {
        out.set(key, { edge: e, site, fullCount: e.fullCount, archs: [arch] });
        continue;
      }
      m.archs.push(arch);
      if (siteRank(site) < siteRank(m.site)) m.site = site;
      m.fullCount = Math.max(m.fullCount, e.fullCount);
    }
  }
  return out;
}

function change(kind: CodeEdgeChange['change'], m: MergedEdge): CodeEdgeChange {
  return {
    change: kind,
    outer: m.edge.outer,
    inner: m.edge.inner,
    innerOp: m.edge.innerOp,
    function: m.site.function,
    file: m.site.file,
    line: m.site.line,
    chain: m.site.chain,
    confidence: m.fullCount > 0 ? 'full' : 'conditional',
    archs: [...m.archs].sort(),
  };
}

/** Edges between locks `doc` names, added and removed from `before` to `after` (null: no KVM code). */
export function diffEdges(before: CodeState | null, after: CodeState | null, doc: DocumentedOrder | null): CodeEdgeChange[] {
  if (!doc) return [];
  const named = namedLocks(doc);
  const old = before ? merged(before, named) : new Map<string, MergedEdge>();
  const now = after ? merged(after, named) : new Map<string, MergedEdge>();
  const out: CodeEdgeChange[] = [];
  for (const [k, m] of now) if (!old.has(k)) out.push(change('added', m));
  for (const [k, m] of old) if (!now.has(k)) out.push(change('removed', m));
  return out.sort((a, b) => a.change.localeCompare(b.change) || a.outer.localeCompare(b.outer) || a.inner.localeCompare(b.inner));
}
