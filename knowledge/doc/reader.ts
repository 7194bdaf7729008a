/**
 * Read Documentation/virt/kvm/locking.rst (or its pre-2020 locking.txt
 * form) into a DocumentedOrder.
 */
import { createHash } from 'node:crypto';
import { checkConsistency } from './consistency.js';
import type { DocSource, DocumentedOrder, OrderEdge, Origin, Quote } from './model.js';
import { readBlocks, type Block } from './rst-blocks.js';
import { readLockTable } from './lock-table.js';
import { splitSentences } from './sentences.js';
import { archName, classify, type Fact, type SentenceContext } from './statements.js';
import { findLockRefs } from './lock-refs.js';

/** The input is not a locking document: the message names the file. */
export class DocInputError extends Error {}

/** How blocks under a label paragraph are read ("On x86:", "For SRCU:"). */
interface Scope {
  arch: string | null;
  /** "On x86 and arm64:": every architecture the label names (arch is the first). */
  archs?: string[];
  origin: Origin;
}

const ORDER_SECTION = /Acquisition Orders/i;

/** Facts that state a rule, as opposed to advice or a lock's type. */
const STATED_RULES = new Set<Fact['kind']>(['order', 'srcu', 'context', 'caution']);

/** Facts that carry an architecture. */
const ARCH_FACTS = new Set<Fact['kind']>(['order', 'srcu', 'context']);

/**
 * A one-line paragraph ending in ':' that introduces the blocks after it, or
 * a one-line bullet "- On x86:" that introduces the items nested under it.
 */
function labelScope(block: Block): Scope | null {
  if (block.kind === 'field' || block.lines.length !== 1) return null;
  const text = (block.lines[0] ?? '').trim();
  if (!text.endsWith(':') || text.endsWith('::')) return null;
  const on = /^On (\w+(?:(?:,\s*|,?\s+and\s+)\w+)*):$/.exec(text);
  if (block.kind === 'bullet' && !on) return null;
  if (on) {
    const archs = (on[1] ?? '').split(/,\s*|,?\s+and\s+/).map((w) => archName(w) ?? w.toLowerCase());
    return { arch: archs[0] ?? null, ...(archs.length > 1 ? { archs } : {}), origin: 'order-list' };
  }
  if (/^For SRCU:$/i.test(text)) return { arch: null, origin: 'srcu' };
  if (/acquisition orders/i.test(text)) return { arch: null, origin: 'order-list' };
  return { arch: null, origin: 'prose' };
}

function sha1(bytes: Buffer | string): string {
  return createHash('sha1').update(bytes).digest('hex');
}

/** Reject input that is not a text locking document, naming the file and, where it helps, the line. */
export function validateLockingDoc(bytes: Buffer, path: string): string {
  if (bytes.length === 0) throw new DocInputError(`${path}: empty file, expected Documentation/virt/kvm/locking.rst`);
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const line = bytes.subarray(0, nul).toString('latin1').split('\n').length;
    throw new DocInputError(`${path}:${line}: binary data (NUL byte), expected the text of locking.rst`);
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const bad = text.indexOf('\uFFFD');
  if (bad >= 0) {
    const line = text.slice(0, bad).split('\n').length;
    throw new DocInputError(`${path}:${line}: not UTF-8 text, expected the text of locking.rst`);
  }
  if (!/KVM Lock Overview/.test(text) || !ORDER_SECTION.test(text)) {
    throw new DocInputError(
      `${path}:1: not a KVM locking document: no "KVM Lock Overview" title with an "Acquisition Orders" section`,
    );
  }
  return text;
}

/** Parse the bytes of a locking document. Throws DocInputError for input that is not one. */
export function readLockingDoc(bytes: Buffer, path: string, kind: DocSource['kind'] = 'file'): DocumentedOrder {
  const raw = validateLockingDoc(bytes, path);
  const notes: string[] = [];
  if (raw.includes('\r\n')) notes.push(`${path} has CRLF line endings; read as LF`);
  const lines = raw.replace(/\r\n?/g, '\n').split('\n');
  const doc = readBlocks(lines);
  const { entries: table, unattributed } = readLockTable(doc);

  const order: DocumentedOrder = {
    source: { kind, path, sha1: sha1(bytes) },
    edges: [],
    srcu: [],
    locks: table.map((t) => t.entry),
    contexts: [],
    leafClaim: null,
    cautions: [],
    types: [],
    unrecognized: [],
    problems: [],
    notes,
  };
  const written = new Map<string, Set<string>>();
  const noteWritten = (text: string): void => {
    for (const r of findLockRefs(text)) {
      const set = written.get(r.canonical) ?? new Set<string>();
      set.add(r.written);
      written.set(r.canonical, set);
    }
  };
  let noOrderLine: number | null = null;
  const stated = new Set<string>();

  const record = (facts: Fact[], quote: Quote, scope: Scope, blockLine: number): void => {
    for (const f of facts) {
      // A bullet often says one thing twice ("... called inside X. These locks cannot be taken ..."): keep the first.
      const key = `${blockLine}:${scope.arch}:${JSON.stringify(f)}`;
      if (stated.has(key)) continue;
      stated.add(key);
      switch (f.kind) {
        case 'order': {
          const edge: OrderEdge = { outer: f.outer, inner: f.inner, arch: scope.arch, ...quote, origin: scope.origin };
          if (f.condition) edge.condition = f.condition;
          order.edges.push(edge);
          break;
        }
        case 'srcu':
          order.srcu.push({ lock: f.lock, allowedInReadSide: f.allowedInReadSide, arch: scope.arch, ...quote, ...(f.condition ? { condition: f.condition } : {}) });
          break;
        case 'context':
          order.contexts.push({ context: f.context, forbidden: f.forbidden, arch: scope.arch, ...quote, ...(f.condition ? { condition: f.condition } : {}) });
          break;
        case 'caution':
          order.cautions.push({ outer: f.outer, inner: f.inner, ...quote });
          break;
        case 'type':
          order.types.push({ lock: f.lock, type: f.type, ...quote });
          break;
        case 'leaf':
          order.leafClaim ??= quote;
          break;
        case 'no-order':
          noOrderLine = quote.line;
          break;
        case 'advice':
          break;
      }
    }
  };

  const readBlock = (block: Block, scope: Scope, ctx: SentenceContext): void => {
    let subject: string[] = [];
    for (const s of splitSentences(block)) {
      noteWritten(s.text);
      const c = classify(s.text, { ...ctx, subject });
      subject = c.subject;
      const quote = { line: s.line, text: s.text };
      if (c.recognized) {
        // A rule under "On x86 and arm64:" holds on each; facts without an architecture are recorded once.
        const archs = c.arch ? [c.arch] : (scope.archs ?? [scope.arch]);
        archs.forEach((arch, n) => record(n === 0 ? c.facts : c.facts.filter((f) => ARCH_FACTS.has(f.kind)), quote, { ...scope, arch }, block.line));
      }
      // Partly read (a lock the rule does not use) or not read at all: say so, never drop it.
      if (c.unread?.length || (!c.recognized && c.orderingLike)) order.unrecognized.push({ ...quote, reason: c.reason ?? 'wording not understood' });
    }
  };

  // Acquisition orders and every other prose block: statements wherever they are.
  let scope: Scope = { arch: null, origin: 'order-list' };
  let section = '';
  // Nothing read since the label: a paragraph right after "On x86:" is what it labels.
  let labelFresh = false;
  // A "- On x86:" item: the items nested under it (and their text going on) are in its scope.
  let nested: { scope: Scope; indent: number } | null = null;
  for (const block of doc.blocks) {
    if (block.kind === 'field') continue;
    if (block.section !== section) {
      section = block.section;
      scope = { arch: null, origin: ORDER_SECTION.test(section) ? 'order-list' : 'prose' };
      nested = null;
    }
    if (nested && ((block.kind === 'bullet' && (block.indent ?? 0) > nested.indent) || (block.kind === 'paragraph' && block.inItem))) {
      readBlock(block, nested.scope, { subject: [] });
      continue;
    }
    nested = null;
    const label = labelScope(block);
    if (label) {
      if (block.kind === 'bullet') nested = { scope: { ...label, origin: scope.origin }, indent: block.indent ?? 0 };
      else {
        scope = label;
        labelFresh = true;
      }
      continue;
    }
    // A plain paragraph after a labelled list ends the label's reach ("Everything else is a leaf");
    // a bullet's own text going on after a blank line does not.
    if (block.kind === 'paragraph' && !block.inItem && scope.arch !== null && !labelFresh) scope = { arch: null, origin: scope.origin };
    labelFresh = false;
    readBlock(block, scope, { subject: [] });
  }

  for (const u of unattributed) {
    const b = u.block;
    order.unrecognized.push({ line: b.line, text: `${b.field ?? ''}: ${b.lines.join(' ').replace(/\s+/g, ' ').trim()}`, reason: u.reason });
  }

  // Directive bodies that are not read (code-block, only, ...): one that reads as a rule is reported, never dropped.
  for (const block of doc.skipped) {
    for (const s of splitSentences(block)) {
      const c = classify(s.text, { subject: [] });
      if (!c.facts.some((f) => STATED_RULES.has(f.kind))) continue;
      order.unrecognized.push({ line: s.line, text: s.text, reason: `in the body of a ".. ${block.directive ?? '?'}::" directive, which is not read as documentation text` });
    }
  }

  // Orders stated in a lock's :Comment: field.
  for (const t of table) {
    noteWritten(t.written);
    if (!t.comment) continue;
    // A comment's claims are about the locks it names, not about its entry's :Arch:.
    readBlock(t.comment, { arch: null, origin: 'comment' }, {
      subject: [],
      commentOf: { lock: t.entry.name, protects: t.entry.protects },
    });
  }

  deriveSrcuEdges(order);
  order.problems = checkConsistency(order, written, noOrderLine);
  return order;
}

/**
 * SRCU rules as order edges, so that cycles through kvm->srcu show in the
 * graph the way lockdep sees them: synchronize_srcu() under X is
 * `X -> kvm->srcu`, taking Y inside a reader is `kvm->srcu -> Y`.
 */
function deriveSrcuEdges(order: DocumentedOrder): void {
  for (const r of order.srcu) {
    const [outer, inner] = r.allowedInReadSide ? ['kvm->srcu', r.lock] : [r.lock, 'kvm->srcu'];
    if (order.edges.some((e) => e.outer === outer && e.inner === inner && e.line === r.line && e.arch === r.arch)) continue;
    order.edges.push({
      outer,
      inner,
      arch: r.arch,
      line: r.line,
      text: r.text,
      origin: 'srcu',
      srcu: r.allowedInReadSide ? 'read-side' : 'synchronize',
      ...(r.condition ? { condition: r.condition } : {}),
    });
  }
}
