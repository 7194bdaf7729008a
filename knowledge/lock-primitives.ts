/**
 * The lock primitives: one row per function or macro name (shape in
 * ./lock-primitives-model.ts), the scope-based guard types, and the names
 * that look like primitives but deliberately are not rows.
 *
 * Checked against Linux 6.12 (Debian linux-source-6.12): include/linux/
 * {mutex,spinlock,rwlock,rwsem,srcu,lockdep,cleanup}.h, kernel/cpu.c and
 * the KVM sources of the extracted tree; include/linux/{mmap_lock,cpuhplock,
 * fs,xarray}.h are not in the extracted tree and were read in the source
 * package. Rows marked "after 6.12" could not be checked there.
 *
 * Conventions: `arg` is 0-based; mutexes and spinlocks are mode 'write';
 * `_interruptible`/`_killable` acquires wait like the plain ones and are
 * 'acquire' (they may fail, which the model does not record); trylocks
 * succeed on a non-zero return. `_nest_lock(lock, nest)` variants are plain
 * acquires: the model has no field yet for "same-class nesting allowed under
 * nest", so their self-edges are not marked deliberate.
 */
import type { LockKind, LockOp, LockPrimitive } from './lock-primitives-model.js';

type Extra = Partial<Pick<LockPrimitive, 'arg' | 'via' | 'subclassArg' | 'mode'>>;

function row(kind: LockKind, mode: 'read' | 'write') {
  return (name: string, op: LockOp, extra: Extra = {}): LockPrimitive => ({ name, op, kind, mode, arg: 0, ...extra });
}
const mutex = row('mutex', 'write');
const spin = row('spinlock', 'write');
const raw = row('raw_spinlock', 'write');
const rwRead = row('rwlock', 'read');
const rwWrite = row('rwlock', 'write');
const semRead = row('rwsem', 'read');
const semWrite = row('rwsem', 'write');
const srcu = row('srcu', 'read');
const cpus = row('percpu_rwsem', 'read');
const held = row('other', 'write');

const CPUS = { arg: { fixed: 'cpus_read_lock()' } } as const;
const MMAP = { via: '->mmap_lock' } as const;
const VCPU_MUTEX = { arg: { fixed: 'vcpu->mutex' } } as const;

/** Every lock primitive, one row per name. */
export const LOCK_PRIMITIVES: readonly LockPrimitive[] = [
  // include/linux/mutex.h
  mutex('mutex_lock', 'acquire'),
  mutex('mutex_lock_interruptible', 'acquire'),
  mutex('mutex_lock_killable', 'acquire'),
  mutex('mutex_lock_io', 'acquire'),
  mutex('mutex_lock_nested', 'acquire', { subclassArg: 1 }),
  mutex('mutex_lock_interruptible_nested', 'acquire', { subclassArg: 1 }),
  mutex('mutex_lock_killable_nested', 'acquire', { subclassArg: 1 }),
  mutex('mutex_lock_io_nested', 'acquire', { subclassArg: 1 }),
  mutex('mutex_lock_nest_lock', 'acquire'),
  mutex('mutex_trylock', 'try'),
  mutex('mutex_unlock', 'release'),

  // include/linux/spinlock.h
  spin('spin_lock', 'acquire'),
  spin('spin_lock_irq', 'acquire'),
  spin('spin_lock_irqsave', 'acquire'),
  spin('spin_lock_bh', 'acquire'),
  spin('spin_lock_nested', 'acquire', { subclassArg: 1 }),
  spin('spin_lock_irqsave_nested', 'acquire', { subclassArg: 2 }),
  spin('spin_lock_nest_lock', 'acquire'),
  spin('spin_trylock', 'try'),
  spin('spin_trylock_irq', 'try'),
  spin('spin_trylock_irqsave', 'try'),
  spin('spin_trylock_bh', 'try'),
  spin('spin_unlock', 'release'),
  spin('spin_unlock_irq', 'release'),
  spin('spin_unlock_irqrestore', 'release'),
  spin('spin_unlock_bh', 'release'),

  // include/linux/spinlock.h, raw_spinlock_t
  raw('raw_spin_lock', 'acquire'),
  raw('raw_spin_lock_irq', 'acquire'),
  raw('raw_spin_lock_irqsave', 'acquire'),
  raw('raw_spin_lock_bh', 'acquire'),
  raw('raw_spin_lock_nested', 'acquire', { subclassArg: 1 }),
  raw('raw_spin_lock_irqsave_nested', 'acquire', { subclassArg: 2 }),
  raw('raw_spin_lock_nest_lock', 'acquire'),
  raw('raw_spin_trylock', 'try'),
  raw('raw_spin_trylock_irq', 'try'),
  raw('raw_spin_trylock_irqsave', 'try'),
  raw('raw_spin_trylock_bh', 'try'),
  raw('raw_spin_unlock', 'release'),
  raw('raw_spin_unlock_irq', 'release'),
  raw('raw_spin_unlock_irqrestore', 'release'),
  raw('raw_spin_unlock_bh', 'release'),

  // include/linux/rwlock.h (x86 and arm64 kvm->mmu_lock is an rwlock)
  rwRead('read_lock', 'acquire'),
  rwRead('read_lock_irq', 'acquire'),
  rwRead('read_lock_irqsave', 'acquire'),
  rwRead('read_lock_bh', 'acquire'),
  rwRead('read_trylock', 'try'),
  rwRead('read_unlock', 'release'),
  rwRead('read_unlock_irq', 'release'),
  rwRead('read_unlock_irqrestore', 'release'),
  rwRead('read_unlock_bh', 'release'),
  rwWrite('write_lock', 'acquire'),
  rwWrite('write_lock_irq', 'acquire'),
  rwWrite('write_lock_irqsave', 'acquire'),
  rwWrite('write_lock_bh', 'acquire'),
  rwWrite('write_lock_nested', 'acquire', { subclassArg: 1 }),
  rwWrite('write_trylock', 'try'),
  rwWrite('write_trylock_irqsave', 'try'),
  rwWrite('write_unlock', 'release'),
  rwWrite('write_unlock_irq', 'release'),
  rwWrite('write_unlock_irqrestore', 'release'),
  rwWrite('write_unlock_bh', 'release'),

  // include/linux/rwsem.h (downgrade_write: see NOT_PRIMITIVES)
  semRead('down_read', 'acquire'),
  semRead('down_read_interruptible', 'acquire'),
  semRead('down_read_killable', 'acquire'),
  semRead('down_read_nested', 'acquire', { subclassArg: 1 }),
  semRead('down_read_killable_nested', 'acquire', { subclassArg: 1 }),
  semRead('down_read_non_owner', 'acquire'),
  semRead('down_read_trylock', 'try'),
  semRead('up_read', 'release'),
  semRead('up_read_non_owner', 'release'),
  semWrite('down_write', 'acquire'),
  semWrite('down_write_killable', 'acquire'),
  semWrite('down_write_nested', 'acquire', { subclassArg: 1 }),
  semWrite('down_write_killable_nested', 'acquire', { subclassArg: 1 }),
  semWrite('down_write_nest_lock', 'acquire'),
  semWrite('down_write_trylock', 'try'),
  semWrite('up_write', 'release'),

  // include/linux/mmap_lock.h: the argument is the mm, the lock is mm->mmap_lock
  semRead('mmap_read_lock', 'acquire', MMAP),
  semRead('mmap_read_lock_killable', 'acquire', MMAP),
  semRead('mmap_read_trylock', 'try', MMAP),
  semRead('mmap_read_unlock', 'release', MMAP),
  semRead('mmap_read_unlock_non_owner', 'release', MMAP),
  semRead('mmap_assert_locked', 'assert', MMAP),
  semWrite('mmap_write_lock', 'acquire', MMAP),
  semWrite('mmap_write_lock_killable', 'acquire', MMAP),
  semWrite('mmap_write_lock_nested', 'acquire', { ...MMAP, subclassArg: 1 }),
  semWrite('mmap_write_unlock', 'release', MMAP),
  semWrite('mmap_assert_write_locked', 'assert', MMAP),

  // kernel/cpu.c: percpu_down_read(&cpu_hotplug_lock), one class whatever the mode
  cpus('cpus_read_lock', 'acquire', CPUS),
  cpus('cpus_read_trylock', 'try', CPUS),
  cpus('cpus_read_unlock', 'release', CPUS),
  cpus('lockdep_assert_cpus_held', 'assert', CPUS),
  cpus('cpus_write_lock', 'acquire', { ...CPUS, mode: 'write' }),
  cpus('cpus_write_unlock', 'release', { ...CPUS, mode: 'write' }),

  // include/linux/srcu.h: readers never exclude each other; synchronize waits for all of them
  srcu('srcu_read_lock', 'acquire'),
  srcu('srcu_read_lock_nmisafe', 'acquire'),
  srcu('srcu_read_lock_notrace', 'acquire'),
  srcu('srcu_down_read', 'acquire'),
  srcu('srcu_read_unlock', 'release'),
  srcu('srcu_read_unlock_nmisafe', 'release'),
  srcu('srcu_read_unlock_notrace', 'release'),
  srcu('srcu_up_read', 'release'),
  // after 6.12 (srcu_read_lock_lite in 6.13, _fast in 6.15): same read side, not checked here
  srcu('srcu_read_lock_lite', 'acquire'),
  srcu('srcu_read_unlock_lite', 'release'),
  srcu('srcu_read_lock_fast', 'acquire'),
  srcu('srcu_read_unlock_fast', 'release'),
  srcu('synchronize_srcu', 'sync', { mode: 'write' }),
  srcu('synchronize_srcu_expedited', 'sync', { mode: 'write' }),

  // include/linux/lockdep.h: the kind comes from the lock, not the assertion
  held('lockdep_assert_held', 'assert'),
  held('lockdep_assert_held_once', 'assert'),
  held('lockdep_assert_held_write', 'assert'),
  held('lockdep_assert_held_read', 'assert', { mode: 'read' }),

  // include/linux/kvm_host.h
  srcu('kvm_vcpu_srcu_read_lock', 'acquire', { via: '->kvm->srcu' }),
  srcu('kvm_vcpu_srcu_read_unlock', 'release', { via: '->kvm->srcu' }),
  // virt/kvm/kvm_mm.h: write_lock() with KVM_HAVE_MMU_RWLOCK (x86, arm64), spin_lock() elsewhere
  rwWrite('KVM_MMU_LOCK', 'acquire', { via: '->mmu_lock' }),
  rwWrite('KVM_MMU_UNLOCK', 'release', { via: '->mmu_lock' }),
  // arch/x86/kvm/mmu/tdp_mmu.c: held for read or write depending on `shared`; read is the weaker claim
  rwRead('kvm_lockdep_assert_mmu_lock_held', 'assert', { via: '->mmu_lock' }),
  // arch/x86/kvm/i8259.c: __acquires(&s->lock) / __releases(&s->lock)
  spin('pic_lock', 'acquire', { via: '->lock' }),
  spin('pic_unlock', 'release', { via: '->lock' }),
  // arch/x86/kvm/x86.c: return holding kvm->arch.tsc_write_lock, released by kvm_end_pvclock_update()
  raw('__kvm_start_pvclock_update', 'acquire', { via: '->arch.tsc_write_lock' }),
  raw('kvm_start_pvclock_update', 'acquire', { via: '->arch.tsc_write_lock' }),
  raw('kvm_end_pvclock_update', 'release', { via: '->arch.tsc_write_lock' }),
  // arch/x86/kvm/svm/sev.c: dst kvm->lock, then src kvm->lock at SINGLE_DEPTH_NESTING (one class)
  mutex('sev_lock_two_vms', 'acquire', { via: '->lock' }),
  mutex('sev_unlock_two_vms', 'release', { via: '->lock' }),
  // arch/x86/kvm/svm/sev.c: every vcpu->mutex of the VM, with the migration role as subclass
  mutex('sev_lock_vcpus_for_migration', 'acquire', { ...VCPU_MUTEX, subclassArg: 1 }),
  mutex('sev_unlock_vcpus_for_migration', 'release', VCPU_MUTEX),
  // arch/arm64/kvm/arm.c: mutex_trylock() of every vcpu->mutex; true when all were taken
  mutex('lock_all_vcpus', 'try', VCPU_MUTEX),
  mutex('unlock_all_vcpus', 'release', VCPU_MUTEX),
  // arch/arm64/kvm/hyp: the nVHE hypervisor's own ticket spinlock and its users in mem_protect.c
  spin('hyp_spin_lock', 'acquire'),
  spin('hyp_spin_unlock', 'release'),
  spin('hyp_assert_lock_held', 'assert'),
  spin('host_lock_component', 'acquire', { arg: { fixed: 'host_mmu.lock' } }),
  spin('host_unlock_component', 'release', { arg: { fixed: 'host_mmu.lock' } }),
  spin('hyp_lock_component', 'acquire', { arg: { fixed: 'pkvm_pgd_lock' } }),
  spin('hyp_unlock_component', 'release', { arg: { fixed: 'pkvm_pgd_lock' } }),
  spin('guest_lock_component', 'acquire', { via: '->lock' }),
  spin('guest_unlock_component', 'release', { via: '->lock' }),

  // include/linux/fs.h (guest_memfd): mapping->invalidate_lock
  semWrite('filemap_invalidate_lock', 'acquire', { via: '->invalidate_lock' }),
  semWrite('filemap_invalidate_unlock', 'release', { via: '->invalidate_lock' }),
  semRead('filemap_invalidate_lock_shared', 'acquire', { via: '->invalidate_lock' }),
  semRead('filemap_invalidate_unlock_shared', 'release', { via: '->invalidate_lock' }),
  // include/linux/xarray.h (arm64 vgic LPIs): xa->xa_lock
  spin('xa_lock', 'acquire', { via: '->xa_lock' }),
  spin('xa_lock_irq', 'acquire', { via: '->xa_lock' }),
  spin('xa_lock_irqsave', 'acquire', { via: '->xa_lock' }),
  spin('xa_lock_bh', 'acquire', { via: '->xa_lock' }),
  spin('xa_trylock', 'try', { via: '->xa_lock' }),
  spin('xa_unlock', 'release', { via: '->xa_lock' }),
  spin('xa_unlock_irq', 'release', { via: '->xa_lock' }),
  spin('xa_unlock_irqrestore', 'release', { via: '->xa_lock' }),
  spin('xa_unlock_bh', 'release', { via: '->xa_lock' }),
];

/**
 * Names that look like primitives but are deliberately not rows, with why.
 * A call to one of them creates no ordering edge.
 */
export const NOT_PRIMITIVES: ReadonlyMap<string, string> = new Map([
  ['call_srcu', 'queues a callback and returns: it never waits for readers, so it creates no edge'],
  ['srcu_barrier', 'waits for queued call_srcu() callbacks; lockdep does not model it as a grace-period wait, and KVM 6.12 does not call it'],
  ['downgrade_write', 'turns a held write rwsem into a read hold; the model has no downgrade op, so the lock stays held for write (the stricter reading)'],
  ['mmap_write_downgrade', 'downgrade_write() of mm->mmap_lock: see downgrade_write'],
  ['cond_resched_rwlock_read', 'drops and re-takes a lock the caller already holds; the held set does not change'],
  ['cond_resched_rwlock_write', 'drops and re-takes a lock the caller already holds; the held set does not change'],
  ['lockdep_assert_not_held', 'asserts the lock is free: no precondition'],
  ['lockdep_is_held', 'a test, not an assertion'],
  ['srcu_read_lock_held', 'a test, not an assertion'],
  ['rcu_read_lock', 'RCU readers are not lock classes in this model; synchronize_rcu() is not tracked'],
  ['rcu_read_unlock', 'RCU readers are not lock classes in this model'],
  ['vgic_queue_irq_unlock', 'releases the caller-held irq->irq_lock (__releases) but does much more; analysed from its body'],
]);

/** A guard type (the T of guard(T)) that takes a lock. */
export interface GuardType {
  /** As written in guard(T): `mutex`, `spinlock_irqsave`, `rwsem_read_try`. */
  type: string;
  kind: LockKind;
  mode: 'read' | 'write';
  /** False for the `_try` guards: they never wait, so no edge into the lock. */
  waits: boolean;
  /** True for `_try` and `_intr`: the lock may not be taken; it is held only in the success branch. */
  conditional: boolean;
  /** A fixed class for guards without a lock argument (DEFINE_LOCK_GUARD_0). */
  fixed?: string;
  /** lockdep subclass the guard always uses (raw_spinlock_nested: SINGLE_DEPTH_NESTING). */
  subclass?: number;
}

function guards(kind: LockKind, mode: 'read' | 'write', base: string, exts: readonly string[]): GuardType[] {
  return exts.map((ext) => ({
    type: base + ext,
    kind,
    mode,
    waits: ext !== '_try',
    conditional: ext === '_try' || ext === '_intr',
    ...(ext === '_nested' ? { subclass: 1 } : {}),
  }));
}

/**
 * Every lock guard type in 6.12: DEFINE_GUARD / DEFINE_LOCK_GUARD_1 and their
 * _COND extensions in mutex.h, rwsem.h, spinlock.h, srcu.h, and
 * DEFINE_LOCK_GUARD_0(cpus_read_lock) in cpuhplock.h.
 */
export const GUARD_TYPES: readonly GuardType[] = [
  ...guards('mutex', 'write', 'mutex', ['', '_try', '_intr']),
  ...guards('rwsem', 'read', 'rwsem_read', ['', '_try', '_intr']),
  ...guards('rwsem', 'write', 'rwsem_write', ['', '_try']),
  ...guards('spinlock', 'write', 'spinlock', ['', '_try']),
  ...guards('spinlock', 'write', 'spinlock_irq', ['', '_try']),
  ...guards('spinlock', 'write', 'spinlock_bh', ['', '_try']),
  ...guards('spinlock', 'write', 'spinlock_irqsave', ['', '_try']),
  ...guards('raw_spinlock', 'write', 'raw_spinlock', ['', '_try', '_nested']),
  ...guards('raw_spinlock', 'write', 'raw_spinlock_irq', ['', '_try']),
  ...guards('raw_spinlock', 'write', 'raw_spinlock_bh', ['', '_try']),
  ...guards('raw_spinlock', 'write', 'raw_spinlock_irqsave', ['', '_try']),
  ...guards('rwlock', 'read', 'read_lock', ['', '_irq', '_irqsave']),
  ...guards('rwlock', 'write', 'write_lock', ['', '_irq', '_irqsave']),
  ...guards('srcu', 'read', 'srcu', ['']),
  { type: 'cpus_read_lock', kind: 'percpu_rwsem', mode: 'read', waits: true, conditional: false, fixed: 'cpus_read_lock()' },
];

/** Guard types that are scopes but not locks (rcu, preempt, irq...): a guard of one creates no edge. */
export const NON_LOCK_GUARD_TYPES: ReadonlySet<string> = new Set([
  'rcu', 'preempt', 'preempt_notrace', 'migrate', 'irq', 'irqsave',
  'local_lock', 'local_lock_irq', 'local_lock_irqsave', 'local_lock_nested_bh',
]);

/** A guard use as a primitive row: `guard(mutex)(&x)` or `scoped_guard(mutex, &x)`. */
export interface GuardPrimitive extends LockPrimitive {
  op: 'guard' | 'scoped-guard';
  guardType: string;
  /** False for `_try` guards: no edge into the lock. */
  waits: boolean;
  /** The lock is held only when taking it succeeded (scoped_cond_guard's body, scoped_guard(T_try)'s body). */
  conditional: boolean;
  /** Subclass fixed by the guard type. */
  subclass?: number;
}

const PRIMITIVES = new Map(LOCK_PRIMITIVES.map((p) => [p.name, p]));
const GUARDS = new Map(GUARD_TYPES.map((g) => [g.type, g]));

/** The row for a called name, or undefined when the name is not a lock primitive. */
export function lookupPrimitive(name: string): LockPrimitive | undefined {
  return PRIMITIVES.get(name);
}

/**
 * The primitive for a guard of type T. `arg` counts the lock arguments only:
 * 0 is `&x` in guard(T)(&x), scoped_guard(T, &x) and scoped_cond_guard(T, fail, &x).
 * Undefined for an unknown type and for NON_LOCK_GUARD_TYPES.
 */
export function guardPrimitive(guardType: string, op: 'guard' | 'scoped-guard'): GuardPrimitive | undefined {
  const g = GUARDS.get(guardType.trim());
  if (!g) return undefined;
  const macro = op === 'guard' ? 'guard' : 'scoped_guard';
  return {
    name: `${macro}(${g.type})`,
    op,
    kind: g.kind,
    mode: g.mode,
    arg: g.fixed ? { fixed: g.fixed } : 0,
    guardType: g.type,
    waits: g.waits,
    conditional: g.conditional,
    ...(g.subclass !== undefined ? { subclass: g.subclass } : {}),
  };
}

/** Why a name that looks like a lock call is not a primitive, or undefined. */
export function whyNotPrimitive(name: string): string | undefined {
  return NOT_PRIMITIVES.get(name);
}
