/**
 * Every historical revision of locking.rst in ../shared/corpus parses with no
 * unrecognised ordering sentence, and gives the edges read off each file by hand.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { readLockingDoc } from '../../knowledge/doc/reader.js';
import { plain } from '../../knowledge/doc/sentences.js';
import { corpusRevision, corpusRevisions } from '../helpers/paths.js';
import { orderEdges, problemKinds, srcuRules } from '../helpers/order.js';

const read = (prefix: string) => {
  const path = corpusRevision(prefix);
  return readLockingDoc(readFileSync(path), path);
};

const BASE_2016 = [
  'kvm->lock -> kvm->irq_lock',
  'kvm->lock -> kvm->slots_lock',
  'kvm->lock -> vcpu->mutex',
  'kvm->slots_lock -> kvm->irq_lock',
];
const HV = 'vcpu->mutex -> kvm->arch.hyperv.hv_lock @x86';
const XEN = 'vcpu->mutex -> kvm->arch.xen.xen_lock @x86';
const TDP = 'kvm->mmu_lock -> kvm->arch.tdp_mmu_pages_lock @x86';
const UNSYNC = 'kvm->mmu_lock -> kvm->arch.mmu_unsync_pages_lock @x86';
const CPUS_KVM_LOCK = 'cpus_read_lock() -> kvm_lock';
const USAGE_CPUS = 'kvm_usage_lock -> cpus_read_lock()';
// vendor_module_lock's :Comment: (2023 on): "... many operations need to take cpu_hotplug_lock when loading a vendor module".
const VENDOR = 'vendor_module_lock -> cpus_read_lock()';
const SRCU_2021 = ['kvm->slots_arch_lock: allowed', 'kvm->slots_lock: forbidden'];
const SRCU_2023 = ['kvm->lock: forbidden', 'kvm->slots_arch_lock: allowed', 'kvm->slots_lock: forbidden', 'vcpu->mutex: forbidden'];

/** Edges and SRCU rules read off each revision by hand. */
const EXPECTED: Record<string, { edges: string[]; srcu: string[] }> = {
  '01': { edges: [], srcu: [] },
  '02': { edges: [], srcu: [] },
  '03': { edges: [], srcu: [] },
  '04': { edges: [...BASE_2016, 'kvm_lock -> kvm->mmu_lock'], srcu: [] },
  '05': { edges: BASE_2016, srcu: [] },
  '06': { edges: [...BASE_2016, HV], srcu: [] },
  '07': { edges: [...BASE_2016, HV], srcu: [] },
  '08': { edges: [...BASE_2016, HV, TDP, UNSYNC], srcu: [] },
  '09': { edges: [...BASE_2016, HV, TDP, UNSYNC], srcu: SRCU_2021 },
  '10': { edges: [...BASE_2016, HV, TDP, UNSYNC, 'host_kvm.lock -> pkvm_pgd_lock @arm64'], srcu: SRCU_2021 },
  '11': { edges: [...BASE_2016, HV, TDP, UNSYNC], srcu: SRCU_2021 },
  '12': { edges: [...BASE_2016, HV, TDP, UNSYNC], srcu: SRCU_2021 },
  '13': { edges: [CPUS_KVM_LOCK, ...BASE_2016, HV, TDP, UNSYNC, VENDOR], srcu: ['kvm->lock: allowed', ...SRCU_2021] },
  '14': { edges: [...BASE_2016, HV, XEN, TDP, UNSYNC], srcu: SRCU_2023 },
  '15': { edges: [CPUS_KVM_LOCK, ...BASE_2016, HV, XEN, TDP, UNSYNC, VENDOR], srcu: SRCU_2023 },
  '16': { edges: [CPUS_KVM_LOCK, ...BASE_2016, HV, XEN, TDP, UNSYNC, VENDOR], srcu: SRCU_2023 },
  '17': { edges: [CPUS_KVM_LOCK, ...BASE_2016, HV, XEN, TDP, UNSYNC, VENDOR], srcu: SRCU_2023 },
  '18': { edges: [CPUS_KVM_LOCK, 'cpus_read_lock() -> kvm_usage_lock', ...BASE_2016, HV, XEN, TDP, UNSYNC, VENDOR], srcu: SRCU_2023 },
  '19': { edges: [CPUS_KVM_LOCK, 'cpus_read_lock() -> kvm_usage_lock', ...BASE_2016, HV, XEN, TDP, UNSYNC, VENDOR], srcu: SRCU_2023 },
  '20': { edges: [CPUS_KVM_LOCK, 'cpus_read_lock() -> kvm_usage_lock', USAGE_CPUS, ...BASE_2016, HV, XEN, TDP, UNSYNC, VENDOR], srcu: SRCU_2023 },
  '21': { edges: [CPUS_KVM_LOCK, USAGE_CPUS, ...BASE_2016, HV, XEN, TDP, UNSYNC, VENDOR], srcu: SRCU_2023 },
  '22': { edges: [CPUS_KVM_LOCK, USAGE_CPUS, ...BASE_2016, 'vcpu->mutex -> vcpu->mutex', HV, XEN, TDP, UNSYNC, VENDOR], srcu: SRCU_2023 },
  '23': { edges: [CPUS_KVM_LOCK, USAGE_CPUS, ...BASE_2016, 'vcpu->mutex -> kvm->slots_lock', HV, XEN, TDP, UNSYNC, VENDOR], srcu: SRCU_2023 },
  '24': {
    edges: [CPUS_KVM_LOCK, USAGE_CPUS, ...BASE_2016, 'vcpu->mutex -> kvm->slots_lock', 'vcpu->mutex -> kvm->slots_arch_lock', HV, XEN, TDP, UNSYNC, VENDOR],
    srcu: SRCU_2023,
  },
  '25': {
    edges: [CPUS_KVM_LOCK, USAGE_CPUS, ...BASE_2016, 'vcpu->mutex -> kvm->slots_lock', 'vcpu->mutex -> kvm->slots_arch_lock', HV, XEN, TDP, VENDOR],
    srcu: SRCU_2023,
  },
};

describe('locking.rst corpus revisions', () => {
  it('covers every revision in the corpus', () => {
    expect(corpusRevisions().map((f) => f.slice(0, 2))).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [prefix, expected] of Object.entries(EXPECTED)) {
    it(`${prefix}: reads the hand-checked edges and SRCU rules, nothing unrecognised`, () => {
      const order = read(prefix);
      expect(order.unrecognized).toEqual([]);
      expect(orderEdges(order)).toEqual([...expected.edges].sort());
      expect(srcuRules(order)).toEqual([...expected.srcu].sort());
      for (const e of order.edges) expect(e.text.length).toBeGreaterThan(10);
    });
  }

  it('01-03: the order is "(to be written)"', () => {
    for (const p of ['01', '02', '03']) expect(problemKinds(read(p), 'no-order')).toHaveLength(1);
  });

  it('07 and 01 have CRLF line endings and say so', () => {
    expect(read('07').notes.join()).toMatch(/CRLF/);
    expect(read('01').notes.join()).toMatch(/CRLF/);
    expect(read('25').notes).toEqual([]);
  });

  it('13: Paolo\'s v1 SRCU text makes the documented order cyclic through kvm->srcu', () => {
    const cycles = read('13').problems.filter((p) => p.kind === 'cycle');
    expect(cycles).toHaveLength(1);
    expect(cycles[0]?.message).toContain('kvm->lock -> kvm->slots_lock -> kvm->srcu -> kvm->lock');
    expect(cycles[0]?.severity).toBe('error');
  });

  it('14: the corrected SRCU text is acyclic', () => {
    expect(problemKinds(read('14'), 'cycle', 'srcu-conflict')).toEqual([]);
  });

  it('20: contradictory kvm_usage_lock rules are a cycle quoting both lines', () => {
    const [cycle, ...rest] = read('20').problems.filter((p) => p.kind === 'cycle');
    expect(rest).toEqual([]);
    expect(cycle?.message).toContain('cpus_read_lock() -> kvm_usage_lock -> cpus_read_lock()');
    const lines = readFileSync(corpusRevision('20'), 'utf8').split('\n');
    const lineOf = (text: string): number => lines.findIndex((l) => l.includes(text)) + 1;
    expect(cycle?.lines).toEqual([lineOf('- cpus_read_lock() is taken outside kvm_lock and kvm_usage_lock'), lineOf('- kvm_usage_lock is taken outside cpus_read_lock()')]);
  });

  it('22: the planes rule is same-class nesting with its condition, not a cycle', () => {
    const order = read('22');
    const planes = order.edges.find((e) => e.outer === 'vcpu->mutex' && e.inner === 'vcpu->mutex');
    expect(planes?.condition).toMatch(/multiple planes/);
    expect(problemKinds(order, 'cycle')).toEqual([]);
  });

  it('18: the cpus_read_lock() vs kvm_lock paragraph is a caution on the official order', () => {
    const order = read('18');
    expect(order.cautions.map((c) => `${c.outer} -> ${c.inner}`)).toEqual(['cpus_read_lock() -> kvm_lock']);
    expect(order.edges.filter((e) => e.origin === 'prose').map((e) => e.line)).toEqual([order.cautions[0]?.line]);
  });

  it('25: statements in :Comment: fields and the lock table', () => {
    const order = read('25');
    const fromComments = order.edges.filter((e) => e.origin === 'comment').map((e) => `${e.outer} -> ${e.inner}`);
    // kvm_usage_lock: "Exists to allow taking cpus_read_lock() while kvm_usage_count is protected";
    // vendor_module_lock: "kvm_lock is taken in notifiers ... while cpu_hotplug_lock is held, ..., and many operations
    // need to take cpu_hotplug_lock when loading a vendor module" (what vendor_module_lock protects).
    expect(fromComments.sort()).toEqual([CPUS_KVM_LOCK, USAGE_CPUS, VENDOR]);
    expect(order.locks.map((l) => l.name)).toEqual([
      'kvm_lock', 'kvm_usage_lock', 'kvm->mn_invalidate_lock', 'kvm->arch.tsc_write_lock', 'kvm->mmu_lock',
      'kvm->srcu', 'kvm->slots_arch_lock', 'wakeup_vcpus_on_cpu_lock', 'vendor_module_lock',
    ]);
    const tsc = order.locks.find((l) => l.name === 'kvm->arch.tsc_write_lock');
    expect(tsc).toMatchObject({ type: 'raw_spinlock_t', arch: 'x86', aliases: ['kvm_arch::tsc_write_lock'] });
    expect(order.contexts).toEqual([
      expect.objectContaining({ context: 'MMU notifiers', forbidden: ['kvm->slots_lock', 'kvm->slots_arch_lock'] }),
    ]);
    expect(order.leafClaim?.text).toMatch(/^Everything else is a leaf/);
    expect(problemKinds(order, 'two-names').join('\n')).toContain('kvm->arch.mmu_lock');
  });

  it('quotes each statement with its line', () => {
    const path = corpusRevision('25');
    const lines = readFileSync(path, 'utf8').split('\n');
    const order = readLockingDoc(readFileSync(path), path);
    for (const e of order.edges) {
      const firstWords = e.text.split(' ').slice(0, 2).join(' ');
      expect(plain(lines[e.line - 1] ?? '')).toContain(firstWords);
    }
  });
});
