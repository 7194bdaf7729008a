/**
 * A patch to locking.rst reviewed without a tree: only its hunks are seen,
 * so nothing can be checked against the code, but the two things the text
 * alone shows are still said, never "no findings": a changed sentence that
 * reads like a rule and was not understood (doc-unrecognized), and a new
 * rule that reverses one the embedded order states (doc-conflict).
 */
import { documentedKinds, leafContradictions } from '../../knowledge/doc/lock-kinds.js';
import type { DocumentedOrder, LeafRule, OrderEdge, Quote } from '../../knowledge/doc/model.js';
import { orderPath } from '../../knowledge/doc/order-graph.js';
import { readBlocks, type Block } from '../../knowledge/doc/rst-blocks.js';
import { splitSentences } from '../../knowledge/doc/sentences.js';
import { exampleReason, isExampleIntro, opensExample } from '../../knowledge/doc/examples.js';
import { completedRule, listPlace, listRule, needsParent, NO_LIST_UNDER, notItsItem, openList, RunningList, type OpenList } from '../../knowledge/doc/list-rules.js';
import { findLockRefs } from '../../knowledge/doc/lock-refs.js';
import { labelScope, type Scope } from '../../knowledge/doc/reader.js';
import { ARCH_FACTS, classify, looseArchLabel, type Classified, type SentenceContext } from '../../knowledge/doc/statements.js';
import { skippedRuleReason, unknownInlineReason, unknownLabelReason } from '../../knowledge/doc/unread.js';
import type { FileDiff, Hunk } from '../series/model.js';
import { placeUnseen, scopeWords, type Placed, type Unseen } from './doc-hunk-place.js';
import { describe, docFingerprint, leafConflict, unrecognizedFinding } from './doc-review.js';
import type { ReviewFinding } from './model.js';

const DOC = 'Documentation/virt/kvm/locking.rst';
const SRCU = 'kvm->srcu';

/** One side of a hunk as a fragment of the document. */
interface Fragment {
  lines: string[];
  /** File line (1-based) of each fragment line. */
  fileLine: number[];
  /** Fragment indexes (0-based) of the lines the patch adds (new side) or deletes (old side). */
  changed: Set<number>;
}

function fragment(h: Hunk, side: 'new' | 'old'): Fragment {
  const own = side === 'new' ? 'add' : 'del';
  const kept = h.lines.filter((l) => l.type === 'normal' || l.type === own);
  return {
    lines: kept.map((l) => l.content),
    fileLine: kept.map((l) => (side === 'new' ? l.newLine : l.oldLine) ?? 0),
    changed: new Set(kept.flatMap((l, i) => (l.type === own ? [i] : []))),
  };
}

interface ReadSentence extends Quote {
  c: Classified;
  /** The sentence spans a line the patch adds (or, on the old side, deletes). */
  touched: boolean;
  /** Its first line is such a line. */
  startsChanged: boolean;
  /** Architecture the rule is scoped to: the sentence's own, an "On x86:" label seen in the hunk, or where the hunk's header and the embedded order place it. */
  arch: string | null;
  /** Under "On x86 and arm64:": every architecture the label names (`arch` is the first); the rule holds on each. */
  archs?: string[];
  /** Why it is reported rather than read: in a comment or a directive body, under a label naming no known architecture. */
  notRead?: string;
  /** For a rule under such a label (or inline "On x68,"): what it is scoped to, as the reader says it. */
  scopedTo?: { archs: string[]; unknown: string[] };
  /** The intro of an example scenario and the steps listed after it, as the reader reports it. */
  example?: { endLine: number; steps: number };
  /** Read under a scope the hunk does not show (a label or section title above its context): see doc-hunk-place.ts. */
  unseen?: Unseen;
  /** That scope, as the hunk's header and the embedded order place it. */
  placed?: Placed;
  /** Or why it is not known: the rule is checked against every architecture's rules, and its findings say so. */
  scopeUnknown?: string;
}

/** A rule whose locks are listed under it ("kvm->lock is taken outside:"), seen in the hunk and held for its items. */
interface HeldParent extends OpenList<Label> {
  /** The parent line is one the patch changes: so is the rule of every item under it. */
  touched: boolean;
  /** It is nested under a "- On x86:" item. */
  inNested: boolean;
}

/** Why an item of a list whose parent line is above the hunk is reported rather than read. */
const PARENT_NOT_SEEN =
  'an item of a list of locks whose parent line (such as "kvm->lock is taken outside:") is outside the hunk\'s context: the rule it completes was not read; review against a tree to read it';

/** Why the first sentence of a hunk, which may have begun above it, is reported rather than read. */
const beginsAbove = (line: number): string =>
  `line ${line}, the hunk's first, goes on from a sentence or list item whose first line is above the hunk's context: only its end is in the hunk, so the rule it states was not read; review against a tree to read it`;

/**
 * A label's scope as the reader reads it ("On x86 and arm64:": every
 * architecture it names), its line the file's; `unseen` when it is what is
 * in force above the hunk, which the hunk does not show.
 */
type Label = Pick<Scope, 'arch' | 'archs' | 'unknown'> & { unseen?: Unseen };

const sameScope = (a: Label, b: Label): boolean => a.arch === b.arch && a.unseen === b.unseen;

/** The scope of a section the hunk shows the title of: as in the reader, a section titled "On x86" is x86's. */
function titled(section: string): Label {
  const t = looseArchLabel(section);
  if (!t || !t.exact || t.negated) return { arch: null };
  return { arch: t.archs[0] ?? null, ...(t.archs.length > 1 ? { archs: t.archs } : {}) };
}

/**
 * The scope a label line sets ("On x86:", "- On x86 and arm64:"), read by
 * the document reader's own labelScope(), so both read the same labels;
 * another label ("For SRCU:") sets none. Null for a block that is not a
 * label. A label above the hunk's context is not seen.
 */
function label(block: Block, fileLine: number): Label | null {
  const scope = labelScope(block);
  if (!scope) return null;
  return { arch: scope.arch, ...(scope.archs ? { archs: scope.archs } : {}), ...(scope.unknown ? { unknown: { ...scope.unknown, line: fileLine } } : {}) };
}

/**
 * The sentences of a fragment. A :Comment: whose table entry is outside the
 * hunk is read as the comment of each documented lock in turn, so that
 * "Exists to allow taking A while <data> is protected" is still understood.
 */
function sentences(f: Fragment, doc: DocumentedOrder): ReadSentence[] {
  const out: ReadSentence[] = [];
  // What is in force above the hunk is not seen: its label's or its section's scope (nothing, at the file's first line).
  const top = f.fileLine[0] === 1;
  let sectionScope: Label = top ? { arch: null } : { arch: null, unseen: 'section' };
  let scope: Label = top ? { arch: null } : { arch: null, unseen: 'above' };
  let section = '';
  // As in the reader: nothing read since the label (a paragraph right after "On x86:" is what it labels), and a "- On x86:" item's scope.
  let labelFresh = false;
  let nested: { scope: Label; indent: number } | null = null;
  const parsed = readBlocks(f.lines);
  // A paragraph on the hunk's first line may be the end of a sentence or an item begun above it (an item's text going on
  // is indented, a paragraph's is not); a label or parent line is a line of its own ("On x86:", "kvm->lock is taken outside:").
  const first = parsed.blocks[0];
  const ownLine = first?.lines.length === 1 && /^\S/.test(f.lines[0] ?? '') && (labelScope(first) !== null || listRule(first) !== null);
  const continued = !top && first?.kind === 'paragraph' && first.line === 1 && !ownLine ? first : null;
  /** Whether sentence S of BLOCK spans a line the patch changes. */
  const touches = (block: Block, list: { line: number }[], i: number): boolean => {
    const s = list[i] as { line: number };
    const end = Math.max(s.line, (list[i + 1]?.line ?? block.line + block.lines.length) - 1);
    let touched = false;
    for (let l = s.line; l <= end; l++) touched ||= f.changed.has(l - 1);
    return touched;
  };
  // As in the reader: an example's intro, then its list of steps (examples.ts).
  let example: { intro: ReadSentence; section: string; read: ReadSentence } | null = null;
  const closeExample = (): void => {
    if (example) out.push(example.intro.example?.steps ? example.intro : example.read);
    example = null;
  };
  /**
   * Read BLOCK's sentences under HERE. `item`: the block is an item of a list
   * whose parent line the hunk shows, and its first sentence completes that
   * rule; `orphan`: it is an item of a list that starts above the hunk, and
   * a first sentence that only a parent line makes a rule is reported;
   * `continued`: its first sentence may have begun above the hunk, and one
   * that names a lock is reported; `notRead`: its first sentence is reported
   * for that reason; `notItemOf`: it is a bullet of the main list after a
   * parent paragraph (quoted) with no list under it, and a first sentence
   * that is only a lock is reported, as the reader reports it.
   */
  const readAll = (block: Block, here: Label, inNested: boolean, opts: { item?: HeldParent; orphan?: boolean; continued?: boolean; notRead?: string; notItemOf?: string } = {}): void => {
    // A comment's claims are about the locks it names, not about its entry's :Arch:.
    const arch = block.kind === 'field' ? null : here.arch;
    const archs = block.kind === 'field' ? undefined : here.archs;
    const unknown = block.kind === 'field' ? undefined : here.unknown;
    const unseen = block.kind === 'field' ? undefined : here.unseen;
    const list = splitSentences(block);
    let subject: string[] = [];
    list.forEach((s, i) => {
      const completed = i === 0 && opts.item ? completedRule(opts.item.rule, s.text) : null;
      // A changed parent line changes the rule of every item under it.
      const touched = touches(block, list, i) || (completed !== null && opts.item?.touched === true);
      const ctx: SentenceContext = { subject };
      let c = classify(completed?.text ?? s.text, ctx);
      if (!c.recognized && block.field === 'Comment') {
        for (const lock of doc.locks) {
          const tried = classify(s.text, { ...ctx, commentOf: { lock: lock.name, protects: lock.protects } });
          if (tried.recognized) {
            c = tried;
            break;
          }
        }
      }
      subject = c.subject;
      const text = completed?.quote ?? s.text;
      const read: ReadSentence = {
        line: f.fileLine[s.line - 1] ?? 0,
        text,
        c,
        touched,
        startsChanged: f.changed.has(s.line - 1),
        arch: c.arch ?? arch,
        ...(!c.arch && archs ? { archs } : {}),
        ...(!c.arch && unseen ? { unseen } : {}),
      };
      // Only the end of it may be in the hunk: whatever it reads as, or fails to, is not what it says. Its locks are still the next sentence's "These locks".
      if (i === 0 && opts.continued && (c.recognized || c.orderingLike || findLockRefs(s.text).length > 0)) {
        out.push({ ...read, c: { facts: [], recognized: false, orderingLike: true, subject: c.subject }, notRead: beginsAbove(read.line) });
        return;
      }
      // As in the reader, a nested item introduces no example, nor does a list's item or parent.
      if (block.kind !== 'field' && !inNested && !opts.item && i === list.length - 1 && isExampleIntro(s.text)) {
        // Held until the blocks after it tell whether a list of steps follows.
        example = { intro: { ...read, c: { facts: [], recognized: false, orderingLike: false, subject: [] }, example: { endLine: read.line, steps: 0 } }, section: block.section, read };
        return;
      }
      // An item whose parent line ("kvm->lock is taken outside:") is above the hunk: the rule it completes is not seen.
      if (i === 0 && opts.orphan && needsParent(s.text)) read.notRead = PARENT_NOT_SEEN;
      if (i === 0 && opts.notItemOf && needsParent(s.text)) read.notRead = notItsItem(opts.notItemOf);
      if (i === 0 && opts.notRead) read.notRead = opts.notRead;
      // As in the reader: a rule for an architecture not known here is read as that word's, and reported.
      if (c.recognized && c.facts.some((x) => ARCH_FACTS.has(x.kind))) {
        if (c.unknownArch) Object.assign(read, { notRead: unknownInlineReason(c.unknownArch), scopedTo: { archs: [c.arch ?? ''], unknown: [c.unknownArch] } });
        else if (!c.arch && unknown) Object.assign(read, { notRead: unknownLabelReason(unknown), scopedTo: { archs: archs ?? [arch ?? ''], unknown: unknown.words } });
      }
      out.push(read);
    });
  };
  // As in the reader: a rule whose locks are listed under it is held until its items are read.
  const held: { parent: HeldParent | null } = { parent: null };
  // As in the reader, as far as the hunk shows the list.
  const running = new RunningList();
  // A parent paragraph whose list was not indented under it (quoted with its line): the main list's bullets after it.
  const orphans: { of: { quote: string; column: number; section: string } | null } = { of: null };
  /**
   * The list has ended (at NEXT): a parent no item in the hunk followed is read as the sentence it is; as in the
   * reader, a paragraph in the main list whose next bullet is the list's is reported as having no list under it.
   */
  const closeParent = (next?: Block): void => {
    const p = held.parent;
    held.parent = null;
    if (!p || p.items > 0) return;
    const { block, sentence } = p.rule;
    if (block.kind === 'paragraph' && p.indent !== null && next?.kind === 'bullet' && next.section === block.section && (next.indent ?? 0) <= p.indent) {
      readAll(block, p.scope, p.inNested, { notRead: NO_LIST_UNDER });
      orphans.of = { quote: `"${sentence.text}" (line ${f.fileLine[sentence.line - 1] ?? 0})`, column: p.indent, section: block.section };
      return;
    }
    readAll(block, p.scope, p.inNested);
  };
  // The blocks at the top of the hunk that are list items: the items of a list whose parent line, if any, is above it
  // (after the end of an item or sentence begun above, 'pending' until the first of them).
  let above: { indent: number; section: string } | 'pending' | null | undefined;
  for (const block of parsed.blocks) {
    const indent = block.indent ?? 0;
    if (above === undefined || above === 'pending') above = block.kind === 'bullet' ? { indent, section: block.section } : block === continued ? 'pending' : null;
    else if (above && !(block.section === above.section && ((block.kind === 'bullet' && indent >= above.indent) || (block.kind === 'paragraph' && block.inItem)))) above = null;
    const orphan = typeof above === 'object' && above !== null && block.kind === 'bullet' && indent === above.indent;
    if (block.kind === 'field' && block.field !== 'Comment') continue;
    const current = example as { intro: ReadSentence; section: string } | null;
    if (current?.intro.example && block.section === current.section && (block.kind === 'bullet' || block.inItem)) {
      const steps = splitSentences(block);
      current.intro.example.steps += steps.length;
      current.intro.example.endLine = f.fileLine[block.line + block.lines.length - 2] ?? current.intro.example.endLine;
      current.intro.touched ||= steps.some((_, i) => touches(block, steps, i));
      continue;
    }
    closeExample();
    // A label ("On x86:") stands in the list, and so does the end of a block begun above the hunk: it ends nothing seen.
    running.see(block, (b) => b === continued || labelScope(b) !== null);
    const p = held.parent;
    const place = p ? listPlace(p, block) : null;
    if (p && place === 'item') {
      p.items++;
      readAll(block, p.scope, true, { item: p });
      continue;
    }
    if (p && place === 'content') {
      readAll(block, p.scope, true);
      continue;
    }
    closeParent(block);
    const orphanOf = orphans.of && block.kind === 'bullet' && block.section === orphans.of.section && indent === orphans.of.column ? orphans.of : null;
    orphans.of = orphanOf;
    if (block.section !== section) {
      section = block.section;
      sectionScope = titled(section);
      scope = sectionScope;
      nested = null;
    }
    // As in the reader: a "- On x86:" item scopes the items nested under it (and their text going on).
    const inNested = nested !== null && ((block.kind === 'bullet' && (block.indent ?? 0) > nested.indent) || (block.kind === 'paragraph' && block.inItem === true));
    let here: Label = scope;
    if (inNested && nested) here = nested.scope;
    else {
      nested = null;
      // The end of a sentence begun above is no label, nor a parent line.
      const labelled = opensExample(block) || block === continued ? null : label(block, f.fileLine[block.line - 1] ?? 0);
      if (labelled) {
        if (block.kind === 'bullet') nested = { scope: labelled, indent: block.indent ?? 0 };
        else {
          scope = labelled;
          labelFresh = true;
        }
        continue;
      }
      // As in the reader: a plain paragraph after a labelled list ends the label's reach, unless it is what the label labels.
      // The first paragraph in the hunk is taken to end the reach of a label above it too (a label is followed by its
      // list, not by a paragraph long enough to start the hunk); the end of one begun above it ended it there already.
      if (block.kind === 'paragraph' && !block.inItem && !sameScope(scope, sectionScope) && !labelFresh && block !== continued) scope = sectionScope;
      labelFresh = false;
      here = scope;
    }
    const rule = block === continued ? null : listRule(block);
    if (rule) {
      const one = [rule.sentence];
      held.parent = { ...openList(rule, here, block.kind === 'paragraph' ? running.column : null), touched: touches(block, one, 0), inNested };
      continue;
    }
    readAll(block, here, inNested, { orphan, continued: block === continued, ...(orphanOf ? { notItemOf: orphanOf.quote } : {}) });
  }
  closeParent();
  closeExample();
  // Comments and directive bodies are not read: a rule-like sentence in one is reported.
  for (const block of parsed.skipped) {
    const list = splitSentences(block);
    list.forEach((s, i) => {
      const notRead = skippedRuleReason(block, s.text);
      if (notRead === null) return;
      const c: Classified = { facts: [], recognized: false, orderingLike: true, subject: [] };
      out.push({ line: f.fileLine[s.line - 1] ?? 0, text: s.text, c, touched: touches(block, list, i), startsChanged: f.changed.has(s.line - 1), arch: null, notRead });
    });
  }
  return out;
}

/**
 * The scope of each rule a hunk's two sides read under what is above the
 * hunk: as its header and the embedded order place it (doc-hunk-place.ts),
 * or the reason it is not known, which its findings give.
 */
function place(header: string, before: ReadSentence[], after: ReadSentence[], doc: DocumentedOrder): void {
  const placement = placeUnseen(header, [{ sentences: before, preImage: true }, { sentences: after, preImage: false }], doc);
  for (const s of [...before, ...after]) {
    const p = s.unseen && placement.get(s.unseen);
    if (!p) continue;
    if ('unknown' in p) {
      s.scopeUnknown = p.unknown;
      continue;
    }
    s.arch = p.archs[0] ?? null;
    // Placed under "On x86 and arm64:": a placement mixing every architecture with one is none (placeUnseen()).
    if (p.archs.length > 1) s.archs = p.archs.filter((a): a is string => a !== null);
    s.placed = p;
  }
}

const words = (t: string): string => t.replace(/\s+/g, ' ').trim();

/**
 * A sentence's rules as order edges. SRCU rules become edges the way the
 * document reader derives them, so a rule about kvm->srcu is compared with
 * the rest of the order as lockdep would: synchronize_srcu() under X is
 * `X -> kvm->srcu`, taking Y inside a reader is `kvm->srcu -> Y`.
 */
function edgesOf(s: ReadSentence): OrderEdge[] {
  if (!s.c.recognized) return [];
  return (s.archs ?? [s.arch]).flatMap((arch) => edgesFor(s, arch));
}

/** The edges of a sentence's rules on one architecture (null: generic). */
function edgesFor(s: ReadSentence, arch: string | null): OrderEdge[] {
  const at = { line: s.line, text: s.text, arch };
  return s.c.facts.flatMap((f): OrderEdge[] => {
    const condition = 'condition' in f && f.condition ? { condition: f.condition } : {};
    if (f.kind === 'order') return [{ outer: f.outer, inner: f.inner, ...at, origin: 'order-list', ...condition }];
    if (f.kind !== 'srcu') return [];
    const [outer, inner] = f.allowedInReadSide ? [SRCU, f.lock] : [f.lock, SRCU];
    return [{ outer, inner, ...at, origin: 'srcu', srcu: f.allowedInReadSide ? 'read-side' : 'synchronize', ...condition }];
  });
}

const pair = (e: { outer: string; inner: string }): string => `${e.outer}\u0000${e.inner}`;

/** `line 20 of the embedded order: "..."` for each statement of a path, and the chain when it has more than one. */
function quotePath(path: readonly OrderEdge[]): string {
  const said = [...new Map(path.map((p) => [p.line, `line ${p.line} of the embedded order: "${p.text}"`])).values()].join('; ');
  return path.length > 1 ? `${[path[0]?.outer, ...path.map((p) => p.inner)].join(' -> ')}; ${said}` : said;
}

/** A sentence's leaf rules ("no other mutex should be taken inside kvm_lock"). */
function leavesOf(s: ReadSentence): LeafRule[] {
  if (!s.c.recognized) return [];
  return (s.archs ?? [s.arch]).flatMap((arch) => s.c.facts.flatMap((f) => (f.kind === 'leaf-of' ? [{ lock: f.lock, kinds: f.kinds, arch, line: s.line, text: s.text, ...(f.condition ? { condition: f.condition } : {}) }] : [])));
}

export function reviewDocHunks(patch: { index: number; subject: string }, files: readonly FileDiff[], doc: DocumentedOrder): ReviewFinding[] {
  const out: ReviewFinding[] = [];
  const kinds = documentedKinds(doc);
  for (const file of files) {
    if ((file.newPath ?? file.path) !== DOC || file.isDeleted) continue;
    for (const h of file.hunks) {
      const after = sentences(fragment(h, 'new'), doc);
      const before = sentences(fragment(h, 'old'), doc);
      place(h.header, before, after, doc);
      const now = after.filter((s) => s.touched);
      const was = before.filter((s) => s.touched);
      const wasText = new Set(was.map((s) => words(s.text)));
      // Orders the patch takes out of the document; one the new side states again (reworded) stays.
      const restated = new Set(now.flatMap(edgesOf).map(pair));
      const removed = new Set(was.flatMap(edgesOf).map(pair).filter((k) => !restated.has(k)));
      // The embedded order as the patch leaves it, as far as the hunk shows.
      const remaining = doc.edges.filter((e) => !removed.has(pair(e)));
      const seen = new Set<string>();
      for (const s of now) {
        // A sentence the patch only re-flowed or moved is not its doing.
        if (wasText.has(words(s.text))) continue;
        const placement = s.startsChanged ? 'added' : 'changed';
        if (s.example) {
          out.push({ ...unrecognizedFinding({ line: s.line, text: s.text, reason: exampleReason(s.line, s.example), example: s.example }, placement), patch });
        } else if (s.notRead !== undefined && !s.c.unread?.length) {
          out.push({ ...unrecognizedFinding({ line: s.line, text: s.text, reason: s.notRead, ...(s.scopedTo ? { scopedTo: s.scopedTo } : {}) }, placement), patch });
        } else if (s.c.unread?.length || (!s.c.recognized && s.c.orderingLike)) {
          const reason = [s.c.reason ?? 'wording not understood', ...(s.notRead !== undefined ? [s.notRead] : [])].join('; ');
          out.push({ ...unrecognizedFinding({ line: s.line, text: s.text, reason }, placement), patch });
        }
        for (const e of edgesOf(s)) {
          if (e.outer === e.inner) continue;
          if (doc.edges.some((d) => d.outer === e.outer && d.inner === e.inner)) continue;
          // One finding per statement, pair and architecture, as the review with a tree gives:
          // a rule under "On x86 and arm64:" is checked on each, and conflicts where it does.
          const id = `${s.line}\u0000${pair(e)}\u0000${e.arch ?? ''}`;
          if (seen.has(id)) continue;
          seen.add(id);
          // Any chain of the documented order that puts inner before outer, kvm->srcu
          // included, closes a cycle with the new rule: the order is transitive.
          const arch = e.arch ?? undefined;
          const kept = orderPath(remaining, e.inner, e.outer, arch);
          const path = kept ?? orderPath(doc.edges, e.inner, e.outer, arch);
          if (!path) continue;
          const said = quotePath(path);
          // A conflict through an architecture's own rule holds for that architecture only.
          const through = path.find((p) => p.arch)?.arch ?? null;
          // A rule whose scope is not known conflicts through another architecture's rule only if it applies there.
          const conditional = s.scopeUnknown !== undefined && through !== null;
          const raw = {
            outer: e.outer,
            inner: e.inner,
            message:
              (kept
                ? `the new rule "${s.text}" says ${describe(e)}, but the embedded order puts ${e.inner} before ${e.outer} (${said}): the two cannot both hold`
                : `the new rule "${s.text}" reverses the documented order (before this patch, ${said}); every site that follows the old order now contradicts the document`) + scopeWords(s, through),
            rule: { line: s.line, text: s.text },
            rulePath: [{ line: s.line, text: s.text }, ...new Map(path.map((p) => [p.line, { line: p.line, text: p.text }])).values()],
            sites: [],
            suggestion: kept
              ? 'remove or reword the older statement in the same patch, or drop the new rule'
              : 'say in the commit message why the order is reversed, and change the code that takes the locks the old way in the same series',
            arch: e.arch ?? through,
          };
          out.push({
            ...raw,
            kind: 'doc-conflict',
            severity: kept && !conditional ? 'error' : 'warning',
            fingerprint: docFingerprint('doc-conflict', raw, e.arch),
            patch,
            file: DOC,
            line: s.line,
            placement,
            chain: [],
          });
        }
        for (const r of leavesOf(s)) {
          // A rule the embedded order already states is not the patch's doing.
          if (doc.leaves.some((l) => l.lock === r.lock && String(l.kinds) === String(r.kinds) && l.arch === r.arch)) continue;
          const against = leafContradictions(r, remaining, kinds);
          if (!against.length) continue;
          const leaf = leafConflict(r, against, 'the embedded order', (line) => `line ${line} of the embedded order`);
          // Contradicted by a rule every architecture has, it holds wherever the new rule applies.
          const through = against.some((e) => !e.arch) ? null : (against[0]?.arch ?? null);
          const raw = { ...leaf, message: leaf.message + scopeWords(s, through) };
          const severity = s.scopeUnknown !== undefined && through !== null ? 'warning' : 'error';
          // A rule under "On x86 and arm64:" is one finding per architecture, each its own.
          out.push({ ...raw, kind: 'doc-conflict', severity, fingerprint: docFingerprint('doc-conflict', raw, r.arch), patch, file: DOC, line: s.line, placement, chain: [] });
        }
      }
    }
  }
  return out;
}
