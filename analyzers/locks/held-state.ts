/**
 * The abstract state of the held-lock walk: which locks may be held on some
 * path to a point, and which caller-held locks were released on every path.
 */
import type { LockClass } from '../../knowledge/lock-names.js';
import { commonConds } from './conditions.js';
import type { HeldLock, ParamCond } from './model.js';

export interface HeldState {
  /**
   * Locks that may be held, in acquisition order, one entry per acquisition:
   * a class taken twice (`mutex_lock(&dst->lock); mutex_lock_nested(&src->lock, 1);`)
   * has two entries, so the first unlock leaves one held. Use distinct() for one per class.
   */
  held: HeldLock[];
  /** Caller-held classes released on every path to here (and not re-taken). */
  dropped: LockClass[];
  /** Conditions on parameters every path to here passed. */
  when: ParamCond[];
  /**
   * Callees called on every path to here. An entry may name alternatives joined by `|`
   * (ALTERNATIVE): every path called at least one of them (each branch of an if/else-if chain
   * its own callee). C names never contain `|`.
   */
  after: string[];
}

/** Joins the names of an `after` entry every path called one of. */
export const ALTERNATIVE = '|';

/** Alternatives past this many make no entry: a release on each is too rare to pay for. */
const MAX_ALTERNATIVES = 8;

export const EMPTY: HeldState = { held: [], dropped: [], when: [], after: [] };

export function copyState(s: HeldState): HeldState {
  return { held: [...s.held], dropped: [...s.dropped], when: [...s.when], after: [...s.after] };
}

/** The state on a path that also passed `conds`. */
export function assume(s: HeldState, conds: readonly ParamCond[]): HeldState {
  return conds.length ? { ...s, when: [...s.when, ...conds] } : s;
}

/** The state after calling `callee`. */
export function called(s: HeldState, callee: string): HeldState {
  return s.after.includes(callee) ? s : { ...s, after: [...s.after, callee] };
}

export function isHeld(s: HeldState, cls: LockClass): boolean {
  return s.held.some((h) => h.class === cls);
}

export function take(s: HeldState, lock: HeldLock): HeldState {
  // Every acquisition is an entry. Keeping one per class made the second of two
  // same-class unlocks (two VMs' kvm->lock, _nested) read as dropping the caller's lock.
  return {
    ...s,
    held: [...s.held, lock],
    dropped: s.dropped.filter((d) => d !== lock.class),
  };
}

/** The first (outermost) entry of each class: what an acquisition or call site records. */
export function distinct(held: readonly HeldLock[]): HeldLock[] {
  return held.filter((h, i) => held.findIndex((x) => x.class === h.class) === i);
}

/** Release cls; returns null when it was not held here (the caller's lock is being dropped). */
export function release(s: HeldState, cls: LockClass): HeldState | null {
  const idx = s.held.map((h) => h.class).lastIndexOf(cls);
  if (idx < 0) return null;
  return { ...s, held: s.held.filter((_, i) => i !== idx) };
}

export function drop(s: HeldState, cls: LockClass): HeldState {
  return { ...s, dropped: s.dropped.includes(cls) ? s.dropped : [...s.dropped, cls] };
}

/**
 * Join of paths: a lock held on any incoming path may be held (may-analysis
 * finds every order some path takes); a caller lock counts as dropped only
 * when every path dropped it, so no edge is lost.
 */
export function join(states: readonly HeldState[]): HeldState | null {
  if (states.length === 0) return null;
  const [first, ...rest] = states as [HeldState, ...HeldState[]];
  const held = [...first.held];
  // Per class, as many entries as the path that holds the most of it.
  for (const s of rest) {
    const seen = new Map<LockClass, number>();
    for (const h of s.held) {
      const n = (seen.get(h.class) ?? 0) + 1;
      seen.set(h.class, n);
      if (held.filter((x) => x.class === h.class).length < n) held.push(h);
    }
  }
  const dropped = first.dropped.filter((d) => rest.every((s) => s.dropped.includes(d)));
  const after = first.after.filter((c) => rest.every((s) => s.after.includes(c)));
  const either = rest.length ? alternatives(states, after) : null;
  return { held, dropped, when: commonConds(states.map((s) => s.when)), after: either ? [...after, either] : after };
}

/**
 * The entry saying every path called one of the calls it made last beyond `common`
 * (`if (a) create(); else delete();` called create or delete), or null when a path
 * made none or they are too many.
 */
function alternatives(states: readonly HeldState[], common: readonly string[]): string | null {
  const names = new Set<string>();
  for (const s of states) {
    let last: string | undefined;
    for (let i = s.after.length - 1; i >= 0 && last === undefined; i--) if (!common.includes(s.after[i] as string)) last = s.after[i];
    if (last === undefined) return null;
    for (const n of last.split(ALTERNATIVE)) names.add(n);
    if (names.size > MAX_ALTERNATIVES) return null;
  }
  return [...names].sort().join(ALTERNATIVE);
}
