/**
 * Error findings rest on full-confidence sites (issue 10 §2): a finding
 * whose only evidence went through a reference-count put is a warning that
 * says what it assumed; one full site among conditional ones keeps the error.
 */
import { describe, expect, it } from '@jest/globals';
import type { ObservedEdge } from '../../analyzers/order/model.js';
import type { Finding } from '../../analyzers/findings/model.js';
import { runRules } from '../../analyzers/rules/index.js';
import { findingLines } from '../../bot/render/findings/finding-text.js';
import { doc, edge } from '../rules/harness.js';

const D24 = doc('24');
const PUT = 'kvm_put_kvm() drops the last reference and calls kvm_destroy_vm() (test)';

/** The harness's edge, its one site made conditional (reached through a put). */
function throughPut(spec: string): ObservedEdge {
  const e = edge(spec);
  for (const s of e.sites) s.confidence = { ...s.confidence, level: 'conditional', assumed: [PUT] };
  e.fullCount = 0;
  return e;
}

const run = (observed: ObservedEdge[]) => runRules({ doc: D24, observed, arch: 'x86', codeClasses: new Set(observed.flatMap((e) => [e.outer, e.inner])) });

describe('severity from confidence', () => {
  it('an inversion seen only through a put is a warning naming the assumption', () => {
    const [f] = run([throughPut('vcpu->mutex -> kvm->lock')]).filter((x) => x.kind === 'order-inversion');
    expect(f?.severity).toBe('warning');
    expect(f?.note).toContain(PUT);
    expect(f?.sites[0]?.confidence?.level).toBe('conditional');
  });

  it('the same inversion with a full-confidence site as well stays an error', () => {
    const e = throughPut('vcpu->mutex -> kvm->lock');
    const full = edge('vcpu->mutex -> kvm->lock @virt/kvm/y.c:direct_fn:1');
    e.sites = [...full.sites, ...e.sites];
    e.fullCount = 1;
    const [f] = run([e]).filter((x) => x.kind === 'order-inversion');
    expect(f?.severity).toBe('error');
    expect(f?.note).toBeUndefined();
  });

  it('a cycle with one conditional observed link is a warning', () => {
    const ab = 'kvm->arch.a_lock -> kvm->arch.b_lock';
    const bc = 'kvm->arch.b_lock -> kvm->arch.c_lock';
    const ca = 'kvm->arch.c_lock -> kvm->arch.a_lock';
    const cycles = run([edge(ab), edge(bc), throughPut(ca)]).filter((x) => x.kind === 'cycle');
    expect(cycles.map((c) => c.severity)).toEqual(['warning']);
    expect(cycles[0]?.note).toContain(PUT);
    const full = run([edge(ab), edge(bc), edge(ca)]).filter((x) => x.kind === 'cycle');
    expect(full.map((c) => c.severity)).toEqual(['error']);
  });
});

describe('undocumented orders count what the code provably does', () => {
  // Before its 2026 revision the document did not order vcpu->mutex and kvm->slots_lock.
  const D21 = doc('21');
  const SLOTS = 'vcpu->mutex -> kvm->slots_lock';
  const run = (observed: ObservedEdge[]) => runRules({ doc: D21, observed, arch: 'x86', codeClasses: new Set(observed.flatMap((e) => [e.outer, e.inner])) });

  it('an order seen only through a put is reported, its sites said to rest on an assumption, with the assumption in the note', () => {
    const [f] = run([throughPut(SLOTS)]).filter((x) => x.kind === 'undocumented-order');
    expect(f?.message).toMatch(/^kvm->slots_lock is taken inside vcpu->mutex at 1 site resting on an assumption, e\.g\. /);
    expect(f?.note).toContain(PUT);
    expect(f?.evidence?.against).toMatchObject({ count: 1, assumed: 1 });
    expect(findingLines(f as Finding).find((l) => l.includes('evidence:'))).toContain('1 site takes kvm->slots_lock inside vcpu->mutex (');
    expect(findingLines(f as Finding).find((l) => l.includes('evidence:'))).toContain('), resting on an assumption; none take');
  });

  it('counts full-confidence sites, and the conditional ones apart', () => {
    const e = throughPut(SLOTS);
    const full = edge(`${SLOTS} @virt/kvm/y.c:direct_fn:1`);
    e.sites = [...full.sites, ...e.sites];
    e.count = 2;
    e.fullCount = 1;
    const [f] = run([e]).filter((x) => x.kind === 'undocumented-order');
    expect(f?.message).toContain('at 1 site (and 1 more resting on an assumption), e.g. direct_fn()');
    expect(f?.note).toBeUndefined();
    // The evidence lists both sites, so it counts both, and says which kind the second is.
    expect(f?.evidence?.against).toMatchObject({ count: 2, assumed: 1 });
    const evidence = findingLines(f as Finding).find((l) => l.includes('evidence:'));
    expect(evidence).toContain('2 sites take kvm->slots_lock inside vcpu->mutex (direct_fn(), ');
    expect(evidence).toContain('), 1 of them resting on an assumption; none take');
  });
});
