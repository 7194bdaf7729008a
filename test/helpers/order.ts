/** Compact views of a DocumentedOrder for assertions. */
import type { DocumentedOrder } from '../../knowledge/doc/model.js';

/** "outer -> inner" (plus " @arch" when scoped), ordering rules only, de-duplicated and sorted. */
export function orderEdges(order: DocumentedOrder): string[] {
  const set = new Set(order.edges.filter((e) => !e.srcu).map((e) => `${e.outer} -> ${e.inner}${e.arch ? ` @${e.arch}` : ''}`));
  return [...set].sort();
}

/** "lock: allowed|forbidden", de-duplicated and sorted. */
export function srcuRules(order: DocumentedOrder): string[] {
  const set = new Set(order.srcu.map((r) => `${r.lock}: ${r.allowedInReadSide ? 'allowed' : 'forbidden'}`));
  return [...set].sort();
}

export function problemKinds(order: DocumentedOrder, ...kinds: string[]): string[] {
  return order.problems.filter((p) => kinds.includes(p.kind)).map((p) => p.message);
}
