/** The `doc --format json` contract: the DocumentedOrder as it is (see README). */
import type { DocumentedOrder } from '../../../knowledge/doc/model.js';

export function renderOrderJson(order: DocumentedOrder): string {
  return JSON.stringify(order, null, 2) + '\n';
}
