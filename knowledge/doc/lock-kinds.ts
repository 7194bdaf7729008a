/**
 * The kind of a lock as the document states it: its lock table entry's
 * :Type: ("mutex", "raw_spinlock_t", "spinlock_t or rwlock_t") and "X is an
 * rwlock" statements. What the review without a tree knows of a lock's
 * kind, to check a new leaf rule ("no other mutex should be taken inside
 * X") against the orders the document states. A lock the document gives no
 * type is of no known kind: it is not counted against a rule for mutexes.
 */
import type { LockKind } from '../lock-primitives-model.js';
import type { LockClass } from '../lock-names.js';
import type { DocumentedOrder, LeafRule, OrderEdge } from './model.js';

/** The kinds a type as written names ("spinlock_t or rwlock_t": both). */
function kindsOfType(type: string): LockKind[] {
  const out: LockKind[] = [];
  for (const word of type.toLowerCase().split(/\s+or\s+|\s*,\s*/)) {
    if (/percpu_rw_?sem/.test(word)) out.push('percpu_rwsem');
    else if (/rw_?sem|rw_semaphore/.test(word)) out.push('rwsem');
    else if (/raw_spinlock/.test(word)) out.push('raw_spinlock');
    else if (/spinlock/.test(word)) out.push('spinlock');
    else if (/rwlock/.test(word)) out.push('rwlock');
    else if (/\bsrcu\b/.test(word)) out.push('srcu');
    else if (/mutex/.test(word)) out.push('mutex');
  }
  return [...new Set(out)];
}

/** Each lock's documented kinds (empty: the document does not say). A type statement refines the table's. */
export function documentedKinds(doc: Pick<DocumentedOrder, 'locks' | 'types'>): Map<LockClass, LockKind[]> {
  const out = new Map<LockClass, LockKind[]>();
  for (const l of doc.locks) if (l.type) out.set(l.name, kindsOfType(l.type));
  for (const t of doc.types) {
    const kinds = kindsOfType(t.type);
    if (kinds.length) out.set(t.lock, kinds);
  }
  return out;
}

/**
 * The documented orders that take, inside leaf rule `r`'s lock, a lock of a
 * kind it forbids: a document that states both contradicts itself. An order
 * for another architecture than the rule's is no contradiction; a lock the
 * document gives no kind is not counted against a rule for some kinds only.
 */
export function leafContradictions(r: LeafRule, edges: readonly OrderEdge[], kinds: Map<LockClass, LockKind[]>): OrderEdge[] {
  return edges.filter((e) => {
    if (e.outer !== r.lock || e.inner === r.lock) return false;
    if (r.arch && e.arch && e.arch !== r.arch) return false;
    return r.kinds === null || (kinds.get(e.inner) ?? []).some((k) => r.kinds?.includes(k));
  });
}
