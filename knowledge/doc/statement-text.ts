/**
 * Statements re-worded from facts, for the embedded default order, which
 * keeps the facts of a locking.rst revision but not its text.
 */
import type { ContextRule, LeafRule, OrderEdge, SrcuRule } from './model.js';

export function edgeStatement(e: Pick<OrderEdge, 'outer' | 'inner' | 'srcu' | 'condition'>): string {
  if (e.srcu === 'synchronize') return `synchronize_srcu(&kvm->srcu) is called inside ${e.outer}`;
  if (e.srcu === 'read-side') return `${e.inner} can be taken inside a kvm->srcu read-side critical section`;
  const base = `${e.outer} is taken outside ${e.inner}`;
  return e.condition ? `${base} (${e.condition})` : base;
}

export function srcuStatement(r: Pick<SrcuRule, 'lock' | 'allowedInReadSide'>): string {
  return r.allowedInReadSide
    ? `${r.lock} can be taken inside a kvm->srcu read-side critical section`
    : `synchronize_srcu(&kvm->srcu) is called inside ${r.lock}, so it cannot be taken inside a kvm->srcu read-side critical section`;
}

export function contextStatement(c: Pick<ContextRule, 'context' | 'forbidden'>): string {
  return `${c.context} must not take ${c.forbidden.join(' or ')}`;
}

/** "no mutex is taken inside kvm_lock", "no lock is taken inside X". */
export function leafStatement(l: Pick<LeafRule, 'lock' | 'kinds' | 'condition'>): string {
  const base = `no ${leafNoun(l.kinds)} is taken inside ${l.lock}`;
  return l.condition ? `${base} (${l.condition})` : base;
}

/** The lock kinds of a leaf rule as a noun: "mutex", "spinlock", "lock" for every kind. */
export function leafNoun(kinds: LeafRule['kinds']): string {
  if (!kinds) return 'other lock';
  if (kinds.includes('mutex')) return 'mutex';
  if (kinds.includes('spinlock')) return 'spinlock';
  if (kinds.includes('rwsem')) return 'semaphore';
  return kinds.join(' or ');
}
