/**
 * `doc --format mermaid`: a flowchart GitHub renders from a ```mermaid block.
 * Solid arrows are ordering rules, dotted ones SRCU rules; arch-scoped edges
 * carry the architecture as their label.
 */
import type { DocumentedOrder } from '../../../knowledge/doc/model.js';
import { archLabel, lockNodes } from './graph-ids.js';
import { safeInput } from '../safe-text.js';

/** Mermaid entity codes: '>' would end an arrow, '"' a label. */
function label(text: string): string {
  return text.replace(/"/g, '#quot;').replace(/>/g, '#gt;').replace(/</g, '#lt;');
}

export function renderOrderMermaid(input: DocumentedOrder): string {
  // Lock names and statements are locking.rst's text: controls escaped (safe-text.ts).
  const order = safeInput(input);
  const ids = lockNodes(order);
  const out = ['flowchart LR'];
  for (const [name, id] of ids) out.push(`  ${id}["${label(name)}"]`);
  for (const e of order.edges) {
    const from = ids.get(e.outer);
    const to = ids.get(e.inner);
    // A condition ("when VMs have multiple planes") is part of the rule: without it a same-class edge reads as recursive locking.
    const tag = [e.arch ? archLabel(e.arch) : '', e.srcu ?? '', e.condition ?? '', `line ${e.line}`].filter(Boolean).join(', ');
    const arrow = e.srcu ? '-.->' : '-->';
    out.push(`  ${from} ${arrow}|"${label(tag)}"| ${to}`);
  }
  return out.join('\n') + '\n';
}
