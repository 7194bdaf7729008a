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

/** A link of a cycle found, before its site is attached: an observed one says which edge (index in the rule's list) it is. */
interface Found {
  link: Link;
  edge?: number;
}

export function cycle(ctx: RuleContext): RawFinding[] {
  const observed = ctx.observed.filter((e) => e.outer !== e.inner && isBlocking(e) && !isReadRead(e));
  // Which cycles there are depends on the document and each observed link's classes and operation
  // alone (not on its site): the same for every state of a series whose patch leaves them as they
  // were, found again only when they change. The findings then depend on the first site of each
  // edge in a cycle: made again only when one of those changed (an incremental observe shares the
  // edges, and the events, it did not touch), else the same objects as the state before's.
  const shape: unknown[] = [];
  for (const e of observed) shape.push(e.outer, e.inner, e.innerOp);
  const found = lastAnswer('cycle', ctx, shape, () => cyclesIn(ctx, observed));
  const reads: unknown[] = [found];
  for (const c of found) for (const f of c) if (f.edge !== undefined) reads.push((observed[f.edge] as ObservedEdge).sites[0]);
  return [...lastAnswer('cycle-findings', ctx, reads, () => findingsOf(ctx, found, observed))];
}

function cyclesIn(ctx: RuleContext, observed: readonly ObservedEdge[]): Found[][] {
  const links: Found[] = [];
  for (const d of edgesFor(ctx.doc.edges, ctx.arch)) {
    if (d.outer !== d.inner) links.push({ link: { outer: d.outer, inner: d.inner, source: 'documented', rule: { line: d.line, text: d.text } } });
  }
  for (const [i, e] of observed.entries()) {
    const link: Link = { outer: e.outer, inner: e.inner, source: 'observed' };
    if (e.innerOp === 'sync') link.sync = true;
    links.push({ link, edge: i });
  }
  // Prefer observed links: sort them first so the cycle search walks code before prose.
  links.sort((a, b) => (a.link.source === b.link.source ? 0 : a.link.source === 'observed' ? -1 : 1));
  const out: Found[][] = [];
  for (const c of findCycles(links.map((f) => ({ outer: f.link.outer, inner: f.link.inner, found: f })))) {
    const cyc = c.map((x) => x.found);
    const ls = cyc.map((f) => f.link);
    if (ls.filter((l) => l.source === 'observed').length < 2) continue;
    // synchronize_srcu() under X plus X inside a reader is the srcu-violation rule's finding;
    // A -> B in code against a documented B before A is order-inversion's.
    if (ls.length === 2 && ls.some((l) => l.sync)) continue;
    if (ls.length === 2 && ls.some((l) => orderPath(ctx.doc.edges, l.outer, l.inner, ctx.arch))) continue;
    out.push(cyc);
  }
  return out;
}

function findingsOf(ctx: RuleContext, found: readonly Found[][], observed: readonly ObservedEdge[]): RawFinding[] {
  const out: RawFinding[] = [];
  for (const cyc of found) {
    const c: Link[] = cyc.map((f) => {
      if (f.edge === undefined) return { ...f.link };
      // The link as the rule always made it: classes and source, then its site, then sync.
      const link: Link = { outer: f.link.outer, inner: f.link.inner, source: 'observed' };
      const site = firstSiteOf(observed[f.edge] as ObservedEdge);
      if (site) link.site = site;
      if (f.link.sync) link.sync = true;
      return link;
    });
    out.push(cycleFinding(c, ctx.arch));
  }
  return out;
}

/** The finding for cycle `c` (its links in order, the first's outer class where it closes). */
export function cycleFinding(c: Link[], arch: string): RawFinding {
  const names = [...c.map((l) => l.outer), c[0]?.outer ?? ''];
  const docs = c.filter((l) => l.source === 'documented').map((l) => l.rule).filter((r) => r !== undefined);
  return {
    outer: c[0]?.outer ?? null,
    inner: c[0]?.inner ?? null,
    message: `possible circular locking dependency: ${names.join(' -> ')}`,
    rule: docs[0] ?? null,
    rulePath: docs,
    sites: c.flatMap((l) => (l.site ? [l.site] : [])),
    cycle: c,
    suggestion: 'pick the order the document (or most sites) uses and change the sites that take it the other way; a leaf lock can break the cycle',
    arch,
  };
}
