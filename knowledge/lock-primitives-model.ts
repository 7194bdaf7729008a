/**
 * The shape of a lock primitive: one row per function or macro name. Adding a
 * primitive is adding one row to ./lock-primitives.ts.
 */

/** What a call does to the lock named by its argument. */
export type LockOp =
  /** takes the lock, waiting if needed */
  | 'acquire'
  /** drops the lock */
  | 'release'
  /** takes the lock only if free; never waits, so it creates no edge into the lock */
  | 'try'
  /** waits for every reader of an SRCU domain (synchronize_srcu): a write acquisition for ordering purposes */
  | 'sync'
  /** asserts the lock is held (lockdep_assert_held): a precondition on callers */
  | 'assert'
  /** scope-based: holds the lock to the end of the enclosing block (guard(T)(&x)) */
  | 'guard'
  /** scope-based: holds the lock inside the following block (scoped_guard(T, &x) { }) */
  | 'scoped-guard';

/** The kind of lock, which decides blocking rules. */
export type LockKind = 'mutex' | 'spinlock' | 'raw_spinlock' | 'rwlock' | 'rwsem' | 'srcu' | 'percpu_rwsem' | 'other';

export interface LockPrimitive {
  /** Function or macro name as called. */
  name: string;
  op: LockOp;
  kind: LockKind;
  /** read (shared) or write (exclusive) side. Mutexes and spinlocks are 'write'. */
  mode: 'read' | 'write';
  /**
   * Which argument names the lock (0-based), or a fixed class when the
   * primitive takes no lock argument (cpus_read_lock() -> 'cpus_read_lock()').
   */
  arg: number | { fixed: string };
  /**
   * How to reach the lock from the argument when the argument is not the lock
   * itself: `kvm_vcpu_srcu_read_lock(vcpu)` locks `vcpu->kvm->srcu`, written
   * as the member path appended to the argument: '->kvm->srcu'.
   */
  via?: string;
  /** Argument index of a lockdep subclass (`mutex_lock_nested(&x, SUBCLASS)`): same-class nesting is deliberate. */
  subclassArg?: number;
  /** For guard/scoped_guard: the guard type name (`mutex`, `spinlock_irqsave`, `srcu`...). */
  guardType?: string;
}
