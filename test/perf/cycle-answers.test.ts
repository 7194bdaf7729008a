/**
 * The cycle rule keeps which cycles there are while the observed links'
 * classes and operations are as they were, and its findings while the
 * first site of each edge in a cycle is the same object (an incremental
 * observe shares the edges, and the events, a patch did not touch). Through
 * a sequence of states sharing edge objects as a series does (a site moved,
 * an edge replaced, a link gone, a sync link), its answer must be the one
 * the rule computed afresh from every edge gives, and the same objects
 * where nothing it reads changed.
 */
import { describe, expect, it } from '@jest/globals';
import type { CycleLink, RawFinding } from '../../analyzers/findings/model.js';
import { isBlocking, type ObservedEdge } from '../../analyzers/order/model.js';
import { cycle, cycleFinding } from '../../analyzers/rules/cycle.js';
import type { RuleContext } from '../../analyzers/rules/context.js';
import { firstSiteOf, isReadRead } from '../../analyzers/rules/shared.js';
import { edgesFor, findCycles, orderPath } from '../../knowledge/doc/order-graph.js';
import { doc, edge } from '../rules/harness.js';

/** The rule as it reads every edge each time: links with their sites, then the cycle search. */
function afresh(ctx: RuleContext): RawFinding[] {
  type Link = CycleLink & { outer: string; inner: string };
  const links: Link[] = [];
  for (const d of edgesFor(ctx.doc.edges, ctx.arch)) if (d.outer !== d.inner) links.push({ outer: d.outer, inner: d.inner, source: 'documented', rule: { line: d.line, text: d.text } });
  for (const e of ctx.observed) {
    if (e.outer === e.inner || !isBlocking(e) || isReadRead(e)) continue;
    const link: Link = { outer: e.outer, inner: e.inner, source: 'observed' };
    const site = firstSiteOf(e);
    if (site) link.site = site;
    if (e.innerOp === 'sync') link.sync = true;
    links.push(link);
  }
  links.sort((a, b) => (a.source === b.source ? 0 : a.source === 'observed' ? -1 : 1));
  const out: RawFinding[] = [];
  for (const c of findCycles(links)) {
    if (c.filter((l) => l.source === 'observed').length < 2) continue;
    if (c.length === 2 && c.some((l) => l.sync)) continue;
    if (c.length === 2 && c.some((l) => orderPath(ctx.doc.edges, l.outer, l.inner, ctx.arch))) continue;
    // The finding's wording is the rule's own; what is checked is which cycles, links and sites.
    out.push(cycleFinding(c, ctx.arch));
  }
  return out;
}

/** The edge with its first site moved down `by` lines (new site objects, as moved events make). */
function moved(e: ObservedEdge, by: number): ObservedEdge {
  return { ...e, sites: e.sites.map((s) => ({ ...s, line: s.line + by, chain: s.chain.map((c) => ({ ...c, line: c.line + by })) })) };
}

describe('cycle answers kept across states that share edges', () => {
  it('equal the rule computed afresh, and are the same objects where nothing read changed', () => {
    const d = doc('24');
    const a = edge('kvm->arch.a_lock -> kvm->arch.b_lock@arch/x86/kvm/a.c:fa:1');
    const b = edge('kvm->arch.b_lock -> kvm->arch.c_lock@arch/x86/kvm/b.c:fb:2');
    const c = edge('kvm->arch.c_lock -> kvm->arch.a_lock@arch/x86/kvm/c.c:fc:1');
    const u1 = edge('kvm_lock -> kvm->arch.d_lock@virt/kvm/u.c:fu:1');
    const u2 = edge('kvm->arch.d_lock -> kvm_usage_lock@virt/kvm/v.c:fv:3');
    const other = edge('kvm->lock -> vcpu->mutex');
    const sync = edge('kvm->arch.e_lock -> sync(kvm->srcu)');
    const states: ObservedEdge[][] = [
      [other, a, b, c, u1, u2],
      // A site of an edge in a cycle moved: the cycles are the same, the finding's site is the new one.
      [other, a, moved(b, 3), c, u1, u2],
      // An edge outside every cycle replaced: nothing the answer reads changed.
      [moved(other, 7), a, moved(b, 3), c, u1, u2],
      // A link of the first cycle gone.
      [other, a, c, u1, u2],
      // Back, and a sync link besides.
      [other, a, b, c, u1, u2, sync],
    ];
    // States 1 and 2 share b's moved copy, as consecutive states of a series share edges.
    const shared = states[1]?.[2] as ObservedEdge;
    (states[2] as ObservedEdge[])[2] = shared;
    let last: RawFinding[] | null = null;
    const counts: number[] = [];
    for (const [i, observed] of states.entries()) {
      const ctx: RuleContext = { doc: d, observed, arch: 'x86', codeClasses: new Set() };
      const got = cycle(ctx);
      expect({ i, got }).toEqual({ i, got: afresh(ctx) });
      counts.push(got.length);
      if (i === 2) expect(got.every((f, k) => f === last?.[k])).toBe(true);
      if (i === 1) expect(got.some((f) => f.sites.some((s) => s.file === 'arch/x86/kvm/b.c' && s.line === 13))).toBe(true);
      last = got;
    }
    // The cases were exercised: two cycles, then one fewer when a link went.
    expect(counts[0]).toBe(2);
    expect(counts[3]).toBe(1);
  });
});
