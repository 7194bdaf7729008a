/** Helpers the rules share: documented locks, site conversion, read-read detection. */
import { edgesFor } from '../../knowledge/doc/order-graph.js';
import type { LockClass } from '../../knowledge/lock-names.js';
import type { FindingSite } from '../findings/model.js';
import type { ObservedEdge } from '../order/model.js';
import type { RuleContext } from './context.js';

export const SRCU = 'kvm->srcu';

/** Classes the document names: in an ordering statement, an SRCU rule or the lock table. */
export function documentedLocks(ctx: RuleContext): ReadonlySet<LockClass> {
  const { doc, arch } = ctx;
  // Three rules ask, for every state a review analyses, of the same document: kept per document and
  // architecture, while the document has the statements, rules and lock entries it had.
  let known = locksKnown.get(doc);
  if (!known || known.sizes.some((n, i) => n !== [doc.edges, doc.srcu, doc.locks][i]?.length)) {
    known = { sizes: [doc.edges.length, doc.srcu.length, doc.locks.length], byArch: new Map() };
    locksKnown.set(doc, known);
  }
  let out = known.byArch.get(arch);
  if (!out) {
    const set = new Set<LockClass>();
    for (const e of edgesFor(doc.edges, arch)) set.add(e.outer).add(e.inner);
    for (const r of doc.srcu) set.add(r.lock);
    for (const l of doc.locks) set.add(l.name);
    known.byArch.set(arch, (out = set));
  }
  return out;
}
const locksKnown = new WeakMap<RuleContext['doc'], { sizes: number[]; byArch: Map<string, ReadonlySet<LockClass>> }>();

export function sitesOf(e: ObservedEdge): FindingSite[] {
  return e.sites.map(findingSite);
}

/** sitesOf(e)[0], without the others. */
export function firstSiteOf(e: ObservedEdge): FindingSite | undefined {
  const s = e.sites[0];
  return s && findingSite(s);
}

const findingSite = (s: ObservedEdge['sites'][number]): FindingSite => ({ file: s.file, line: s.line, function: s.function, chain: s.chain, confidence: s.confidence });

/** Both sides only read an rwlock or rwsem: readers do not exclude each other, so no deadlock. */
export function isReadRead(e: ObservedEdge): boolean {
  return e.outerUse.mode === 'read' && e.innerUse.mode === 'read' && READ_WRITE.has(e.outerUse.kind) && READ_WRITE.has(e.innerUse.kind);
}
const READ_WRITE: ReadonlySet<string> = new Set(['rwlock', 'rwsem', 'percpu_rwsem']);

/** The observed edge from `outer` to `inner` taken by a waiting acquisition, if any. */
export function observedEdge(ctx: RuleContext, outer: LockClass, inner: LockClass, op: ObservedEdge['innerOp'] = 'acquire'): ObservedEdge | undefined {
  return ctx.observed.find((e) => e.outer === outer && e.inner === inner && e.innerOp === op);
}

/** "name() (file:line)" for messages. */
export function at(site: FindingSite | undefined): string {
  return site ? `${site.function}() (${site.file}:${site.line})` : 'an unknown site';
}

/** Classes of an edge that came from a variable's name rather than its declared type. */
export function guessedClasses(...edges: (ObservedEdge | undefined)[]): string[] {
  const out = new Set<string>();
  for (const e of edges) {
    if (e?.outerUse.guessed) out.add(e.outer);
    if (e?.innerUse.guessed) out.add(e.inner);
  }
  return [...out];
}
