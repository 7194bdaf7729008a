/**
 * The rules keep their answer for an edge with the edge (perEdge(),
 * rules/shared.ts): a state observed incrementally shares the edges the
 * patch did not touch with the state before. A kept answer must be given
 * only while everything it was computed from is what it was: the edge,
 * the documented order, the architecture and the other edges it reads (an
 * inversion's reverse, the synchronize_srcu() under a lock). Each case
 * runs the rules on a list that shares an edge with an earlier list and
 * compares with a run on fresh copies of the same edges.
 */
import { describe, expect, it } from '@jest/globals';
import type { Finding } from '../../analyzers/findings/model.js';
import type { ObservedEdge } from '../../analyzers/order/model.js';
import { runRules } from '../../analyzers/rules/index.js';
import { observedEdge } from '../../analyzers/rules/shared.js';
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import { doc, edge } from '../rules/harness.js';

const D24 = doc('24');
const D1 = doc('1');

function run(d: DocumentedOrder, observed: ObservedEdge[], arch = 'x86'): Finding[] {
  return runRules({ doc: d, observed, arch, codeClasses: new Set(observed.flatMap((e) => [e.outer, e.inner])) });
}

/** The same findings as on fresh copies of the edges (nothing kept can answer for them). */
function expectFresh(d: DocumentedOrder, observed: ObservedEdge[], arch = 'x86'): Finding[] {
  const got = run(d, observed, arch);
  expect(got).toEqual(run(d, structuredClone(observed), arch));
  return got;
}

const withCount = (spec: string, count: number): ObservedEdge => ({ ...edge(spec), count, fullCount: count });

describe('answers kept with an edge', () => {
  it('an inversion whose reverse edge is another object, with other counts, says so', () => {
    const inv = edge('vcpu->mutex -> kvm->lock');
    const first = expectFresh(D24, [inv, withCount('kvm->lock -> vcpu->mutex', 2)]);
    const second = expectFresh(D24, [inv, withCount('kvm->lock -> vcpu->mutex', 5)]);
    const agreeing = (fs: Finding[]): number | undefined => fs.find((f) => f.kind === 'order-inversion')?.evidence?.agreeing.count;
    expect([agreeing(first), agreeing(second)]).toEqual([2, 5]);
    // Without the reverse edge, none agrees.
    expect(agreeing(expectFresh(D24, [inv]))).toBe(0);
  });

  it('a lock taken in a reader, with and then without a synchronize_srcu() under it in the code', () => {
    // A lock the document says nothing of: the code alone makes the finding.
    const reader = edge('kvm->srcu -> demo_lock');
    const sync = edge('demo_lock -> sync(kvm->srcu)');
    const srcu = (fs: Finding[]): string[] => fs.filter((f) => f.kind === 'srcu-violation').map((f) => f.message);
    expect(srcu(expectFresh(D24, [reader, sync])).length).toBe(1);
    expect(srcu(expectFresh(D24, [reader]))).toEqual([]);
    // A documented one: the finding stands either way, its agreeing evidence is the code's.
    const documented = edge('kvm->srcu -> kvm->lock');
    const agreeing = (fs: Finding[]): number[] => fs.filter((f) => f.kind === 'srcu-violation').map((f) => f.evidence?.agreeing.count ?? -1);
    expect(agreeing(expectFresh(D24, [documented, edge('kvm->lock -> sync(kvm->srcu)')]))).toEqual([1]);
    expect(agreeing(expectFresh(D24, [documented]))).toEqual([0]);
  });

  it('the same edge against another document and another architecture', () => {
    const e = edge('kvm->slots_lock -> kvm->lock');
    const a = expectFresh(D24, [e]);
    const b = expectFresh(D1, [e]);
    const c = expectFresh(D24, [e], 'arm64');
    expect(a.map((f) => f.arch)).not.toEqual(c.map((f) => f.arch));
    expect(a.length + b.length).toBeGreaterThan(0);
  });

  it('a finding a caller changes is its own: the next run on the same edge does not carry the change', () => {
    const e = edge('vcpu->mutex -> kvm->lock');
    const first = run(D24, [e]);
    expect(first.length).toBeGreaterThan(0);
    for (const f of first) f.note = 'set by a caller';
    expect(run(D24, [e]).map((f) => f.note)).toEqual(run(D24, structuredClone([e])).map((f) => f.note));
    expect(run(D24, [e]).some((f) => f.note === 'set by a caller')).toBe(false);
  });

  it('the edge a search of the list finds, asked a few times or many (the list then indexed), and after the list grew', () => {
    const observed = [edge('a -> b'), withCount('a -> b', 7), edge('b -> a'), edge('a -> sync(kvm->srcu)'), ...Array.from({ length: 20 }, (_, i) => edge(`x${i} -> y${i}`))];
    const ctx = { doc: D24, observed, arch: 'x86', codeClasses: new Set<string>() };
    const search = (o: string, i: string, op: ObservedEdge['innerOp'] = 'acquire'): ObservedEdge | undefined => observed.find((e) => e.outer === o && e.inner === i && e.innerOp === op);
    for (let round = 0; round < 3; round++) {
      for (const [o, i, op] of [['a', 'b'], ['b', 'a'], ['a', 'kvm->srcu', 'sync'], ['a', 'kvm->srcu'], ['y3', 'x3'], ['x3', 'y3']] as const) {
        expect(observedEdge(ctx, o, i, op)).toBe(search(o, i, op));
      }
    }
    observed.push(edge('c -> d'));
    expect(observedEdge(ctx, 'c', 'd')).toBe(observed[observed.length - 1]);
    expect(observedEdge(ctx, 'a', 'b')?.count).toBe(1);
  });

  it('a leaf: the same edges inside it give the kept answer, another edge or another count a new one', () => {
    const leaf = (fs: Finding[]): string[] => fs.filter((f) => f.kind === 'leaf-violation').map((f) => f.message);
    const inside = edge('kvm->irq_lock -> kvm->lock');
    const other = edge('vcpu->mutex -> kvm->lock');
    const first = leaf(expectFresh(D24, [inside, other]));
    expect(first.length).toBeGreaterThan(0);
    expect(leaf(expectFresh(D24, [inside, other]))).toEqual(first);
    expect(leaf(expectFresh(D24, [withCount('kvm->irq_lock -> kvm->lock', 4), other]))).not.toEqual(first);
    expect(leaf(expectFresh(D24, [inside, edge('kvm->irq_lock -> kvm->slots_lock'), other]))).not.toEqual(first);
    expect(leaf(expectFresh(D24, [other]))).toEqual([]);
  });

  it('doc-stale follows the classes the code uses, state after state', () => {
    const stale = (classes: string[]): string[] =>
      runRules({ doc: D24, observed: [], arch: 'x86', codeClasses: new Set(classes) })
        .filter((f) => f.kind === 'doc-stale')
        .map((f) => f.outer ?? '');
    const none = stale([]);
    expect(none).toContain('kvm->lock');
    expect(stale(['kvm->lock'])).toEqual(none.filter((l) => l !== 'kvm->lock'));
    expect(stale([])).toEqual(none);
  });

  it('severities configured differently on the same kept answer', () => {
    const e = edge('vcpu->mutex -> kvm->lock');
    const plain = runRules({ doc: D24, observed: [e], arch: 'x86', codeClasses: new Set() });
    const lowered = runRules({ doc: D24, observed: [e], arch: 'x86', codeClasses: new Set() }, { 'order-inversion': 'info' });
    const inv = (fs: Finding[]): string | undefined => fs.find((f) => f.kind === 'order-inversion')?.severity;
    expect([inv(plain), inv(lowered)]).toEqual(['error', 'info']);
  });
});
