/** Helpers the rules share: documented locks, site conversion, read-read detection. */
import { entryDocumentsFor } from '../../knowledge/doc/lock-scope.js';
import { edgesFor } from '../../knowledge/doc/order-graph.js';
import type { LockClass } from '../../knowledge/lock-names.js';
import type { FindingSite } from '../findings/model.js';
import { edgeKey, type ObservedEdge } from '../order/model.js';
import type { RuleContext } from './context.js';

export const SRCU = 'kvm->srcu';

/**
 * Classes the document names for `ctx.arch`'s build: in an ordering statement, an SRCU rule or a
 * lock-table entry that is generic or that architecture's. A lock named only under "On x86:" or in an
 * entry with `:Arch: x86` is one the document gives x86 alone (lock-scope.ts): arm64 code taking it
 * takes a lock locking.rst does not document for arm64.
 */
export function documentedLocks(ctx: RuleContext): ReadonlySet<LockClass> {
  // Three rules ask, for every state a review analyses, of the same document: kept per document and architecture.
  const { doc, arch } = ctx;
  const known = docToken(doc);
  let out = known.byArch.get(arch);
  if (!out) {
    const set = new Set<LockClass>();
    for (const e of edgesFor(doc.edges, arch)) set.add(e.outer).add(e.inner);
    for (const r of doc.srcu) if (r.arch === null || arch === 'all' || r.arch === arch) set.add(r.lock);
    for (const l of doc.locks) if (entryDocumentsFor(l, arch)) set.add(l.name);
    known.byArch.set(arch, (out = set));
  }
  return out;
}

/**
 * What is kept of a documented order: one object while the document has the statements, SRCU rules
 * and lock entries it had (a document is read whole before the rules run; the sizes make sure).
 */
function docToken(doc: RuleContext['doc']): DocKept {
  let known = docsKnown.get(doc);
  if (!known || known.sizes[0] !== doc.edges.length || known.sizes[1] !== doc.srcu.length || known.sizes[2] !== doc.locks.length) {
    known = { sizes: [doc.edges.length, doc.srcu.length, doc.locks.length], byArch: new Map(), answers: new Map() };
    docsKnown.set(doc, known);
  }
  return known;
}
interface DocKept {
  sizes: number[];
  /** documentedLocks() per architecture. */
  byArch: Map<string, ReadonlySet<LockClass>>;
  /** lastAnswer() per rule and architecture. */
  answers: Map<string, { reads: readonly unknown[]; value: unknown }>;
}
const docsKnown = new WeakMap<RuleContext['doc'], DocKept>();

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

/** The observed edge from `outer` to `inner` taken by a waiting acquisition, if any (the first, as a search of ctx.observed finds it). */
export function observedEdge(ctx: RuleContext, outer: LockClass, inner: LockClass, op: ObservedEdge['innerOp'] = 'acquire'): ObservedEdge | undefined {
  // A few questions per list are answered by a search; past those, the edges are indexed once per list
  // (again if the list grew), the first edge of each key kept as a search finds it.
  let known = edgeIndexes.get(ctx.observed);
  if (!known || known.length !== ctx.observed.length) edgeIndexes.set(ctx.observed, (known = { length: ctx.observed.length, asked: 0 }));
  if (!known.index && ++known.asked <= SEARCHED) return ctx.observed.find((e) => e.outer === outer && e.inner === inner && e.innerOp === op);
  if (!known.index) {
    const index = new Map<string, ObservedEdge>();
    for (const e of ctx.observed) {
      const k = edgeKey(e.outer, e.inner, e.innerOp);
      if (!index.has(k)) index.set(k, e);
    }
    known.index = index;
  }
  return known.index.get(edgeKey(outer, inner, op));
}
const SEARCHED = 8;
const edgeIndexes = new WeakMap<readonly ObservedEdge[], { length: number; asked: number; index?: Map<string, ObservedEdge> }>();

/**
 * A rule's answer for one edge, kept with the edge: an incremental observe shares with the state
 * before every edge none of whose events the patch changed (order/incremental.ts), and no stage
 * changes an edge once folded. The answer is computed from the edge, the documented order, the
 * architecture and `reads` (the other edges it looks at, or anything else it depends on); it is
 * the kept one only when all of those are the same objects as when it was computed.
 */
export function perEdge<T>(rule: string, ctx: RuleContext, e: ObservedEdge, reads: readonly unknown[], compute: () => T): T {
  let byRule = answersKnown.get(e);
  if (!byRule) answersKnown.set(e, (byRule = new Map()));
  const had = byRule.get(rule);
  const doc = docToken(ctx.doc);
  if (had && had.doc === doc && had.arch === ctx.arch && had.reads.length === reads.length && had.reads.every((r, i) => r === reads[i])) return had.value as T;
  const value = compute();
  byRule.set(rule, { doc, arch: ctx.arch, reads, value });
  return value;
}
const answersKnown = new WeakMap<ObservedEdge, Map<string, { doc: object; arch: string; reads: readonly unknown[]; value: unknown }>>();

/**
 * A rule's answer computed from the documented order, the architecture and `reads` alone (the edges it
 * looks at, in order, or values standing for what else it depends on): the last answer for that rule,
 * document and architecture is given again while every one of `reads` is the same as then.
 */
export function lastAnswer<T>(rule: string, ctx: RuleContext, reads: readonly unknown[], compute: () => T): T {
  const doc = docToken(ctx.doc);
  const key = `${rule}\u0000${ctx.arch}`;
  const had = doc.answers.get(key);
  if (had && had.reads.length === reads.length && had.reads.every((r, i) => r === reads[i])) return had.value as T;
  const value = compute();
  doc.answers.set(key, { reads, value });
  return value;
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
