/**
 * Read Documentation/virt/kvm/locking.rst (or its pre-2020 locking.txt
 * form) into a DocumentedOrder.
 */
import { createHash } from 'node:crypto';
import { checkConsistency } from './consistency.js';
import { keepDocLines, splitDocLines } from './doc-text.js';
import type { DocSource, DocumentedOrder, OrderEdge, Origin, Quote, Unrecognized } from './model.js';
import { readBlocks, type Block } from './rst-blocks.js';
import { readLockTable } from './lock-table.js';
import { tableArchWords } from './lock-scope.js';
import { splitSentences, type Sentence } from './sentences.js';
import { exampleReason, isExampleIntro, opensExample } from './examples.js';
import { ARCH_FACTS, archName, classify, looseArchLabel, onHeadingWords, type Fact, type SentenceContext } from './statements.js';
import { KNOWN_ARCHS, skippedRuleReason, unknownInlineReason, unknownLabelReason, type UnknownLabel } from './unread.js';
import { findLockRefs } from './lock-refs.js';
import { completedRule, listPlace, listRule, needsParent, NO_LIST_UNDER, notItsItem, openList, RunningList, type ListRule, type OpenList } from './list-rules.js';

/** The input is not a locking document: the message names the file. */
export class DocInputError extends Error {}

/** How blocks under a label paragraph are read ("On x86:", "For SRCU:"). */
export interface Scope {
  arch: string | null;
  /** "On x86 and arm64:": every architecture the label names (arch is the first). */
  archs?: string[];
  origin: Origin;
  /** "On x68:": the label's words that name no architecture known here, the rules under it are reported. */
  unknown?: UnknownLabel;
  /** A label naming architectures in a wording not wholly read ("On x86 (VMX only):"): reported at its line. */
  loose?: { label: string; line: number; archs: string[]; negated: boolean };
}

const ORDER_SECTION = /Acquisition Orders/i;
/** Words saying a lock is taken, in a line that names one: a rule, whether or not its wording is read. */
const TAKING = /\b(?:taken|acquired|held|holding|nest(?:s|ed)?)\b/i;

/**
 * A one-line paragraph ending in ':' that introduces the blocks after it, or
 * a one-line bullet "- On x86:" that introduces the items nested under it.
 * The hunk review (analyzers/review/doc-hunks.ts) reads labels with it too.
 * `unknown.line` is the block's line: a caller reading a fragment maps it.
 */
export function labelScope(block: Block): Scope | null {
  if (block.kind === 'field' || block.lines.length !== 1) return null;
  // "kvm->lock is taken outside:" is a rule its list of locks completes (list-rules.ts), not a label saying nothing.
  if (listRule(block)) return null;
  const text = (block.lines[0] ?? '').trim();
  // Nor is a line naming a lock and its taking in a wording not read ("A must not be taken while holding both of:"):
  // read as the sentence it is, it is reported, where as a label it and the locks listed after it were lost.
  if (findLockRefs(text).length && TAKING.test(text)) return null;
  const words = onHeadingWords(text);
  const loose = words ? null : looseArchLabel(text);
  if (loose && !loose.negated) {
    // "On x86 only:", "**On x86:**": x86's. "On x86 (VMX only):": x86's too, and what was not read of it is reported.
    const { archs } = loose;
    const report = loose.exact ? {} : { loose: { label: text, line: block.line, archs, negated: false } };
    return { arch: archs[0] ?? null, ...(archs.length > 1 ? { archs } : {}), origin: 'order-list', ...report };
  }
  if (!text.endsWith(':') || text.endsWith('::')) return null;
  if (block.kind === 'bullet' && !words) return null;
  // "Not on x86:": where the rules do not hold is no scope kvm-review can give them; reported.
  if (loose) return { arch: null, origin: 'prose', loose: { label: text, line: block.line, archs: loose.archs, negated: true } };
  if (words) {
    // A word not known ("On x68:", "On ia64:") still scopes the rules, to itself: they are reported, not made generic.
    const archs = words.map((w) => archName(w) ?? w.toLowerCase());
    const unknownWords = words.filter((w) => !archName(w));
    const known = words.flatMap((w) => archName(w) ?? []);
    const unknown = unknownWords.length ? { unknown: { label: text, line: block.line, words: unknownWords, known } } : {};
    return { arch: archs[0] ?? null, ...(archs.length > 1 ? { archs } : {}), origin: 'order-list', ...unknown };
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
  const lines = splitDocLines(raw);
  const doc = readBlocks(lines);
  const { entries: table, unattributed } = readLockTable(doc);

  const order: DocumentedOrder = {
    source: { kind, path, sha1: sha1(bytes) },
    edges: [],
    srcu: [],
    locks: table.map((t) => t.entry),
    contexts: [],
    leafClaim: null,
    leaves: [],
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
        case 'leaf-of':
          order.leaves.push({ lock: f.lock, kinds: f.kinds, arch: scope.arch, ...quote, ...(f.condition ? { condition: f.condition } : {}) });
          break;
        case 'no-order':
          noOrderLine = quote.line;
          break;
        case 'advice':
          break;
      }
    }
  };

  // An example scenario whose intro was read ("For example, ... the following can happen:"): the
  // list after it is its steps. Closed by the first block that is not one of its items.
  let example: { line: number; text: string; section: string; endLine: number; steps: number; read: () => void } | null = null;
  const closeExample = (): void => {
    if (!example) return;
    const { line, text, endLine, steps, read } = example;
    example = null;
    // An intro no list follows is a sentence like any other.
    if (steps === 0) read();
    else order.unrecognized.push({ line, text, reason: exampleReason(line, { endLine, steps }), example: { endLine, steps } });
  };

  /** Read a block's sentences; `examples`: a last sentence introducing an example opens one (the main text only). */
  const readBlock = (block: Block, scope: Scope, ctx: SentenceContext, examples = false): void => {
    let subject: string[] = [];
    const sentences = splitSentences(block);
    for (const [n, s] of sentences.entries()) {
      noteWritten(s.text);
      if (examples && n === sentences.length - 1 && isExampleIntro(s.text)) {
        const at = subject;
        example = { line: s.line, text: s.text, section: block.section, endLine: s.line, steps: 0, read: () => readSentence(s, scope, ctx, at, block.line) };
        continue;
      }
      subject = readSentence(s, scope, ctx, subject, block.line);
    }
  };

  const looseReported = new Set<number>();
  const reportLoose = ({ label, line, archs, negated }: NonNullable<Scope['loose']>): void => {
    if (looseReported.has(line)) return;
    looseReported.add(line);
    const names = archs.join(' and ');
    order.unrecognized.push({
      line,
      text: label,
      reason: negated
        ? `names ${names} but says where rules do not hold, which kvm-review does not read: the rules under it are read for every architecture`
        : `read as the label of ${names}'s rules, but only "On ${archs[0] ?? 'x86'}:" is read of it: the rules under it are ${names}'s, whatever else it says`,
    });
  };

  /** Classify one sentence and record its facts, or report it: the sentence's locks, for the next one's pronouns. */
  const readSentence = (s: Sentence, scope: Scope, ctx: SentenceContext, subject: string[], blockLine: number, quoted = s.text): string[] => {
    const c = classify(s.text, { ...ctx, subject });
    const quote = { line: s.line, text: quoted };
    if (c.recognized) {
      // A rule under "On x86 and arm64:" holds on each; facts without an architecture are recorded once.
      const archs = c.arch ? [c.arch] : (scope.archs ?? [scope.arch]);
      archs.forEach((arch, n) => record(n === 0 ? c.facts : c.facts.filter((f) => ARCH_FACTS.has(f.kind)), quote, { ...scope, arch }, blockLine));
    }
    // Partly read (a lock the rule does not use), not read at all, or read for an architecture
    // not known here: say so, never drop it.
    const reasons: string[] = [];
    if (c.unread?.length || (!c.recognized && c.orderingLike)) reasons.push(c.reason ?? 'wording not understood');
    const archFacts = c.recognized && c.facts.some((f) => ARCH_FACTS.has(f.kind));
    let scopedTo: Unrecognized['scopedTo'];
    if (archFacts && c.unknownArch) {
      reasons.push(unknownInlineReason(c.unknownArch));
      scopedTo = { archs: [c.arch ?? ''], unknown: [c.unknownArch] };
    } else if (archFacts && !c.arch && scope.unknown) {
      reasons.push(unknownLabelReason(scope.unknown));
      scopedTo = { archs: scope.archs ?? [scope.arch ?? ''], unknown: scope.unknown.words };
    }
    // A label read in part ("On x86 (VMX only):") is reported once, with the first rule under it:
    // a one-line intro naming x86 that no rule follows (a prose section's) is not a label anyone wrote.
    if (archFacts && !c.arch && scope.loose) reportLoose(scope.loose);
    // The finding says what the rule was read as only when that is all there is to say.
    if (reasons.length === 1 && scopedTo) order.unrecognized.push({ ...quote, reason: reasons[0], scopedTo });
    else if (reasons.length) order.unrecognized.push({ ...quote, reason: reasons.join('; ') });
    return c.subject;
  };

  // A rule whose locks are listed under it ("kvm->lock is taken outside:"): its items until the list ends.
  // Held in an object: TypeScript does not see a closure assign a `let`, and would narrow it to null in the loop.
  const list: { parent: OpenList<Scope> | null } = { parent: null };
  const running = new RunningList();
  // A parent paragraph whose list was not indented under it: the bullets after it that only it would make rules.
  const orphans: { of: { rule: ListRule; column: number } | null } = { of: null };

  /** Read BLOCK, or, when it is the parent of a list of locks, hold it until its items are read. */
  const readOrHold = (block: Block, at: Scope, examples = false): void => {
    const rule = listRule(block);
    if (!rule) return readBlock(block, at, { subject: [] }, examples);
    noteWritten(rule.sentence.text);
    list.parent = openList(rule, at, block.kind === 'paragraph' ? running.column : null);
  };

  /** Whether BLOCK belongs to the open parent's list: 'item', an item's own 'content', or null (the list has ended). */
  const inList = (block: Block): 'item' | 'content' | null => (list.parent ? listPlace(list.parent, block) : null);

  /** Read an item: its first sentence completes the parent's rule, any further one is a sentence of its own. */
  const readItem = (p: OpenList<Scope>, block: Block): void => {
    p.items++;
    const [first, ...rest] = splitSentences(block);
    if (!first) return;
    noteWritten(first.text);
    const { text, quote } = completedRule(p.rule, first.text);
    let subject = readSentence({ line: first.line, text }, p.scope, { subject: [] }, [], block.line, quote);
    for (const s of rest) {
      noteWritten(s.text);
      subject = readSentence(s, p.scope, { subject: [] }, subject, block.line);
    }
  };

  /**
   * The list has ended (at NEXT): a parent no item followed is read as the sentence it is (and
   * reported, not being a rule). A paragraph in a list whose next bullet is that list's is said
   * to have its list at the wrong indentation, and the bullets after it that are only its locks
   * are reported with it.
   */
  const closeParent = (next?: Block): void => {
    const p = list.parent;
    list.parent = null;
    if (!p || p.items > 0) return;
    const { block, sentence } = p.rule;
    if (block.kind === 'paragraph' && p.indent !== null && next?.kind === 'bullet' && next.section === block.section && (next.indent ?? 0) <= p.indent) {
      order.unrecognized.push({ line: sentence.line, text: sentence.text, reason: NO_LIST_UNDER });
      orphans.of = { rule: p.rule, column: p.indent };
      return;
    }
    readBlock(block, p.scope, { subject: [] });
  };

  /** Whether BLOCK, a bullet after a parent paragraph OF whose list is not under it, is only a lock that parent would make a rule ("- vcpu->mutex"): reported, not read as nothing. */
  const reportOrphan = (of: { rule: ListRule; column: number }, block: Block, at: Scope): boolean => {
    if (block.kind !== 'bullet' || block.section !== of.rule.block.section || (block.indent ?? 0) !== of.column) return false;
    const [first, ...rest] = splitSentences(block);
    if (!first || !needsParent(first.text)) return false;
    noteWritten(first.text);
    const parent = `"${of.rule.sentence.text}" (line ${of.rule.sentence.line})`;
    order.unrecognized.push({ line: first.line, text: first.text, reason: notItsItem(parent) });
    let subject: string[] = [];
    for (const s of rest) {
      noteWritten(s.text);
      subject = readSentence(s, at, { subject: [] }, subject, block.line);
    }
    return true;
  };

  // Acquisition orders and every other prose block: statements wherever they are.
  let scope: Scope = { arch: null, origin: 'order-list' };
  // What a section's own title scopes its rules to ("On x86" as a title): where a label's reach ends.
  let sectionScope: Scope = scope;
  let section = '';
  // Nothing read since the label: a paragraph right after "On x86:" is what it labels.
  let labelFresh = false;
  // A "- On x86:" item: the items nested under it (and their text going on) are in its scope.
  let nested: { scope: Scope; indent: number } | null = null;
  for (const block of doc.blocks) {
    if (block.kind === 'field') continue;
    const current = example as { section: string; endLine: number; steps: number } | null;
    if (current && block.section === current.section && (block.kind === 'bullet' || block.inItem)) {
      // A step of the example: its locks are written in the document, its sentences are no rules.
      const steps = splitSentences(block);
      steps.forEach((x) => noteWritten(x.text));
      current.steps += steps.length;
      current.endLine = block.line + block.lines.length - 1;
      continue;
    }
    closeExample();
    // A label ("On x86:", "For SRCU:") stands in the list.
    running.see(block, (b) => labelScope(b) !== null);
    const listed = inList(block);
    if (list.parent && listed === 'item') {
      readItem(list.parent, block);
      continue;
    }
    if (list.parent && listed === 'content') {
      readBlock(block, list.parent.scope, { subject: [] });
      continue;
    }
    closeParent(block);
    const orphanOf = orphans.of;
    orphans.of = null;
    if (block.section !== section) {
      section = block.section;
      sectionScope = { arch: null, origin: ORDER_SECTION.test(section) ? 'order-list' : 'prose' };
      // A section titled "On x86" is x86's: every rule in it, not only a list right after a label.
      const titled = looseArchLabel(section);
      if (titled && titled.exact && !titled.negated) {
        const { archs } = titled;
        sectionScope = { arch: archs[0] ?? null, ...(archs.length > 1 ? { archs } : {}), origin: 'order-list' };
      }
      scope = sectionScope;
      nested = null;
    }
    if (nested && ((block.kind === 'bullet' && (block.indent ?? 0) > nested.indent) || (block.kind === 'paragraph' && block.inItem))) {
      readOrHold(block, nested.scope);
      continue;
    }
    nested = null;
    // "For example:" on a line of its own opens an example; it labels nothing.
    const label = opensExample(block) ? null : labelScope(block);
    if (label?.unknown) {
      const u = label.unknown;
      const what = u.known.length ? `names ${u.words.join(' and ')}, no architecture kvm-review knows` : 'names no architecture kvm-review knows';
      notes.push(`${path}:${u.line}: "${u.label}" ${what} (${KNOWN_ARCHS}): the rules under it are read as ${u.words.map((w) => w.toLowerCase()).join(' and ')}'s`);
    }
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
    if (block.kind === 'paragraph' && !block.inItem && scope.arch !== sectionScope.arch && !labelFresh) scope = { ...sectionScope, origin: scope.origin };
    labelFresh = false;
    if (orphanOf && block.kind === 'bullet' && block.section === orphanOf.rule.block.section && (block.indent ?? 0) === orphanOf.column) {
      // The main list goes on: a bare lock further down it is not the paragraph's item either.
      orphans.of = orphanOf;
      if (reportOrphan(orphanOf, block, scope)) continue;
    }
    readOrHold(block, scope, true);
  }
  closeExample();
  closeParent();

  for (const u of unattributed) {
    const b = u.block;
    order.unrecognized.push({ line: b.line, text: `${b.field ?? ''}: ${b.lines.join(' ').replace(/\s+/g, ' ').trim()}`, reason: u.reason });
  }

  // An :Arch: kvm-review cannot read scopes its lock to no build it analyses: said, never dropped silently.
  for (const l of order.locks) {
    const { known, unknown } = tableArchWords(l.arch);
    if (!unknown.length) continue;
    order.unrecognized.push({
      line: l.archLine ?? l.line,
      text: `Arch: ${l.arch ?? ''}`,
      reason:
        `${l.name}'s lock-table entry names ${unknown.map((w) => `"${w}"`).join(' and ')}, no architecture kvm-review knows; ${KNOWN_ARCHS}; ` +
        (known.length ? `check counts ${l.name} as documented only for ${known.map((w) => archName(w)).join(' and ')}` : `check counts ${l.name} as documented for no build it analyses`),
    });
  }

  // Directive bodies (code-block, only, ...) and comments are not read: one that reads as a rule is reported, never dropped.
  for (const block of doc.skipped) {
    for (const s of splitSentences(block)) {
      const reason = skippedRuleReason(block, s.text);
      if (reason) order.unrecognized.push({ line: s.line, text: s.text, reason });
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
  // Suggestions and proposals spell locks as these lines do (spelling.ts).
  keepDocLines(order, lines);
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
