/**
 * Statements re-worded from facts, for the embedded default order, which
 * keeps the facts of a locking.rst revision but not its text.
 */
import type { ContextRule, OrderEdge, SrcuRule } from './model.js';

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
