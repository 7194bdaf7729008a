/**
 * `doc --format text`: the documented order for a terminal, every fact with
 * the line it came from, so it can be checked against the file.
 */
import { basename } from 'node:path';
import type { DocumentedOrder, OrderEdge, Quote } from '../../../knowledge/doc/model.js';
import { leafStatement } from '../../../knowledge/doc/statement-text.js';
import { archLabel } from './graph-ids.js';
import { safeInput } from '../safe-text.js';

function where(order: DocumentedOrder, q: { line: number }): string {
  return `${order.source.path ? basename(order.source.path) : 'locking.rst'}:${q.line}`;
}

function pad(s: string, n: number): string {
  return s.length >= n ? `${s} ` : s + ' '.repeat(n - s.length);
}

function sourceLine(order: DocumentedOrder): string {
  const s = order.source;
  if (s.kind === 'embedded') return `embedded default (facts of locking.rst revision ${s.revision ?? '?'}, sha1 ${s.sha1.slice(0, 12)}); no kernel tree given or found in the current directory`;
  return `${s.path} (${s.kind === 'tree' ? 'kernel tree' : 'file'}, sha1 ${s.sha1.slice(0, 12)})`;
}

function edgeLines(order: DocumentedOrder, edges: OrderEdge[]): string[] {
  const width = Math.max(0, ...edges.map((e) => `${e.outer} -> ${e.inner}`.length)) + 2;
  return edges.map((e) => {
    const cond = e.condition ? ` [${e.condition}]` : '';
    return `    ${pad(`${e.outer} -> ${e.inner}`, width)}${where(order, e)}  "${e.text}"${cond}`;
  });
}

function quoted(order: DocumentedOrder, q: Quote): string {
  return `${where(order, q)}  "${q.text}"`;
}

export function renderOrderText(input: DocumentedOrder): string {
  // Lock names and statements are locking.rst's text: controls escaped (safe-text.ts).
  const order = safeInput(input);
  const out: string[] = [`Documented KVM lock order from ${sourceLine(order)}`];
  for (const n of order.notes) out.push(`note: ${n}`);
  out.push('', 'Order (A -> B: B is taken while A is held)');
  const plain = order.edges.filter((e) => !e.srcu);
  const archs = [...new Set(plain.map((e) => e.arch))].sort((a, b) => (a ?? '').localeCompare(b ?? ''));
  if (plain.length === 0) out.push('  (none stated)');
  for (const arch of archs) {
    out.push(`  ${arch === null ? 'all architectures' : `${archLabel(arch)} only`}:`);
    out.push(...edgeLines(order, plain.filter((e) => e.arch === arch)));
  }

  out.push('', 'SRCU (kvm->srcu)');
  const forbidden = order.srcu.filter((r) => !r.allowedInReadSide);
  const allowed = order.srcu.filter((r) => r.allowedInReadSide);
  if (order.srcu.length === 0) out.push('  (no SRCU rules stated)');
  if (forbidden.length) out.push('  synchronize_srcu() runs under these; never take them inside a read-side section:');
  for (const r of forbidden) out.push(`    ${pad(r.lock, 24)}${quoted(order, r)}`);
  if (allowed.length) out.push('  may be taken inside a read-side section:');
  for (const r of allowed) out.push(`    ${pad(r.lock, 24)}${quoted(order, r)}`);

  if (order.contexts.length) {
    out.push('', 'Contexts');
    for (const c of order.contexts) out.push(`  ${c.context} must not take ${c.forbidden.join(', ')}   ${where(order, c)}`);
  }
  if (order.cautions.length) {
    out.push('', 'Cautions');
    for (const c of order.cautions) out.push(`  ${c.outer} -> ${c.inner} is documented but fragile   ${quoted(order, c)}`);
  }
  out.push('', `Leaf claim: ${order.leafClaim ? quoted(order, order.leafClaim) : 'none'}`);
  if (order.leaves.length) {
    out.push('', 'Leaves by name');
    for (const l of order.leaves) out.push(`  ${pad(leafStatement(l), 40)}${l.arch ? ` [${l.arch}]` : ''}  ${quoted(order, l)}`);
  }

  out.push('', 'Lock table');
  if (order.locks.length === 0) out.push('  (no entries)');
  for (const l of order.locks) {
    const aka = l.aliases.length ? ` (also ${l.aliases.join(', ')})` : '';
    out.push(`  ${pad(l.name, 28)}${pad(l.type ?? '?', 24)}${pad(l.arch ?? '?', 12)}line ${l.line}${aka}`);
  }

  out.push('', `Unrecognised ordering sentences: ${order.unrecognized.length === 0 ? 'none' : ''}`);
  // Each with why it was not read (JSON's reason): a sentence whose rule was read in part is also
  // listed above as an edge, and only the reason says what was lost. An example scenario is listed
  // with what was made of it: read as an explanation, on purpose.
  for (const u of order.unrecognized) {
    const why = u.reason ?? (u.example ? 'an example' : undefined);
    out.push(`  ${quoted(order, u)}${why ? `  (${why})` : ''}`);
  }
  out.push('', `Consistency problems: ${order.problems.length === 0 ? 'none' : ''}`);
  for (const p of order.problems) {
    const lines = p.lines.length ? ` (line${p.lines.length > 1 ? 's' : ''} ${p.lines.join(', ')})` : '';
    out.push(`  ${pad(p.severity, 8)}${pad(p.kind, 14)}${p.message}${lines}`);
  }
  return out.join('\n') + '\n';
}
