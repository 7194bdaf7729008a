/**
 * The held-lock walk, one row per primitive family, scope form and
 * precondition, on fixtures written for these tests (fixtures/locks/).
 * Rows are named with the style guide's outcome words: "reported" when the
 * walk sees an order that is there, "validated" when it sees none where
 * there is none; "noisy" and "missing" rows pin a known gap, so fixing it
 * shows up as a changed row.
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES } from '../helpers/paths.js';
import { actual, expected, walkedFor, type WalkCase } from './walk-harness.js';

const run = (cases: WalkCase[]): void => {
  it.each(cases)('$name', async (c) => {
    const w = await walkedFor(c.fixture);
    expect(actual(w, c)).toEqual(expected(c));
  });
};

/** Outer lock, inner lock inside it, then the last lock with nothing held. */
const pair = (name: string, fn: string, outer: string, inner: string, last = inner): WalkCase => ({
  name,
  fixture: 'primitives.c',
  fn,
  held: { [`${inner} @ inner`]: [outer], [`${last} @ last`]: [] },
  edges: [`${outer} -> ${inner}`],
});

describe('the fixtures', () => {
  const names = readdirSync(join(FIXTURES, 'locks')).filter((n) => n.endsWith('.c'));

  it.each(names)('%s parses cleanly and every lock argument gets a class', async (name) => {
    const w = await walkedFor(name);
    expect(w.functions.filter((f) => f.damaged).map((f) => f.name)).toEqual([]);
    expect(w.functions.flatMap((f) => w.unresolved(f.name, name).map((expr) => `${f.name}: ${expr}`))).toEqual([]);
  });
});

describe('primitive families', () => {
  run([
    {
      name: 'reported: mutex_lock inside mutex_lock; validated: nothing held after both unlocks',
      fixture: 'primitives.c',
      fn: 'demo_mutex',
      held: { 'kvm->slots_lock @ mutex_lock(&kvm->slots_lock)': ['kvm->lock'], 'kvm->slots_arch_lock @ last': [] },
      edges: ['kvm->lock -> kvm->slots_lock'],
    },
    {
      name: 'reported: mutex_lock_killable in an if condition is held after it, mutex_lock_interruptible waits too',
      fixture: 'primitives.c',
      fn: 'demo_mutex_killable',
      held: { 'kvm->slots_lock @ mutex_lock_interruptible': ['kvm->lock'] },
      edges: ['kvm->lock -> kvm->slots_lock'],
    },
    pair('reported: spin_lock_irq / spin_unlock_irq', 'demo_spin_irq', 'kvm->mn_invalidate_lock', 'kvm->arch.tsc_write_lock'),
    pair('reported: spin_lock_irqsave / spin_unlock_irqrestore', 'demo_spin_irqsave', 'kvm->mn_invalidate_lock', 'kvm->arch.tsc_write_lock'),
    pair('reported: spin_lock_bh / spin_unlock_bh', 'demo_spin_bh', 'kvm->mn_invalidate_lock', 'kvm->arch.tsc_write_lock'),
    pair('reported: raw_spin_lock_irqsave / raw_spin_unlock_irqrestore', 'demo_raw_spin', 'kvm->arch.tsc_write_lock', 'kvm->arch.demo_irq_lock'),
    pair('reported: read_lock of the rwlock kvm->mmu_lock', 'demo_rwlock_read', 'kvm->mmu_lock', 'kvm->mn_invalidate_lock'),
    pair('reported: write_lock of the rwlock kvm->mmu_lock', 'demo_rwlock_write', 'kvm->mmu_lock', 'kvm->mn_invalidate_lock'),
    pair('reported: down_read / up_read of an rwsem', 'demo_rwsem_read', 'kvm->arch.apicv_update_lock', 'kvm->slots_lock'),
    pair('reported: down_write / up_write of an rwsem', 'demo_rwsem_write', 'kvm->arch.apicv_update_lock', 'kvm->slots_lock'),
    pair('reported: mmap_read_lock(kvm->mm) is mm->mmap_lock', 'demo_mmap_read', 'mm->mmap_lock', 'kvm->mmu_lock'),
    pair('reported: cpus_read_lock() / cpus_read_unlock()', 'demo_cpus_read', 'cpus_read_lock()', 'kvm_lock'),
    pair('reported: srcu_read_lock in a declaration / srcu_read_unlock', 'demo_srcu_read', 'kvm->srcu', 'kvm->slots_arch_lock'),
    {
      name: 'reported: kvm_vcpu_srcu_read_lock(vcpu) is kvm->srcu; validated: kvm_vcpu_srcu_read_unlock releases it',
      fixture: 'primitives.c',
      fn: 'demo_vcpu_srcu',
      held: { 'kvm->slots_arch_lock @ inner': ['kvm->srcu'], 'kvm->slots_lock @ last': [] },
      edges: ['kvm->srcu -> kvm->slots_arch_lock'],
    },
    pair('reported: KVM_MMU_LOCK / KVM_MMU_UNLOCK', 'demo_mmu_lock_macro', 'kvm->mmu_lock', 'kvm->mn_invalidate_lock'),
    {
      name: 'reported: synchronize_srcu under slots_lock is a sync edge; validated: no srcu is held after it',
      fixture: 'primitives.c',
      fn: 'demo_synchronize',
      held: { 'kvm->srcu @ synchronize_srcu_expedited': ['kvm->slots_lock'], 'kvm->srcu @ alone': [], 'kvm->slots_arch_lock @ last': [] },
      edges: ['kvm->slots_lock -> kvm->srcu (sync)'],
    },
    {
      name: 'validated: the second of two same-class locks (_nested) is released by its own unlock, not read as the caller\'s',
      fixture: 'primitives.c',
      fn: 'demo_lock_two_vms',
      held: { 'kvm->lock @ mutex_lock_nested': ['kvm->lock'] },
      edges: ['kvm->lock -> kvm->lock'],
      releasesCallers: [],
    },
    {
      name: 'validated: spin_lock_irqsave_nested and down_write_nested pairs are balanced',
      fixture: 'primitives.c',
      fn: 'demo_nested_numbers',
      held: { 'kvm->arch.apicv_update_lock @ down_write(&kvm->arch.apicv_update_lock)': [] },
      releasesCallers: [],
    },
  ]);

  it('records kind, mode and operation of each primitive', async () => {
    const w = await walkedFor('primitives.c');
    const rows: [fn: string, lock: string, marker: string, want: string][] = [
      ['demo_mutex', 'kvm->lock', 'mutex_lock(&kvm->lock)', 'mutex/write/acquire'],
      ['demo_spin_irq', 'kvm->mn_invalidate_lock', 'spin_lock_irq(', 'spinlock/write/acquire'],
      ['demo_raw_spin', 'kvm->arch.tsc_write_lock', 'raw_spin_lock_irqsave(', 'raw_spinlock/write/acquire'],
      ['demo_rwlock_read', 'kvm->mmu_lock', 'read_lock(', 'rwlock/read/acquire'],
      ['demo_rwlock_write', 'kvm->mmu_lock', 'write_lock(', 'rwlock/write/acquire'],
      ['demo_rwsem_read', 'kvm->arch.apicv_update_lock', 'down_read(', 'rwsem/read/acquire'],
      ['demo_rwsem_write', 'kvm->arch.apicv_update_lock', 'down_write(', 'rwsem/write/acquire'],
      ['demo_mmap_read', 'mm->mmap_lock', 'mmap_read_lock(', 'rwsem/read/acquire'],
      ['demo_cpus_read', 'cpus_read_lock()', 'cpus_read_lock()', 'percpu_rwsem/read/acquire'],
      ['demo_srcu_read', 'kvm->srcu', 'srcu_read_lock(', 'srcu/read/acquire'],
      ['demo_synchronize', 'kvm->srcu', 'alone', 'srcu/write/sync'],
      ['demo_vcpu_srcu', 'kvm->srcu', 'kvm_vcpu_srcu_read_lock(', 'srcu/read/acquire'],
      ['demo_mmu_lock_macro', 'kvm->mmu_lock', 'KVM_MMU_LOCK(', 'rwlock/write/acquire'],
    ];
    const got = rows.map(([fn, lock, marker]) => {
      const sites = w.acquires(fn, lock, marker);
      return [fn, sites.map((a) => `${a.lock.kind}/${a.lock.mode}/${a.op}`).join(',')];
    });
    expect(got).toEqual(rows.map(([fn, , , want]) => [fn, want]));
  });

  it('records the subclass of _nested variants, named (1) or numbered', async () => {
    const w = await walkedFor('primitives.c');
    const sub = (fn: string, lock: string, marker: string): (number | undefined)[] => w.acquires(fn, lock, marker).map((a) => a.subclass);
    expect(sub('demo_lock_two_vms', 'kvm->lock', 'mutex_lock_nested')).toEqual([1]);
    expect(sub('demo_lock_two_vms', 'kvm->lock', 'mutex_lock(&dst->lock)')).toEqual([undefined]);
    expect(sub('demo_nested_numbers', 'kvm->mn_invalidate_lock', 'spin_lock_irqsave_nested')).toEqual([2]);
    expect(sub('demo_nested_numbers', 'kvm->arch.apicv_update_lock', 'down_write_nested')).toEqual([1]);
    expect(w.edge('kvm->lock', 'kvm->lock').subclass).toBe(1);
  });

  it('keeps a function\'s own edges apart from its callees\'', async () => {
    const w = await walkedFor('primitives.c');
    expect(w.localEdges('demo_synchronize')).toEqual(['kvm->slots_lock -> kvm->srcu (sync)']);
  });
});

describe('scope-based locking', () => {
  run([
    {
      name: 'reported: guard(mutex) holds to the end of its block; validated: released after the block',
      fixture: 'scopes.c',
      fn: 'demo_guard_block',
      held: { 'kvm->slots_lock @ in guard': ['kvm->lock'], 'kvm->slots_arch_lock @ after block': [] },
      edges: ['kvm->lock -> kvm->slots_lock'],
    },
    {
      name: 'reported: guard(mutex) at function scope holds after an early return path',
      fixture: 'scopes.c',
      fn: 'demo_guard_function',
      held: { 'kvm->slots_lock @ under function guard': ['kvm->lock'] },
      edges: ['kvm->lock -> kvm->slots_lock'],
    },
    {
      name: 'reported: guard() of spinlock_irqsave, srcu, cpus_read_lock and rwsem_read; validated: guard(rcu) is no lock',
      fixture: 'scopes.c',
      fn: 'demo_guard_kinds',
      held: {
        'kvm->arch.demo_irq_lock @ irqsave guard': ['kvm->mn_invalidate_lock'],
        'kvm->slots_arch_lock @ srcu guard': ['kvm->srcu'],
        'kvm_lock @ cpus guard': ['cpus_read_lock()'],
        'kvm->slots_lock @ rwsem guard': ['kvm->arch.apicv_update_lock'],
        'kvm->lock @ after all guards': [],
      },
      edges: [
        'cpus_read_lock() -> kvm_lock',
        'kvm->arch.apicv_update_lock -> kvm->slots_lock',
        'kvm->mn_invalidate_lock -> kvm->arch.demo_irq_lock',
        'kvm->srcu -> kvm->slots_arch_lock',
      ],
    },
    {
      name: 'reported: scoped_guard(mutex) holds inside its block; validated: not after it',
      fixture: 'scopes.c',
      fn: 'demo_scoped_guard',
      held: { 'kvm->slots_lock @ inside scoped': ['kvm->lock'], 'kvm->slots_arch_lock @ after scoped': [] },
      edges: ['kvm->lock -> kvm->slots_lock'],
    },
    {
      name: 'reported: scoped_guard over one statement without braces; validated: released after it',
      fixture: 'scopes.c',
      fn: 'demo_scoped_guard_statement',
      held: { 'kvm->arch.demo_irq_lock @ one statement': ['kvm->mn_invalidate_lock'], 'kvm->arch.demo_irq_lock @ after statement': [] },
    },
    {
      name: 'validated: a return inside scoped_guard ends the path; the lock is not held after the block',
      fixture: 'scopes.c',
      fn: 'demo_scoped_guard_return',
      held: { 'kvm->mn_invalidate_lock @ before return': ['kvm->mmu_lock'], 'kvm->mn_invalidate_lock @ after return': [] },
    },
    {
      name: 'reported: scoped_cond_guard(mutex_intr, fail, &x) holds x inside; validated: not after',
      fixture: 'scopes.c',
      fn: 'demo_scoped_cond_guard',
      held: { 'kvm->slots_lock @ inside cond': ['kvm->lock'], 'kvm->slots_arch_lock @ after cond': [] },
      edges: ['kvm->lock -> kvm->slots_lock'],
    },
    {
      name: 'validated: scoped_guard(mutex_try) makes no edge into the tried lock; reported: edges from it inside',
      fixture: 'scopes.c',
      fn: 'demo_scoped_try',
      held: { 'kvm->slots_arch_lock @ inside try': ['kvm->lock', 'kvm->slots_lock'] },
      edges: ['kvm->lock -> kvm->slots_arch_lock', 'kvm->slots_lock -> kvm->slots_arch_lock'],
    },
    {
      name: 'validated: continue out of a guard() block releases the guard (no self-edge, nothing after the loop)',
      fixture: 'scopes.c',
      fn: 'demo_guard_continue',
      held: { 'vcpu->mutex @ guard(mutex)': [], 'kvm->slots_lock @ after continue loop': [] },
      edges: [],
    },
    {
      name: 'validated: break out of a guard() block releases the guard',
      fixture: 'scopes.c',
      fn: 'demo_guard_break',
      held: { 'kvm->slots_lock @ after break loop': [] },
      edges: [],
    },
    {
      name: 'validated: break out of a guard() block in a switch case releases the guard',
      fixture: 'scopes.c',
      fn: 'demo_guard_switch',
      held: { 'kvm->slots_lock @ after switch': [] },
      edges: [],
    },
    {
      name: 'validated: goto out of a guard() block releases the guard at the label',
      fixture: 'scopes.c',
      fn: 'demo_guard_goto',
      held: { 'kvm->slots_lock @ at label': [] },
      edges: [],
    },
    {
      name: 'reported: goto to a label inside the guard\'s own block keeps the guard held',
      fixture: 'scopes.c',
      fn: 'demo_guard_goto_inside',
      held: { 'kvm->slots_lock @ label in guard scope': ['kvm->lock'] },
      edges: ['kvm->lock -> kvm->slots_lock'],
    },
    {
      name: 'validated: break inside scoped_guard leaves the guard (a one-pass loop), not the enclosing for',
      fixture: 'scopes.c',
      fn: 'demo_scoped_break',
      held: { 'kvm->slots_lock @ after scoped loop': [] },
      calls: { 'demo_after_scoped @ after scoped break': [] },
      edges: [],
    },
    {
      name: 'validated: goto out of scoped_guard releases its lock',
      fixture: 'scopes.c',
      fn: 'demo_scoped_goto',
      held: { 'kvm->slots_lock @ after scoped goto': [] },
      edges: [],
    },
  ]);

  it('records no call to `guard` itself', async () => {
    const w = await walkedFor('scopes.c');
    expect(w.functions.flatMap((f) => f.calls.filter((c) => c.callee === 'guard').map(() => f.name))).toEqual([]);
  });
});

describe('preconditions', () => {
  run([
    {
      name: 'reported: lockdep_assert_held at the top is a requirement and orders the asserted lock first',
      fixture: 'preconditions.c',
      fn: 'demo_assert_top',
      requires: ['kvm->slots_lock'],
      held: { 'kvm->slots_arch_lock @ under asserted': ['kvm->slots_lock'] },
      edges: ['kvm->slots_lock -> kvm->slots_arch_lock'],
    },
    {
      name: 'reported: two assertions (lockdep_assert_held_write through vcpu->kvm) are both held at a call',
      fixture: 'preconditions.c',
      fn: 'demo_assert_vcpu',
      requires: ['kvm->mmu_lock', 'vcpu->mutex'],
      calls: { 'demo_flush @ under two': ['kvm->mmu_lock', 'vcpu->mutex'] },
    },
    {
      name: 'reported: __must_hold(&kvm->lock) is a requirement and orders kvm->lock first',
      fixture: 'preconditions.c',
      fn: 'demo_must_hold',
      requires: ['kvm->lock'],
      edges: ['kvm->lock -> kvm->arch.demo_apic_map_lock'],
    },
    {
      name: 'validated: an assertion after the function\'s own acquisition is no requirement',
      fixture: 'preconditions.c',
      fn: 'demo_assert_after_take',
      requires: [],
      held: { 'kvm->slots_arch_lock @ own lock': ['kvm->slots_lock'], 'kvm->lock @ after own': [] },
      edges: ['kvm->slots_lock -> kvm->slots_arch_lock'],
    },
    {
      name: 'validated: releasing an asserted lock drops the caller\'s lock: no edge from it to synchronize_srcu',
      fixture: 'preconditions.c',
      fn: 'demo_assert_released',
      requires: ['kvm->slots_lock'],
      releasesCallers: ['kvm->slots_lock'],
      held: { 'kvm->srcu @ outside asserted': [] },
      edges: [],
    },
  ]);

  it('marks precondition entries with line 0', async () => {
    const w = await walkedFor('preconditions.c');
    expect(w.acquires('demo_assert_top', 'kvm->slots_arch_lock')[0]?.held.map((h) => h.line)).toEqual([0]);
  });
});
