/**
 * `doc --propose`: a rule the code already relies on, written into
 * locking.rst in the document's own style.
 *
 * 1. candidates: the undocumented orders between documented locks that
 *    `check` reports, ranked by the sites that rely on them (each
 *    file:line:function once, whatever the architectures that build it);
 * 2. a proposal that would make the document cyclic is refused, with the
 *    statements that close the cycle; as check's cycle rule, one
 *    architecture at a time (an x86 rule and an arm64 rule are never in
 *    one build, so never in one cycle); so is one the document already
 *    states in the builds the rule is for (documentedPath());
 * 3. the rule goes in as one bullet, `- A is taken outside B`, in the
 *    acquisition-order list (under the architecture's heading when every
 *    site is one architecture's code, or, for a lock the document gives
 *    some architectures alone, every build that takes the order is: see
 *    bot/cli/propose-scope.ts; a rule for several architectures goes under
 *    the heading naming exactly those, "On x86 and arm64:", made when the
 *    document has none), before the bullet that orders what
 *    B is taken outside of, else after the last bullet naming A or B; no
 *    other line changes. A lock the document names is written as the
 *    document spells it (`kvm->arch.mmu_lock`, `kvm_arch::tsc_write_lock`).
 *
 * Inputs are structural (what `check` prints), so the document reader does
 * not depend on the engine.
 */
import { listed } from '../../analyzers/counted.js';
import type { LockClass } from '../lock-names.js';
import type { DocumentedOrder, OrderEdge } from './model.js';
import { edgesFor, orderPath } from './order-graph.js';
import { docLines } from './doc-text.js';
import { docSpelling } from './spelling.js';
import { archName, onHeadingWords } from './statements.js';

/** The SRCU domain: an order `X -> kvm->srcu` the code relies on is synchronize_srcu() called while X is held. */
export const SRCU = 'kvm->srcu';

/** One step of a site's chain: a call (or, last, the acquisition). */
export interface ProposalStep {
  function: string;
  file: string;
  /** 1-based; 0 for a step outside the indexed files. */
  line: number;
}

/** A place the code takes inner while holding outer. */
export interface ProposalSite {
  file: string;
  line: number;
  function: string;
  chain: ProposalStep[];
  /** How the site was reached; a conditional one (through a refcount put) is never the ground of a proposal. */
  confidence?: { level: 'full' | 'conditional' };
}

/** What candidates are read from: `check` findings (only `undocumented-order` ones are used). */
export interface FindingLike {
  kind: string;
  outer: LockClass | null;
  inner: LockClass | null;
  /** The sites kept as evidence: at most a dozen per finding, the shortest chains. */
  sites: ProposalSite[];
  /** How many sites there are in all, kept or not, and how many of them rest on an assumption. */
  evidence?: { against: { count: number; assumed?: number } };
}

/** An order the code relies on and locking.rst does not state. */
export interface Candidate {
  outer: LockClass;
  inner: LockClass;
  /** Every site kept as evidence, each file:line:function once. */
  sites: ProposalSite[];
  /** How many sites rely on the order: sites.length, or more when a finding kept only some of its sites. */
  count?: number;
  /** count is a lower bound: a finding kept only some of its sites, so sites two architectures share cannot all be told apart. */
  atLeast?: boolean;
  /** The architecture heading the rule belongs under, null for the generic list; with `archs`, the first of them. */
  arch: string | null;
  /**
   * A rule for several architectures ("On x86 and arm64:"): every one of them, in the order the
   * heading names them. Absent for a generic rule or one architecture's; see ruleArchs().
   */
  archs?: string[];
  /** Optional: sites that take the two locks the other way round (the message says so when there are any). */
  against?: number;
}

/** The builds a rule is for: its architectures, null for a generic rule (every build). */
export function ruleArchs(c: Pick<Candidate, 'arch' | 'archs'>): string[] | null {
  return c.archs && c.archs.length > 1 ? [...c.archs] : c.arch === null ? null : [c.arch];
}

/** A proposal refused because the document already orders inner before outer. */
export interface ProposalCycle {
  outer: LockClass;
  inner: LockClass;
  /** The architecture whose build has the cycle, null when the generic rules alone close it (every build has it). */
  arch: string | null;
  /** The documented statements from inner back to outer. */
  closing: OrderEdge[];
}

/** The architecture whose directory `file` is in (arch/<a>/), null for generic code. */
export function archOfFile(file: string): string | null {
  return /^arch\/([^/]+)\//.exec(file)?.[1] ?? null;
}

/** The one architecture all sites' code belongs to, null when it is generic or several: the list a rule on them goes in. */
export function siteArch(sites: readonly Pick<ProposalSite, 'file' | 'chain'>[]): string | null {
  const archs = new Set<string>();
  let generic = true;
  for (const s of sites) {
    for (const f of [s.file, ...s.chain.map((c) => c.file)]) {
      const a = archOfFile(f);
      if (a) {
        archs.add(a);
        generic = false;
      }
    }
  }
  return !generic && archs.size === 1 ? ([...archs][0] as string) : null;
}

/** Candidates ranked by sites of full confidence, most first; ties by name so the order is stable. An order seen only through conditional sites is no candidate. */
export function rankCandidates(findings: readonly FindingLike[]): Candidate[] {
  const byEdge = new Map<string, { outer: LockClass; inner: LockClass; sites: Map<string, ProposalSite>; most: number; cut: boolean; findings: number }>();
  for (const f of findings) {
    if (f.kind !== 'undocumented-order' || !f.outer || !f.inner) continue;
    const key = `${f.outer}\u0000${f.inner}`;
    let c = byEdge.get(key);
    if (!c) byEdge.set(key, (c = { outer: f.outer, inner: f.inner, sites: new Map(), most: 0, cut: false, findings: 0 }));
    // A rule is proposed only for what the code provably does.
    const full = f.sites.filter((s) => s.confidence?.level !== 'conditional');
    for (const s of full) {
      const id = `${s.file}:${s.line}:${s.function}`;
      if (!c.sites.has(id)) c.sites.set(id, s);
    }
    // The finding keeps a dozen sites; its count is all of them (full-confidence ones when it has any).
    const all = full.length ? Math.max(full.length, (f.evidence?.against.count ?? 0) - (f.evidence?.against.assumed ?? 0)) : 0;
    c.most = Math.max(c.most, all);
    if (all > full.length) c.cut = true;
    if (full.length) c.findings++;
  }
  return [...byEdge.values()]
    .filter((c) => c.sites.size > 0)
    .map((c) => {
      const sites = [...c.sites.values()];
      const count = Math.max(sites.length, c.most);
      // One finding's count is exact; the union of several, one of them cut, is known only from below.
      return { outer: c.outer, inner: c.inner, sites, count, atLeast: c.cut && c.findings > 1, arch: siteArch(sites) };
    })
    .sort((a, b) => b.count - a.count || a.outer.localeCompare(b.outer) || a.inner.localeCompare(b.inner));
}

/**
 * The cycle `outer -> inner` would close in the document, or null. As check
 * scopes its cycle rule: a rule for `arch` is checked against the generic
 * rules and that architecture's (a rule for several, ruleArchs(), in each
 * of their builds in turn); a generic rule (arch null) against the generic
 * rules alone, then each architecture's build in turn. Statements of two
 * architectures are never chained: no build has both.
 */
export function proposalCycle(doc: DocumentedOrder, outer: LockClass, inner: LockClass, arch: string | readonly string[] | null): ProposalCycle | null {
  if (outer === inner) return null;
  if (arch !== null) {
    for (const a of typeof arch === 'string' ? [arch] : arch) {
      const back = orderPath(doc.edges, inner, outer, a);
      if (back) return { outer, inner, arch: a, closing: back };
    }
    return null;
  }
  const generic = orderPath(genericEdges(doc.edges), inner, outer);
  if (generic) return { outer, inner, arch: null, closing: generic };
  for (const a of docArchs(doc)) {
    const back = orderPath(doc.edges, inner, outer, a);
    if (back) return { outer, inner, arch: a, closing: back };
  }
  return null;
}

/**
 * The statements that already put `outer` before `inner` wherever a rule
 * for `arch` would apply, or null. As proposalCycle() scopes its check: a
 * rule for `arch` is documented by the generic statements and that
 * architecture's; a generic rule (arch null) by the generic statements
 * alone, since one architecture's rule says nothing of another's build.
 * Statements of two architectures are never chained.
 */
export function documentedPath(doc: DocumentedOrder, outer: LockClass, inner: LockClass, arch: string | null): OrderEdge[] | null {
  return arch === null ? orderPath(genericEdges(doc.edges), outer, inner) : orderPath(doc.edges, outer, inner, arch);
}

/** The architectures with statements of their own, in name order. */
export function docArchs(doc: DocumentedOrder): string[] {
  return [...new Set(doc.edges.map((e) => e.arch).filter((x): x is string => x !== null))].sort();
}

/** The generic statements of a document: one array per document, so order-graph's per-array cache serves every query. */
const genericOf = new WeakMap<readonly OrderEdge[], OrderEdge[]>();
function genericEdges(edges: readonly OrderEdge[]): OrderEdge[] {
  let g = genericOf.get(edges);
  if (!g || g.length !== edges.filter((e) => e.arch === null).length) genericOf.set(edges, (g = edges.filter((e) => e.arch === null)));
  return g;
}

/** A list of the acquisition orders: its heading line and the bullets under it (0-based line ranges). */
interface OrderList {
  /** The line that opens the list, as written ("On aarch64:", "For SRCU:"). */
  heading: string;
  /** The architectures an "On ...:" heading names ("On x86 and arm64:": both), as archName() reads them; null for the generic lists. */
  archs: string[] | null;
  /** The heading's words as written, each architecture's ("aarch64" for arm64): a new heading spells them so. */
  words: Map<string, string>;
  /** The "For SRCU:" list (6.2 on), where synchronize_srcu() rules are written. */
  srcu: boolean;
  /** 0-based index of the heading line. */
  start: number;
  /** 0-based index of the last line of the list (its last bullet's last line). */
  end: number;
  bullets: { start: number; end: number }[];
}

/**
 * The order lists of the text: after "The acquisition orders ... as follows:", "For SRCU:" and each "On <arch>:"
 * or "On <arch> and <arch>:" ("On aarch64:" is arm64's, as the reader reads it).
 */
function orderLists(lines: readonly string[]): OrderList[] {
  const out: OrderList[] = [];
  lines.forEach((line, i) => {
    const on = /^On /.test(line) ? onHeadingWords(line) : null;
    const srcu = /^For SRCU:\s*$/.test(line);
    if (!on && !srcu && !/acquisition orders .*:\s*$/i.test(line)) return;
    const archs = on ? on.map((w) => archName(w) ?? w.toLowerCase()) : null;
    const words = new Map((on ?? []).map((w, n) => [archs?.[n] as string, w] as const));
    const list: OrderList = { heading: line.trim(), archs, words, srcu, start: i, end: i, bullets: [] };
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j] as string;
      if (/^- /.test(l)) list.bullets.push({ start: j, end: j });
      else if (/^\s+\S/.test(l) && list.bullets.length) (list.bullets[list.bullets.length - 1] as { end: number }).end = j;
      else if (l.trim() !== '') break;
    }
    list.end = list.bullets.at(-1)?.end ?? i;
    out.push(list);
  });
  return out;
}

/** The names a rule writes its two locks with (the document's spellings; see spelledLocks()). */
export interface RuleNames {
  outer: string;
  inner: string;
}

/** The rule as locking.rst words it: `A is taken outside B`, or for B = kvm->srcu the SRCU section's "synchronize_srcu() is called inside critical sections for A". */
export function ruleSentence(outer: LockClass, inner: LockClass, names: RuleNames = { outer, inner }): string {
  return inner === SRCU ? `\`\`synchronize_srcu(&kvm->srcu)\`\` is called inside critical sections for ${names.outer}` : `${names.outer} is taken outside ${names.inner}`;
}

/** `- A is taken outside B`, wrapped at 80 columns as the file wraps (two-space continuation). */
export function ruleBullet(outer: LockClass, inner: LockClass, names: RuleNames = { outer, inner }): string[] {
  const words = ruleSentence(outer, inner, names).split(' ');
  const out: string[] = [];
  let line = '-';
  for (const w of words) {
    if (line.length + 1 + w.length > 80 && line.trim() !== '-') {
      out.push(line);
      line = `  ${w}`;
    } else line += ` ${w}`;
  }
  out.push(line);
  return out;
}

/** The document has no place a rule can be added to with one bullet. */
export class ProposalError extends Error {}

/** The builds a rule is for and the architectures a heading names are the same: both generic, or the same set. */
function sameArchs(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === new Set(b).size && a.every((x) => b.includes(x));
}

/**
 * The list a rule goes in: the generic one for generic rules, "For SRCU:" for a generic synchronize_srcu() rule
 * when there is one, else the one headed with exactly its architectures ("On arm64 and x86:" for an x86 and arm64 rule).
 */
function listFor(lists: readonly OrderList[], c: Pick<Candidate, 'inner' | 'arch' | 'archs'>): OrderList | undefined {
  const archs = ruleArchs(c);
  return (c.inner === SRCU && archs === null ? lists.find((l) => l.srcu) : undefined) ?? lists.find((l) => sameArchs(l.archs, archs) && !l.srcu);
}

/**
 * The heading a rule for `archs` gets when the document has none: "On x86:", "On x86 and arm64:",
 * "On x86, arm64 and riscv:", as the reader reads them; an architecture written as the document's
 * headings write it ("aarch64"), else by its directory name.
 */
function newHeading(lists: readonly OrderList[], archs: readonly string[]): string {
  const word = (a: string): string => lists.find((l) => l.words.has(a))?.words.get(a) ?? a;
  return `On ${listed(archs.map(word))}:`;
}

/** The two locks as the document spells them where the rule goes: as written in the list it joins, else as the document writes them most. */
export function spelledLocks(text: string, c: Pick<Candidate, 'outer' | 'inner' | 'arch' | 'archs'>): RuleNames {
  return spelledIn(text.split('\n'), c);
}

/**
 * spelledLocks() for a document as read (doc-text.ts keeps its lines), so
 * that what check suggests writing is what `doc --propose` writes; the
 * canonical names when no lines were kept (the embedded default).
 */
export function spelledRule(doc: DocumentedOrder, c: Pick<Candidate, 'outer' | 'inner' | 'arch' | 'archs'>): RuleNames {
  const lines = docLines(doc);
  if (!lines) return { outer: c.outer, inner: c.inner };
  // Check asks for every finding of every state and architecture a review analyses, the same few
  // dozen pairs each time, and each answer reads the whole document (issue 15): answered once per document.
  let known = spelledKnown.get(doc);
  if (!known || known.lines !== lines) spelledKnown.set(doc, (known = { lines, names: new Map() }));
  const key = `${c.outer}\u0000${c.inner}\u0000${ruleArchs(c)?.join(',') ?? ''}`;
  let names = known.names.get(key);
  if (!names) known.names.set(key, (names = spelledIn(lines, c)));
  return { ...names };
}

const spelledKnown = new WeakMap<DocumentedOrder, { lines: readonly string[]; names: Map<string, RuleNames> }>();

/** orderLists() of a document's kept lines, read once: spelledIn() asks for them with every pair. */
const listsKnown = new WeakMap<readonly string[], OrderList[]>();

function spelledIn(lines: readonly string[], c: Pick<Candidate, 'outer' | 'inner' | 'arch' | 'archs'>): RuleNames {
  let lists = listsKnown.get(lines);
  if (!lists) listsKnown.set(lines, (lists = orderLists(lines)));
  const list = listFor(lists, c);
  const near = list ? { start: list.start, end: list.end } : undefined;
  // An architecture's rule is not written in another architecture's spelling: the lists of builds it is not for are left out.
  const archs = ruleArchs(c);
  const foreign = archs ? lists.filter((l) => l.archs !== null && !archs.every((a) => l.archs?.includes(a))).map((l) => ({ start: l.start, end: l.end })) : [];
  return { outer: docSpelling(lines, c.outer, near, foreign), inner: docSpelling(lines, c.inner, near, foreign) };
}

/** Where insertRule() puts the rule, as `--format text` says it: 'under "On aarch64:"', 'under "For SRCU:"', 'in the acquisition-order list'. */
export function rulePlace(text: string, c: Pick<Candidate, 'inner' | 'arch' | 'archs'>): string {
  const lists = orderLists(text.split('\n'));
  const list = listFor(lists, c);
  const archs = ruleArchs(c);
  if (!list) return archs ? `under a new "${newHeading(lists, archs)}" heading` : 'nowhere: the document has no list of acquisition orders';
  return list.archs === null && !list.srcu ? 'in the acquisition-order list' : `under "${list.heading}"`;
}

/**
 * locking.rst with the rule inserted; only added lines differ. `text` is
 * the file as read (LF line endings), `doc` what the reader made of it.
 */
export function insertRule(text: string, doc: DocumentedOrder, c: Pick<Candidate, 'outer' | 'inner' | 'arch' | 'archs'>): string {
  const lines = text.split('\n');
  const lists = orderLists(lines);
  const srcu = c.inner === SRCU;
  // A generic synchronize_srcu() rule goes in the "For SRCU:" list when the document has one, else with the orders.
  const list = listFor(lists, c);
  const bullet = ruleBullet(c.outer, c.inner, spelledLocks(text, c));
  if (!list) {
    // The generic list is the document's "The acquisition orders ... are as follows:"; without it ("(to be written)")
    // there is no place for a rule that one added bullet can make.
    const generic = lists.find((l) => l.archs === null && !l.srcu);
    const archs = ruleArchs(c);
    if (archs === null || !generic) {
      throw new ProposalError('locking.rst has no list of acquisition orders ("The acquisition orders for mutexes are as follows:") to add the rule to; write that section first');
    }
    // No heading for these architectures yet: a new one, before "Everything else is a leaf" (else after the last list).
    const leaf = doc.leafClaim ? doc.leafClaim.line - 1 : (lists.at(-1)?.end ?? generic.end) + 2;
    lines.splice(leaf, 0, newHeading(lists, archs), '', ...bullet, '');
    return lines.join('\n');
  }
  // The reader records a bullet under "On x86 and arm64:" once for each of them: the first architecture's statements find it.
  // A bullet's rules are quoted at its first line, or, for "A is taken outside:" over a list, at each nested item's line
  // (a rule read from a later sentence of the bullet is not one of its own here, as before lists were read).
  const nestedItem = (line: number): boolean => /^\s+[-*+]\s/.test(lines[line - 1] ?? '');
  const edgesAt = (b: { start: number; end: number }): OrderEdge[] =>
    edgesFor(doc.edges, c.arch ?? undefined).filter(
      (e) => (e.origin === 'order-list' || e.origin === 'srcu') && (e.line === b.start + 1 || (e.line > b.start + 1 && e.line <= b.end + 1 && nestedItem(e.line))),
    );
  if (srcu) {
    // After the last synchronize_srcu() rule of the list, else at its end.
    const after = list.bullets.filter((b) => edgesAt(b).some((e) => e.srcu === 'synchronize')).at(-1) ?? list.bullets.at(-1);
    lines.splice((after?.end ?? list.end) + 1, 0, '', ...bullet);
    return lines.join('\n');
  }
  // Before the first bullet that puts inner outside something: what is taken inside B comes after B's own rules.
  const before = list.bullets.find((b) => edgesAt(b).some((e) => e.outer === c.inner));
  if (before) {
    lines.splice(before.start, 0, ...bullet, '');
    return lines.join('\n');
  }
  const naming = list.bullets.filter((b) => edgesAt(b).some((e) => [e.outer, e.inner].includes(c.outer) || [e.outer, e.inner].includes(c.inner)));
  const after = naming.at(-1) ?? list.bullets.at(-1);
  lines.splice((after?.end ?? list.end) + 1, 0, '', ...bullet);
  return lines.join('\n');
}
