/**
 * Lock facts of one function, as plain JSON: what the per-file stage
 * produces, what the cache stores, and all that the interprocedural stage
 * reads. No tree-sitter node crosses this boundary.
 */
import type { LockKind } from '../../knowledge/lock-primitives-model.js';
import type { LockClass } from '../../knowledge/lock-names.js';

/** A lock as one site uses it. */
export interface LockUse {
  class: LockClass;
  kind: LockKind;
  mode: 'read' | 'write';
  /** True when the class is a guess from a variable's name rather than its declared type. */
  guessed: boolean;
  /** The argument as written: `&vcpu->kvm->slots_lock`. */
  expr: string;
}

/** A lock held at some point, and where it was taken. */
export interface HeldLock extends LockUse {
  /** 1-based line where it was taken, in this function; 0 for a precondition (lockdep_assert_held, __must_hold). */
  line: number;
  /** Taken by a successful trylock. */
  viaTry: boolean;
}

/**
 * What a path to a site assumes about a parameter the body never writes:
 * truthy, falsy, equal or unequal to a constant as written (`MSR_IA32_TSC`).
 */
export interface ParamCond {
  /** 0-based parameter index; -1 for a condition on an invariant's fact. */
  param: number;
  op: 'true' | 'false' | 'eq' | 'ne';
  value?: string;
  /** The id of the invariant (knowledge/invariants.ts) whose test the branch reads; `op` is then 'true' or 'false'. */
  fact?: string;
}

/** An argument as a callee's branches can use it: a constant, or the caller's own (unwritten) parameter. */
export type ArgValue = { const: string } | { param: number } | null;

/** An acquisition in a function body with the locks this function holds there. */
export interface AcquireSite {
  lock: LockUse;
  line: number;
  /** 'acquire' waits; 'try' never waits (no edge into it); 'sync' is synchronize_srcu(). */
  op: 'acquire' | 'try' | 'sync';
  /** Locks held here by this function (including its preconditions). */
  held: HeldLock[];
  /** Caller-held locks this function released before this point (kvm_vcpu_srcu_read_unlock before slots_lock). */
  dropped: LockClass[];
  /** lockdep subclass, when the primitive was a _nested variant. */
  subclass?: number;
  /** Conditions on parameters every path to here passed (absent: none). */
  when?: ParamCond[];
  /** Callees called on every path to here before it (absent: none): a callee that releases a caller's lock releases it here. */
  after?: string[];
}

/** A call to a function that is not a lock primitive. */
export interface CallSite {
  callee: string;
  line: number;
  held: HeldLock[];
  dropped: LockClass[];
  /** Constant and pass-through arguments, by position (absent: none). */
  args?: ArgValue[];
  when?: ParamCond[];
  after?: string[];
}

/** Lock facts of one function. */
export interface FunctionFacts {
  name: string;
  /** Tree-relative path. */
  file: string;
  line: number;
  endLine: number;
  static: boolean;
  acquires: AcquireSite[];
  calls: CallSite[];
  /** Locks every caller must hold: lockdep_assert_held*() and __must_hold(). */
  requires: LockUse[];
  /** Caller-held locks this function releases (and may re-take). */
  releasesCallers: LockUse[];
  /** Callees called on every path out of the function (absent: none), as a site's `after`: a callee's release is its callers'. */
  exitAfter?: string[];
  /** Lock expressions the walk could not turn into a class, with their lines. */
  unresolved: { expr: string; line: number; reason: string }[];
  /** The body had parse errors: facts may be incomplete. */
  damaged: boolean;
  /** Why the walk gave up on this function (nesting past its limit); its facts are then empty, not partial. */
  notAnalysed?: string;
}
