/**
 * order-inversion: the code takes B while holding A, and the documented
 * order puts B before A, directly or through a path of statements.
 */
import { isOrderedBefore, orderPath } from '../../knowledge/doc/order-graph.js';
import type { RawFinding } from '../findings/model.js';
import { isBlocking, type ObservedEdge } from '../order/model.js';
import type { RuleContext } from './context.js';
import { at, isReadRead, observedEdge, perEdge, sitesOf, SRCU, guessedClasses } from './shared.js';

export function orderInversion(ctx: RuleContext): RawFinding[] {
  const out: RawFinding[] = [];
  for (const e of ctx.observed) {
    if (e.outer === e.inner || !isBlocking(e) || isReadRead(e)) continue;
    // Edges into or out of kvm->srcu are the srcu-violation rule's.
    if (e.outer === SRCU || e.inner === SRCU) continue;
    // Most edges the document does not order the other way: asked first, of the paths kept per document.
    if (!isOrderedBefore(ctx.doc.edges, e.inner, e.outer, ctx.arch)) continue;
    // A document that orders the two locks both ways (2024's "cpus_read_lock() is taken outside
    // kvm_usage_lock" next to "kvm_usage_lock is taken outside cpus_read_lock()") contradicts
    // itself: the code follows one of its statements and cannot follow both, so telling it to
    // take them the other way round is wrong. The contradiction is the document's (doc-conflict,
    // the cycle `doc` reports), not this code's.
    if (isOrderedBefore(ctx.doc.edges, e.outer, e.inner, ctx.arch)) continue;
    const reverse = observedEdge(ctx, e.inner, e.outer);
    const raw = perEdge('order-inversion', ctx, e, [reverse], () => inversion(ctx, e, reverse));
    if (raw) out.push(raw);
  }
  return out;
}

/** The finding on one edge: what the rule says of it, given its reverse in the code. */
function inversion(ctx: RuleContext, e: ObservedEdge, reverse: ObservedEdge | undefined): RawFinding | null {
  const path = orderPath(ctx.doc.edges, e.inner, e.outer, ctx.arch);
  if (!path) return null;
  const quotes = path.map((p) => ({ line: p.line, text: p.text }));
  const sites = sitesOf(e);
  const via = path.length > 1 ? ` (through ${path.map((p) => p.inner).slice(0, -1).join(' -> ')})` : '';
  return {
    outer: e.outer,
    inner: e.inner,
    message: `${e.inner} is taken inside ${e.outer} at ${at(sites[0])}; the documented order is ${e.inner} outside ${e.outer}${via}`,
    rule: quotes[0] ?? null,
    rulePath: quotes,
    sites,
    evidence: {
      against: { count: e.count, sites },
      agreeing: { count: reverse?.count ?? 0, sites: reverse ? sitesOf(reverse) : [] },
    },
    cycle: [
      { outer: e.outer, inner: e.inner, source: 'observed', ...(sites[0] ? { site: sites[0] } : {}) },
      ...path.map((p) => ({ outer: p.outer, inner: p.inner, source: 'documented' as const, rule: { line: p.line, text: p.text } })),
    ],
    suggestion: `take ${e.inner} before ${e.outer}, or drop ${e.outer} before the call that takes ${e.inner}`,
    arch: ctx.arch,
    guessed: guessedClasses(e),
  };
}
