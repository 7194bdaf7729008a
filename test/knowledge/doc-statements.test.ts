/**
 * One case per wording the reader understands, in sentences written for
 * these tests, plus the ones it must report as unrecognised.
 */
import { describe, expect, it } from '@jest/globals';
import { classify, type Fact } from '../../knowledge/doc/statements.js';
import { canonicalLock } from '../../knowledge/lock-names.js';
import { findLockRefs } from '../../knowledge/doc/lock-refs.js';

const facts = (s: string, subject: string[] = []): Fact[] => {
  const c = classify(s, { subject });
  expect(c.recognized).toBe(true);
  return c.facts;
};
const order = (outer: string, inner: string): Fact => ({ kind: 'order', outer, inner });

describe('ordering sentences', () => {
  it('"A is taken outside B" and lists', () => {
    expect(facts('kvm->lock is taken outside vcpu->mutex')).toEqual([order('kvm->lock', 'vcpu->mutex')]);
    expect(facts('kvm->lock is taken outside kvm->slots_lock, kvm->irq_lock and vcpu->mutex')).toEqual([
      order('kvm->lock', 'kvm->slots_lock'),
      order('kvm->lock', 'kvm->irq_lock'),
      order('kvm->lock', 'vcpu->mutex'),
    ]);
  });

  it('trailing qualifiers do not become locks', () => {
    expect(facts('kvm->slots_lock is taken outside kvm->irq_lock, though that is rare')).toEqual([order('kvm->slots_lock', 'kvm->irq_lock')]);
    expect(facts("cpu_hotplug_lock is taken outside of kvm_lock, e.g. in the hotplug callbacks")).toEqual([order('cpus_read_lock()', 'kvm_lock')]);
  });

  it('"A is taken inside B" reverses the direction; "A and B are taken inside C" too', () => {
    expect(facts('kvm->irq_lock is taken inside kvm->lock')).toEqual([order('kvm->lock', 'kvm->irq_lock')]);
    expect(facts('kvm->arch.a_lock and kvm->arch.b_lock are taken inside kvm->arch.mmu_lock, and cannot be taken without already holding kvm->arch.mmu_lock')).toEqual([
      order('kvm->mmu_lock', 'kvm->arch.a_lock'),
      order('kvm->mmu_lock', 'kvm->arch.b_lock'),
    ]);
  });

  it('"is an rwlock and is taken outside", "critical sections for X must also take Y"', () => {
    expect(facts('kvm->arch.mmu_lock is an rwlock and is taken outside kvm->arch.x_lock')).toEqual([order('kvm->mmu_lock', 'kvm->arch.x_lock')]);
    expect(facts('critical sections for kvm->arch.x_lock must also take kvm->arch.mmu_lock')).toEqual([order('kvm->mmu_lock', 'kvm->arch.x_lock')]);
    expect(facts('kvm->arch.mmu_lock is an rwlock')).toEqual([{ kind: 'type', lock: 'kvm->mmu_lock', type: 'rwlock' }]);
  });

  it('every wording of "B is taken while A is held" is A -> B', () => {
    for (const s of [
      'vcpu->mutex is taken inside kvm->lock',
      'vcpu->mutex is acquired under kvm->lock',
      'vcpu->mutex nests under kvm->lock',
      'vcpu->mutex is taken while holding kvm->lock',
      'vcpu->mutex can only be acquired while kvm->lock is held',
      'kvm->lock must be taken before vcpu->mutex',
      'kvm->lock is acquired outside of vcpu->mutex',
    ]) {
      expect({ s, facts: facts(s) }).toEqual({ s, facts: [order('kvm->lock', 'vcpu->mutex')] });
    }
  });

  it('an inline "On <arch>," scopes the sentence', () => {
    const c = classify('On x86, vcpu->mutex is taken outside kvm->arch.foo_lock', { subject: [] });
    expect(c.arch).toBe('x86');
    expect(c.facts).toEqual([order('vcpu->mutex', 'kvm->arch.foo_lock')]);
  });

  it('"A must not be taken while holding B" forbids B -> A: A is the outer lock; under kvm->srcu, A is forbidden in readers', () => {
    for (const s of [
      'kvm->arch.xen.xen_lock must not be taken while holding kvm->mmu_lock',
      'kvm->arch.xen.xen_lock should not be taken while kvm->mmu_lock is held',
      'kvm->arch.xen.xen_lock cannot be taken inside kvm->mmu_lock',
      'kvm->arch.xen.xen_lock must never be acquired under kvm->mmu_lock',
    ]) {
      expect({ s, facts: facts(s) }).toEqual({ s, facts: [order('kvm->arch.xen.xen_lock', 'kvm->mmu_lock')] });
    }
    expect(facts('kvm->lock and vcpu->mutex must not be taken inside kvm->srcu')).toEqual([
      { kind: 'srcu', lock: 'kvm->lock', allowedInReadSide: false },
      { kind: 'srcu', lock: 'vcpu->mutex', allowedInReadSide: false },
    ]);
  });

  it('"Neither A nor B may be taken while holding C" is the prohibition for each of them: A -> C and B -> C', () => {
    for (const s of [
      'Neither kvm->arch.a_lock nor kvm->arch.b_lock may be taken while holding kvm->mmu_lock',
      'Neither kvm->arch.a_lock nor kvm->arch.b_lock must be acquired while kvm->mmu_lock is held',
      'Neither kvm->arch.a_lock nor kvm->arch.b_lock can ever be taken inside kvm->mmu_lock',
      'Neither kvm->arch.a_lock nor kvm->arch.b_lock should be taken under kvm->mmu_lock',
    ]) {
      expect({ s, facts: facts(s) }).toEqual({ s, facts: [order('kvm->arch.a_lock', 'kvm->mmu_lock'), order('kvm->arch.b_lock', 'kvm->mmu_lock')] });
    }
    // Three locks, and a qualifier like any other rule's.
    expect(facts('Neither kvm->lock, vcpu->mutex nor kvm->slots_lock may be taken while holding kvm->irq_lock when x2APIC is enabled')).toEqual(
      ['kvm->lock', 'vcpu->mutex', 'kvm->slots_lock'].map((l) => ({ ...order(l, 'kvm->irq_lock'), condition: 'when x2APIC is enabled' })),
    );
  });

  it('"Neither A nor B may be taken inside kvm->srcu" (or a read-side critical section) forbids both in readers', () => {
    const forbidden = [
      { kind: 'srcu', lock: 'kvm->lock', allowedInReadSide: false },
      { kind: 'srcu', lock: 'kvm->slots_lock', allowedInReadSide: false },
    ];
    expect(facts('Neither kvm->lock nor kvm->slots_lock may be taken inside kvm->srcu')).toEqual(forbidden);
    expect(facts('Neither kvm->lock nor kvm->slots_lock can be taken inside a kvm->srcu read-side critical section')).toEqual(forbidden);
  });

  it('a "Neither A nor B" sentence that is no plain prohibition stays not understood', () => {
    for (const s of [
      // Each may be held alone, never both: no order between them.
      'Neither kvm->lock nor kvm->slots_lock may be taken while holding the other',
      // A statement of fact, not a rule: kvm-review does not guess an order from it.
      'Neither kvm->lock nor vcpu->mutex is taken inside kvm->slots_lock',
      'Neither kvm->lock nor vcpu->mutex may be taken outside kvm->slots_lock',
    ]) {
      const c = classify(s, { subject: [] });
      expect({ s, recognized: c.recognized, orderingLike: c.orderingLike }).toEqual({ s, recognized: false, orderingLike: true });
    }
  });

  it('"X is taken in <context> while Y is held" is Y -> X', () => {
    expect(facts('kvm_lock is taken in callbacks that may run while cpu_hotplug_lock is held')).toEqual([order('cpus_read_lock()', 'kvm_lock')]);
  });

  it('"Exists to allow taking A while <data> is protected" needs the comment\'s own lock', () => {
    const s = 'Exists to allow taking cpus_read_lock() while kvm_usage_count is protected';
    expect(classify(s, { subject: [] }).recognized).toBe(false);
    expect(classify(s, { subject: [], commentOf: { lock: 'kvm_usage_lock', protects: ['kvm_usage_count'] } }).facts).toEqual([
      order('kvm_usage_lock', 'cpus_read_lock()'),
    ]);
  });
});

describe('qualifiers and asides', () => {
  const cond = (outer: string, inner: string, condition: string): Fact => ({ kind: 'order', outer, inner, condition });

  it('a trailing "when", "if", "unless" or "except" clause is the condition of the rule', () => {
    expect(facts('vcpu->mutex is taken outside kvm->slots_lock when the APIC access page is inhibited')).toEqual([
      cond('vcpu->mutex', 'kvm->slots_lock', 'when the APIC access page is inhibited'),
    ]);
    expect(facts('kvm->lock is taken outside vcpu->mutex and kvm->irq_lock if the VM has vCPUs')).toEqual([
      cond('kvm->lock', 'vcpu->mutex', 'if the VM has vCPUs'),
      cond('kvm->lock', 'kvm->irq_lock', 'if the VM has vCPUs'),
    ]);
    expect(facts('kvm->lock is taken outside vcpu->mutex, except during VM destruction')).toEqual([
      cond('kvm->lock', 'vcpu->mutex', 'except during VM destruction'),
    ]);
    expect(facts('vcpu->mutex is taken inside kvm->lock unless the vCPU is being created')).toEqual([
      cond('kvm->lock', 'vcpu->mutex', 'unless the vCPU is being created'),
    ]);
  });

  it('a leading "When ...," clause too; SRCU rules keep theirs', () => {
    expect(facts('When a VM is being destroyed, kvm->lock is taken outside vcpu->mutex')).toEqual([
      cond('kvm->lock', 'vcpu->mutex', 'When a VM is being destroyed'),
    ]);
    expect(facts('kvm->slots_lock cannot be taken inside a kvm->srcu read-side critical section, except during VM creation')).toEqual([
      { kind: 'srcu', lock: 'kvm->slots_lock', allowedInReadSide: false, condition: 'except during VM creation' },
    ]);
  });

  it('an example or a clause of its own is not a condition', () => {
    expect(facts('kvm->lock is taken outside vcpu->mutex, e.g. when creating vCPUs')).toEqual([order('kvm->lock', 'vcpu->mutex')]);
    expect(facts('cpu_hotplug_lock is taken outside of kvm_lock, e.g. in callbacks, and many operations need cpu_hotplug_lock when loading a module')).toEqual([
      order('cpus_read_lock()', 'kvm_lock'),
    ]);
  });

  it('parenthesised asides are read past, nested ones too', () => {
    expect(facts('kvm->lock is taken outside vcpu->mutex (see kvm_vm_ioctl_create_vcpu())')).toEqual([order('kvm->lock', 'vcpu->mutex')]);
    expect(facts('kvm->lock is taken outside (for now) vcpu->mutex, except (rarely) during teardown')).toEqual([
      cond('kvm->lock', 'vcpu->mutex', 'except during teardown'),
    ]);
  });

  it('an aside naming an architecture scopes the rule to it ("(arm64 only)"), or, worded otherwise, is reported', () => {
    for (const s of ['kvm->lock is taken outside kvm->arch.pio_lock (arm64 only)', 'kvm->lock is taken outside kvm->arch.pio_lock (on arm64)', 'kvm->lock is taken outside kvm->arch.pio_lock (aarch64)']) {
      const c = classify(s, { subject: [] });
      expect({ s, arch: c.arch, facts: c.facts, reason: c.reason }).toEqual({ s, arch: 'arm64', facts: [order('kvm->lock', 'kvm->arch.pio_lock')], reason: undefined });
    }
    const c = classify('kvm->lock is taken outside kvm->arch.pio_lock (not on x86)', { subject: [] });
    expect(c.arch).toBeUndefined();
    expect(c.reason).toMatch(/x86/);
  });

  it('a lock named in an aside or a trailing clause that the rule does not use is reported, not dropped', () => {
    for (const [s, unread] of [
      ['kvm->lock is taken outside vcpu->mutex (and kvm->irq_lock)', 'kvm->irq_lock'],
      ['kvm->slots_lock is taken outside kvm->irq_lock, though acquiring vcpu->mutex is rare', 'vcpu->mutex'],
    ] as const) {
      const c = classify(s, { subject: [] });
      expect({ s, recognized: c.recognized, unread: c.unread }).toEqual({ s, recognized: true, unread: [unread] });
      expect(c.reason).toContain(unread);
    }
  });
});

describe('SRCU sentences', () => {
  it('synchronize_srcu() inside a list of locks forbids them in readers', () => {
    expect(facts('synchronize_srcu(&kvm->srcu) is called inside critical sections for kvm->lock and kvm->slots_lock')).toEqual([
      { kind: 'srcu', lock: 'kvm->lock', allowedInReadSide: false },
      { kind: 'srcu', lock: 'kvm->slots_lock', allowedInReadSide: false },
    ]);
  });

  it('"These locks" and "It" refer to the previous sentence', () => {
    expect(facts('These locks cannot be taken inside a kvm->srcu read-side critical section', ['vcpu->mutex'])).toEqual([
      { kind: 'srcu', lock: 'vcpu->mutex', allowedInReadSide: false },
    ]);
    expect(facts('It can therefore be taken inside a kvm->srcu read-side critical section', ['kvm->slots_arch_lock'])).toEqual([
      { kind: 'srcu', lock: 'kvm->slots_arch_lock', allowedInReadSide: true },
    ]);
  });

  it('the 2021 wording: "Unlike A, B is released before synchronize_srcu()"', () => {
    expect(facts('Unlike kvm->slots_lock, kvm->slots_arch_lock is released before synchronize_srcu(&kvm->srcu)')).toEqual([
      { kind: 'srcu', lock: 'kvm->slots_lock', allowedInReadSide: false },
    ]);
    expect(facts('Therefore kvm->slots_arch_lock can be taken inside a kvm->srcu read-side critical section, while kvm->slots_lock cannot')).toEqual([
      { kind: 'srcu', lock: 'kvm->slots_arch_lock', allowedInReadSide: true },
      { kind: 'srcu', lock: 'kvm->slots_lock', allowedInReadSide: false },
    ]);
  });

  it('the 2023 v1 wording: "A is taken inside kvm->srcu" allows A in readers', () => {
    expect(facts('kvm->lock is taken inside kvm->srcu, therefore synchronize_srcu(&kvm->srcu) cannot be called inside a kvm->lock critical section')).toEqual([
      { kind: 'srcu', lock: 'kvm->lock', allowedInReadSide: true },
    ]);
  });

  it('"kvm->srcu is taken outside A", "A nests under kvm->srcu": A is allowed in readers, as "A is taken inside kvm->srcu" is', () => {
    for (const s of [
      'kvm->srcu is taken outside kvm->arch.xen.xen_lock',
      'kvm->arch.xen.xen_lock nests under kvm->srcu',
      'kvm->arch.xen.xen_lock is taken while holding kvm->srcu',
    ]) {
      expect({ s, facts: facts(s) }).toEqual({ s, facts: [{ kind: 'srcu', lock: 'kvm->arch.xen.xen_lock', allowedInReadSide: true }] });
    }
  });

  it('"A is taken outside kvm->srcu" (a reader entered under A) is not read as synchronize_srcu() under A, and is reported', () => {
    for (const s of ['kvm->slots_arch_lock is taken outside kvm->srcu', 'kvm->srcu is taken while holding kvm->slots_arch_lock']) {
      const c = classify(s, { subject: [] });
      expect({ s, facts: c.facts, recognized: c.recognized, orderingLike: c.orderingLike }).toEqual({ s, facts: [], recognized: false, orderingLike: true });
      expect(c.reason).toMatch(/read-side.*kvm->slots_arch_lock.*synchronize_srcu\(\)/);
    }
  });
});

describe('other statements', () => {
  it('contexts, the leaf claim, cautions', () => {
    expect(facts('both are held while waiting, so MMU notifiers must not take either kvm->slots_lock or kvm->slots_arch_lock')).toEqual([
      { kind: 'context', context: 'MMU notifiers', forbidden: ['kvm->slots_lock', 'kvm->slots_arch_lock'] },
    ]);
    expect(facts('Everything else is a leaf: nothing nests inside')).toEqual([{ kind: 'leaf' }]);
    expect(facts('Taking cpus_read_lock() outside of kvm_lock is problematic, despite that being the official ordering, as it is easy to get wrong')).toEqual([
      order('cpus_read_lock()', 'kvm_lock'),
      { kind: 'caution', outer: 'cpus_read_lock()', inner: 'kvm_lock' },
    ]);
  });

  it('reports ordering-like sentences it does not understand', () => {
    for (const s of [
      'kvm->foo_lock nests under kvm->bar_lock whenever convenient',
      'Never acquire kvm->lock after vcpu->mutex',
      'kvm->a_lock is taken between kvm->b_lock and kvm->c_lock',
    ]) {
      const c = classify(s, { subject: [] });
      expect({ s, recognized: c.recognized, orderingLike: c.orderingLike }).toEqual({ s, recognized: false, orderingLike: true });
    }
  });

  it('leaves prose alone', () => {
    for (const s of ['The srcu index can be stored in kvm_vcpu->srcu_idx', 'Use caution when walking vm_list']) {
      expect(classify(s, { subject: [] }).orderingLike).toBe(false);
    }
  });
});

describe('lock names', () => {
  it('a name ending in a digit is read whole, in a list too (issue 11 §4)', () => {
    expect(facts('kvm->lock is taken outside kvm->slots_lock, kvm->arch.pio_lock2 and vcpu->mutex')).toEqual([
      order('kvm->lock', 'kvm->slots_lock'),
      order('kvm->lock', 'kvm->arch.pio_lock2'),
      order('kvm->lock', 'vcpu->mutex'),
    ]);
    expect(facts('vendor_lock1 is taken outside vendor_lock2')).toEqual([order('vendor_lock1', 'vendor_lock2')]);
  });

  it('a name that looks like a lock but is not read as one makes the rule not understood, and says which', () => {
    for (const [s, name] of [
      ['kvm->lock is taken outside kvm->locks[1]', 'kvm->locks[1]'],
      ['vcpu->mutex is acquired outside kvm->lock_a', 'kvm->lock_a'],
      ['kvm->lock is taken outside vcpu->mutex and kvm->arch.lock_b', 'kvm->arch.lock_b'],
    ] as const) {
      const c = classify(s, { subject: [] });
      expect({ s, recognized: c.recognized && !c.unread, orderingLike: c.orderingLike }).toEqual({ s, recognized: false, orderingLike: true });
      expect(c.reason).toContain(name);
    }
  });


  it('canonical classes', () => {
    expect(canonicalLock('kvm->arch.mmu_lock')).toBe('kvm->mmu_lock');
    expect(canonicalLock('cpu_hotplug_lock')).toBe('cpus_read_lock()');
    expect(canonicalLock('kvm_arch::tsc_write_lock')).toBe('kvm->arch.tsc_write_lock');
    expect(canonicalLock('&vcpu->kvm->slots_lock')).toBe('kvm->slots_lock');
    expect(canonicalLock('kvm->arch.xen.xen_lock')).toBe('kvm->arch.xen.xen_lock');
  });

  it('finds lock names, not data or primitives', () => {
    const refs = findLockRefs('with read_lock, kvm->memslots, call_srcu, kvm->arch.xen.xen_lock, host_kvm.lock and cpus_read_lock()');
    expect(refs.map((r) => r.written)).toEqual(['kvm->arch.xen.xen_lock', 'host_kvm.lock', 'cpus_read_lock()']);
  });
});
