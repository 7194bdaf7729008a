/**
 * Every rule, on the 2026 locking.rst (corpus 24) and observed edges written
 * for the test. Outcomes are named as the style guide does: reported (bug,
 * finding), validated (clean, no finding), noisy / missing are what these
 * guard against.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FindingKind } from '../../analyzers/findings/model.js';
import { DEEP_CHAIN, RULES, ruleDocPath } from '../../analyzers/rules/index.js';
import { ROOT } from '../helpers/paths.js';
import { doc, findings, kinds } from './harness.js';

const D24 = doc('24');

describe('order-inversion', () => {
  it('reported: a direct inversion quotes the rule', () => {
    const f = findings(D24, ['vcpu->mutex -> kvm->lock']).filter((x) => x.kind === 'order-inversion');
    expect(f.map((x) => `${x.severity} ${x.outer} -> ${x.inner}`)).toEqual(['error vcpu->mutex -> kvm->lock']);
    expect(f[0]?.rule).toEqual({ line: 16, text: 'kvm->lock is taken outside vcpu->mutex' });
    expect(f[0]?.cycle?.map((l) => l.source)).toEqual(['observed', 'documented']);
  });

  it('reported: a transitive inversion quotes every statement of the path', () => {
    // kvm->lock -> vcpu->mutex (16) -> kvm->slots_arch_lock (20)
    const f = findings(D24, ['kvm->slots_arch_lock -> kvm->lock']).find((x) => x.kind === 'order-inversion');
    expect(f?.rulePath.map((r) => r.line)).toEqual([16, 20]);
  });

  it('validated: the documented direction, read-read rwlocks, same-class nesting', () => {
    expect(kinds(findings(D24, ['kvm->lock -> vcpu->mutex']), 'order-inversion')).toEqual([]);
    expect(kinds(findings(D24, ['kvm->mmu_lock(r)[rw] -> kvm->lock(r)[rw]']), 'order-inversion')).toEqual([]);
    expect(kinds(findings(D24, ['vcpu->mutex -> vcpu->mutex']), 'order-inversion')).toEqual([]);
  });

  it('arch scope: an x86-only rule does not apply to arm64 code', () => {
    expect(kinds(findings(D24, ['kvm->arch.xen.xen_lock -> vcpu->mutex'], 'x86'), 'order-inversion')).toHaveLength(1);
    expect(kinds(findings(D24, ['kvm->arch.xen.xen_lock -> vcpu->mutex'], 'arm64'), 'order-inversion')).toEqual([]);
  });

  it('validated: code following one of two contradictory statements (20: line 12 and line 14 order kvm_usage_lock both ways) is the document\'s problem, not an inversion', () => {
    const D20 = doc('20');
    // kvm_enable_virtualization() takes cpus_read_lock() inside kvm_usage_lock, as line 14 says.
    expect(kinds(findings(D20, ['kvm_usage_lock -> cpus_read_lock()']), 'order-inversion')).toEqual([]);
    expect(kinds(findings(D20, ['cpus_read_lock() -> kvm_usage_lock']), 'order-inversion')).toEqual([]);
    // An order the document states one way only is still checked, in the same document and in the resolved one.
    expect(kinds(findings(D20, ['kvm_lock -> cpus_read_lock()']), 'order-inversion')).toEqual(['error kvm_lock -> cpus_read_lock()']);
    expect(kinds(findings(doc('21'), ['cpus_read_lock() -> kvm_usage_lock']), 'order-inversion')).toEqual(['error cpus_read_lock() -> kvm_usage_lock']);
  });

  it('a chain deeper than DEEP_CHAIN is a warning with a note', () => {
    const f = findings(D24, [`vcpu->mutex -> kvm->lock @virt/kvm/x.c:deep_fn:${DEEP_CHAIN + 1}`]).find((x) => x.kind === 'order-inversion');
    expect(f?.severity).toBe('warning');
    expect(f?.note).toMatch(/calls/);
  });
});

describe('srcu-violation', () => {
  it('reported: a documented-forbidden lock inside a reader', () => {
    expect(kinds(findings(D24, ['kvm->srcu -> kvm->slots_lock']), 'srcu-violation')).toEqual(['error kvm->srcu -> kvm->slots_lock']);
  });

  it('reported: synchronize_srcu() seen under a lock the document does not mention', () => {
    const f = findings(D24, ['kvm->srcu -> kvm->arch.demo_lock', 'kvm->arch.demo_lock -> sync(kvm->srcu)']);
    expect(kinds(f, 'srcu-violation')).toEqual(['error kvm->srcu -> kvm->arch.demo_lock']);
    expect(kinds(f, 'cycle')).toEqual([]);
  });

  it('validated: slots_arch_lock is allowed in readers; taking srcu inside a lock never blocks', () => {
    expect(kinds(findings(D24, ['kvm->srcu -> kvm->slots_arch_lock']), 'srcu-violation')).toEqual([]);
    expect(findings(D24, ['kvm->slots_lock -> kvm->srcu']).filter((x) => x.severity === 'error')).toEqual([]);
  });
});

describe('cycle', () => {
  it('reported: a three-lock cycle seen in the code, with one column per CPU', () => {
    const f = findings(D24, ['kvm->arch.a_lock -> kvm->arch.b_lock', 'kvm->arch.b_lock -> kvm->arch.c_lock', 'kvm->arch.c_lock -> kvm->arch.a_lock']);
    const c = f.filter((x) => x.kind === 'cycle');
    expect(c).toHaveLength(1);
    expect(c[0]?.cycle).toHaveLength(3);
  });

  it('reported: two observed edges closing a cycle through a documented one', () => {
    // kvm_usage_lock -> cpus_read_lock() (doc 14) -> kvm_lock (doc 12); code: kvm_lock -> A -> kvm_usage_lock
    const f = findings(D24, ['kvm_lock -> kvm->arch.a_lock', 'kvm->arch.a_lock -> kvm_usage_lock']);
    expect(kinds(f, 'cycle')).toEqual(['error cpus_read_lock() -> kvm_lock']);
  });

  it('validated: an acyclic observed order', () => {
    expect(kinds(findings(D24, ['kvm->lock -> vcpu->mutex', 'vcpu->mutex -> kvm->slots_lock']), 'cycle')).toEqual([]);
  });
});

describe('undocumented-order, leaf-violation, doc-stale', () => {
  it('reported: documented locks nested without a rule', () => {
    expect(kinds(findings(D24, ['kvm->slots_lock -> kvm->mmu_lock']), 'undocumented-order')).toEqual(['info kvm->slots_lock -> kvm->mmu_lock']);
  });

  it('validated: ordered pairs and undocumented locks are not undocumented-order', () => {
    expect(kinds(findings(D24, ['kvm->lock -> kvm->irq_lock', 'kvm->arch.x_lock -> kvm->arch.y_lock']), 'undocumented-order')).toEqual([]);
  });

  it('reported: a lock taken inside a documented leaf, one finding per leaf listing what is taken inside', () => {
    expect(kinds(findings(D24, ['kvm->irq_lock -> kvm->arch.demo_lock']), 'leaf-violation')).toEqual(['warning kvm->irq_lock -> null']);
    const grouped = findings(D24, ['kvm->irq_lock -> kvm->arch.demo_lock', 'kvm->irq_lock -> kvm->arch.other_lock', 'kvm->irq_lock -> kvm->arch.demo_lock']).filter((f) => f.kind === 'leaf-violation');
    expect(grouped).toHaveLength(1);
    expect(grouped[0]?.inside?.map((i) => i.lock).sort()).toEqual(['kvm->arch.demo_lock', 'kvm->arch.other_lock']);
    expect(grouped[0]?.message).toMatch(/makes kvm->irq_lock a leaf, but the code takes 2 locks inside it/);
    // The finding is the leaf's: another lock inside it keeps its fingerprint.
    const one = findings(D24, ['kvm->irq_lock -> kvm->arch.demo_lock']).find((f) => f.kind === 'leaf-violation');
    expect(one?.fingerprint).toBe(grouped[0]?.fingerprint);
  });

  it('validated: a documented outer lock is no leaf', () => {
    expect(kinds(findings(D24, ['kvm->lock -> kvm->arch.demo_lock']), 'leaf-violation')).toEqual([]);
  });

  it('reported: a documented lock the code never takes', () => {
    const all = ['kvm_lock', 'kvm_usage_lock', 'kvm->lock', 'vcpu->mutex', 'kvm->slots_lock', 'kvm->irq_lock', 'kvm->slots_arch_lock',
      'kvm->srcu', 'kvm->mmu_lock', 'kvm->arch.tdp_mmu_pages_lock', 'kvm->arch.mmu_unsync_pages_lock', 'kvm->arch.hyperv.hv_lock',
      'kvm->mn_invalidate_lock', 'kvm->arch.tsc_write_lock', 'wakeup_vcpus_on_cpu_lock', 'vendor_module_lock'];
    const f = findings(D24, [], 'x86', all.filter((l) => l !== 'kvm->arch.xen.xen_lock'));
    expect(kinds(f, 'doc-stale')).toEqual(['warning kvm->arch.xen.xen_lock -> null']);
  });
});

describe('the registry', () => {
  it('every rule has a doc page with the four sections, named after its id', () => {
    for (const kind of Object.keys(RULES) as FindingKind[]) {
      const path = join(ROOT, ruleDocPath(kind));
      expect(existsSync(path)).toBe(true);
      const text = readFileSync(path, 'utf8');
      expect(text.split('\n')[0]).toBe(`# ${kind}`);
      for (const section of ['What it finds', 'When not to use it', 'Fix']) expect(text).toContain(`**${section}`);
    }
  });

  it('fingerprints ignore lines and are stable', () => {
    const a = findings(D24, ['vcpu->mutex -> kvm->lock @virt/kvm/a.c:f:1']);
    const b = findings(D24, ['vcpu->mutex -> kvm->lock @virt/kvm/b.c:g:2']);
    expect(a.map((x) => x.fingerprint)).toEqual(b.map((x) => x.fingerprint));
  });
});
