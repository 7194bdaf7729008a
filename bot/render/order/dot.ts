/** `doc --format dot`: a Graphviz digraph, one edge per documented statement. */
import type { DocumentedOrder } from '../../../knowledge/doc/model.js';
import { lockNodes } from './graph-ids.js';
import { safeInput } from '../safe-text.js';

function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function renderOrderDot(input: DocumentedOrder): string {
  // Lock names and statements are locking.rst's text: controls escaped (safe-text.ts).
  const order = safeInput(input);
  const out = ['digraph kvm_lock_order {', '  rankdir=LR;', '  node [shape=box, fontname="monospace"];'];
  for (const name of lockNodes(order).keys()) out.push(`  ${quote(name)};`);
  for (const e of order.edges) {
    // A condition ("when VMs have multiple planes") is part of the rule: without it a same-class edge reads as recursive locking.
    const label = [e.arch ?? '', e.srcu ?? '', e.condition ?? '', `line ${e.line}`].filter(Boolean).join(', ');
    const style = e.srcu ? ', style=dashed' : '';
    out.push(`  ${quote(e.outer)} -> ${quote(e.inner)} [label=${quote(label)}${style}];`);
  }
  out.push('}');
  return out.join('\n') + '\n';
}
