/** Output formats of `kvm-review doc`: name -> renderer. */
import type { DocumentedOrder } from '../../../knowledge/doc/model.js';
import { renderOrderDot } from './dot.js';
import { renderOrderJson } from './json.js';
import { renderOrderMermaid } from './mermaid.js';
import { renderOrderText } from './text.js';

export const ORDER_FORMATS = {
  text: renderOrderText,
  json: renderOrderJson,
  mermaid: renderOrderMermaid,
  dot: renderOrderDot,
} as const satisfies Record<string, (order: DocumentedOrder) => string>;

export type OrderFormat = keyof typeof ORDER_FORMATS;
