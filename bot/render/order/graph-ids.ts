/** Stable node identifiers for graph formats, which cannot use `kvm->lock` as an id. */
import type { DocumentedOrder } from '../../../knowledge/doc/model.js';

export function lockNodes(order: DocumentedOrder): Map<string, string> {
  const names = new Set<string>();
  for (const e of order.edges) names.add(e.outer).add(e.inner);
  const ids = new Map<string, string>();
  [...names].sort().forEach((name, i) => ids.set(name, `L${i}`));
  return ids;
}

export function archLabel(arch: string | null): string {
  return arch ?? 'all';
}
