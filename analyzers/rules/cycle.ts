/**
 * cycle: the documented and observed orders together are cyclic through at
 * least two observed edges (one observed edge against the document is an
 * order-inversion). One cycle is shown per strongly connected component.
 */
import { edgesFor, findCycles, orderPath } from '../../knowledge/doc/order-graph.js';
import type { LockClass } from '../../knowledge/lock-names.js';
import type { CycleLink, RawFinding } from '../findings/model.js';
import { isBlocking, type ObservedEdge } from '../order/model.js';
import type { RuleContext } from './context.js';
import { firstSiteOf, isReadRead, lastAnswer } from './shared.js';

interface Link extends CycleLink {
  outer: LockClass;
  inner: LockClass;
}

export function cycle(ctx: RuleContext): RawFinding[] {
  // The answer is made of the observed links alone (each edge's classes, operation and first site) and
  // the document: the same for every state of a series whose patch leaves them as they were (an
  // incremental observe shares the edges and sites it did not touch), given again then, the same objects.
  const observed = ctx.observed.filter((e) => e.outer !== e.inner && isBlocking(e) && !isReadRead(e));
  const reads: unknown[] = [];
  for (const e of observed) reads.push(e.outer, e.inner, e.innerOp, e.sites[0]);
  return [...lastAnswer('cycle', ctx, reads, () => cycles(ctx, observed))];
}

function cycles(ctx: RuleContext, observed: readonly ObservedEdge[]): RawFinding[] {
  const links: Link[] = [];
  for (const d of edgesFor(ctx.doc.edges, ctx.arch)) {
    if (d.outer !== d.inner) links.push({ outer: d.outer, inner: d.inner, source: 'documented', rule: { line: d.line, text: d.text } });
  }
  for (const e of observed) {
    const link: Link = { outer: e.outer, inner: e.inner, source: 'observed' };
    const site = firstSiteOf(e);
    if (site) link.site = site;
    if (e.innerOp === 'sync') link.sync = true;
    links.push(link);
  }
  // Prefer observed links: sort them first so the cycle search walks code before prose.
  links.sort((a, b) => (a.source === b.source ? 0 : a.source === 'observed' ? -1 : 1));
  const out: RawFinding[] = [];
  for (const c of findCycles(links)) {
    if (c.filter((l) => l.source === 'observed').length < 2) continue;
    // synchronize_srcu() under X plus X inside a reader is the srcu-violation rule's finding;
    // A -> B in code against a documented B before A is order-inversion's.
    if (c.length === 2 && c.some((l) => l.sync)) continue;
    if (c.length === 2 && c.some((l) => orderPath(ctx.doc.edges, l.outer, l.inner, ctx.arch))) continue;
    const names = [...c.map((l) => l.outer), c[0]?.outer ?? ''];
    const docs = c.filter((l) => l.source === 'documented').map((l) => l.rule).filter((r) => r !== undefined);
    out.push({
      outer: c[0]?.outer ?? null,
      inner: c[0]?.inner ?? null,
      message: `possible circular locking dependency: ${names.join(' -> ')}`,
      rule: docs[0] ?? null,
      rulePath: docs,
      sites: c.flatMap((l) => (l.site ? [l.site] : [])),
      cycle: c,
      suggestion: 'pick the order the document (or most sites) uses and change the sites that take it the other way; a leaf lock can break the cycle',
      arch: ctx.arch,
    });
  }
  return out;
}
