/**
 * What a change to locking.rst changed, as rules rather than as text: the
 * "document this week" part of the digest. Two documented orders in, a
 * list of changes out. Pure: no git, no files.
 *
 * Rules are compared by what they say (outer, inner, architecture,
 * condition), so moving a bullet or re-flowing a paragraph is no change,
 * and a new wording of the same edge is `rule-reworded`, not a removal and
 * an addition. SRCU rules are compared per lock (`srcu-changed`), not as
 * the derived `X -> kvm->srcu` edges. A new error of the document with
 * itself (a cycle, a lock both allowed and forbidden in a reader) is
 * `doc-conflict`.
 */
import type { DocumentedOrder, OrderEdge, Quote, SrcuRule } from '../../knowledge/doc/model.js';
import { findLockRefs } from '../../knowledge/doc/lock-refs.js';
import { archName } from '../../knowledge/doc/statements.js';
import type { LockClass } from '../../knowledge/lock-names.js';

/** The kind of a change, the digest's `document[].changes[].change`. */
export type RuleChangeKind =
  | 'rule-added'
  | 'rule-removed'
  | 'rule-reworded'
  | 'lock-added'
  | 'lock-dropped'
  | 'srcu-changed'
  | 'doc-conflict';

/** One change between two revisions of the document. */
export interface RuleChange {
  change: RuleChangeKind;
  /** For rule-*: the edge (inner taken while outer is held). */
  outer?: LockClass;
  inner?: LockClass;
  /** For lock-* and srcu-changed: the lock. */
  lock?: LockClass;
  /** Architecture scope of the rule or lock, null for every architecture. */
  arch: string | null;
  /** 1-based line in the revision the change is visible in (the old one for removals). */
  line: number;
  /** The statement, the lock table heading, or the problem, as that revision writes it. */
  text: string;
  /** For rule-reworded and srcu-changed: the statement it replaces. Optional. */
  previous?: Quote;
  /** For srcu-changed: whether the lock may be taken inside a kvm->srcu reader, before and after (null: no rule). */
  readSide?: { before: boolean | null; after: boolean | null };
  /** For doc-conflict: the lines of the statements involved. */
  lines?: number[];
}

/** Statements are compared as words: re-flowing a paragraph changes no rule. */
function words(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * A statement's wording without its lock names, lists folded: "A is taken
 * outside B" and "A is taken outside B and C" have one wording, so a lock
 * added to a list is a rule added, not every rule of the list reworded.
 */
function wording(text: string): string {
  let out = '';
  let at = 0;
  for (const r of findLockRefs(text)) {
    out += text.slice(at, r.index) + '\u00a7';
    at = r.index + r.written.length;
  }
  out += text.slice(at);
  return words(out).replace(/\u00a7(?:(?:,\s*|,?\s+(?:and|or)\s+)\u00a7)+/g, '\u00a7');
}

function ruleKey(e: OrderEdge): string {
  return [e.outer, e.inner, e.arch ?? '', e.condition ?? ''].join('\u0000');
}

/** Plain ordering rules, grouped by what they say, each with every statement that says it. */
function rulesOf(order: DocumentedOrder): Map<string, OrderEdge[]> {
  const out = new Map<string, OrderEdge[]>();
  for (const e of order.edges) {
    if (e.srcu) continue;
    out.set(ruleKey(e), [...(out.get(ruleKey(e)) ?? []), e]);
  }
  return out;
}

function ruleChanges(before: DocumentedOrder, after: DocumentedOrder): RuleChange[] {
  const old = rulesOf(before);
  const now = rulesOf(after);
  const out: RuleChange[] = [];
  const edge = (change: RuleChangeKind, e: OrderEdge): RuleChange => ({
    change, outer: e.outer, inner: e.inner, arch: e.arch, line: e.line, text: e.text,
  });
  for (const [key, edges] of now) {
    const first = edges[0];
    if (!first) continue;
    const was = old.get(key);
    if (!was?.length) {
      out.push(edge('rule-added', first));
      continue;
    }
    // Same rule, new wording: a statement whose wording is new replaces one, in the same
    // place (order list, SRCU, a comment, prose), whose wording is gone. A statement that
    // only restates the rule elsewhere, or only gained or lost other locks, changes no rule.
    const oldWordings = new Set(was.map((e) => wording(e.text)));
    const newWordings = new Set(edges.map((e) => wording(e.text)));
    const gone = was.filter((e) => !newWordings.has(wording(e.text)));
    for (const e of edges) {
      if (oldWordings.has(wording(e.text))) continue;
      const at = gone.findIndex((g) => g.origin === e.origin);
      const prev = gone[at];
      if (!prev) continue;
      gone.splice(at, 1);
      out.push({ ...edge('rule-reworded', e), previous: { line: prev.line, text: prev.text } });
    }
  }
  for (const [key, edges] of old) {
    const first = edges[0];
    if (first && !now.has(key)) out.push(edge('rule-removed', first));
  }
  return out;
}

function lockChanges(before: DocumentedOrder, after: DocumentedOrder): RuleChange[] {
  const old = new Set(before.locks.map((l) => l.name));
  const now = new Set(after.locks.map((l) => l.name));
  const out: RuleChange[] = [];
  // The table writes :Arch: as prose ("any", "any (only needed on x86 though)", "aarch64").
  const arch = (written: string | null): string | null =>
    !written || /^any\b/i.test(written) ? null : archName(written.trim()) ?? written.trim();
  for (const l of after.locks) {
    if (!old.has(l.name)) out.push({ change: 'lock-added', lock: l.name, arch: arch(l.arch), line: l.line, text: l.name });
  }
  for (const l of before.locks) {
    if (!now.has(l.name)) out.push({ change: 'lock-dropped', lock: l.name, arch: arch(l.arch), line: l.line, text: l.name });
  }
  return out;
}

/** What the document says about taking LOCK inside a reader: true, false, or null for nothing (a document that says both is a doc-conflict). */
function readSide(rules: SrcuRule[]): boolean | null {
  if (!rules.length) return null;
  return rules.some((r) => !r.allowedInReadSide) ? false : true;
}

function srcuChanges(before: DocumentedOrder, after: DocumentedOrder): RuleChange[] {
  const group = (order: DocumentedOrder): Map<string, SrcuRule[]> => {
    const m = new Map<string, SrcuRule[]>();
    for (const r of order.srcu) {
      const k = `${r.lock}\u0000${r.arch ?? ''}`;
      m.set(k, [...(m.get(k) ?? []), r]);
    }
    return m;
  };
  const old = group(before);
  const now = group(after);
  const out: RuleChange[] = [];
  for (const k of new Set([...old.keys(), ...now.keys()])) {
    const was = old.get(k) ?? [];
    const is = now.get(k) ?? [];
    const b = readSide(was);
    const a = readSide(is);
    if (b === a) continue;
    const shown = is[0] ?? was[0];
    if (!shown) continue;
    const prev = was[0];
    out.push({
      change: 'srcu-changed',
      lock: shown.lock,
      arch: shown.arch,
      line: shown.line,
      text: shown.text,
      readSide: { before: b, after: a },
      ...(prev && is.length ? { previous: { line: prev.line, text: prev.text } } : {}),
    });
  }
  return out;
}

/** Errors of the document with itself that the new revision has and the old one did not. */
function conflicts(before: DocumentedOrder, after: DocumentedOrder): RuleChange[] {
  // Problem messages carry line numbers; compare them without, so an unrelated edit above does not make an old cycle new.
  const shape = (m: string): string => m.replace(/\(line \d+\)|line \d+/g, 'line');
  const old = new Set(before.problems.filter((p) => p.severity === 'error').map((p) => `${p.kind}:${shape(p.message)}`));
  return after.problems
    .filter((p) => p.severity === 'error' && !old.has(`${p.kind}:${shape(p.message)}`))
    .map((p) => ({ change: 'doc-conflict', arch: null, line: p.lines[0] ?? 1, text: p.message, lines: p.lines }));
}

/**
 * The changes from BEFORE to AFTER, in document order of AFTER (removals at
 * the line they had). A null BEFORE is a document created from nothing.
 */
export function diffRules(before: DocumentedOrder | null, after: DocumentedOrder): RuleChange[] {
  const base: DocumentedOrder = before ?? { ...after, edges: [], srcu: [], locks: [], problems: [] };
  const changes = [...ruleChanges(base, after), ...lockChanges(base, after), ...srcuChanges(base, after), ...conflicts(base, after)];
  return changes.sort((x, y) => x.line - y.line || x.change.localeCompare(y.change));
}
