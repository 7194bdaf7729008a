/**
 * The digest as plain-text blocks (a heading, or an indented paragraph),
 * shared by the text and email formats: text prints them as they are,
 * email wraps them at 72 columns. Every input string passes through
 * escapeControls (subjects, names and locking.rst text come from strangers).
 */
import type { CodeEdgeChange, CommitRef, Digest, FirstSeen } from '../../../analyzers/history/model.js';
import { RULE_CHANGE_LABELS, TABLE_CHANGES } from '../../../analyzers/history/model.js';
import type { RuleChange } from '../../../analyzers/history/rule-diff.js';
import type { FindingSite } from '../../../analyzers/findings/model.js';
import { escapeControls } from '../safe-text.js';

export interface Block {
  /** 0: a section heading; 1..n: indentation level of a paragraph. */
  level: number;
  text: string;
}

const s = escapeControls;
export const short = (hash: string): string => hash.slice(0, 12);
export const day = (iso: string): string => iso.slice(0, 10);

export function commitLine(c: CommitRef): string {
  return `${short(c.hash)} ("${s(c.subject)}"), ${s(c.author)}, ${day(c.date)}`;
}

export function siteText(site: FindingSite | { function: string; file: string; line: number }): string {
  return `${s(site.function)}() (${s(site.file)}:${site.line})`;
}

export function chainText(chain: readonly { function: string; file: string; line: number }[]): string {
  return chain.map((c) => `${s(c.function)}() ${s(c.file)}:${c.line}`).join(' -> ');
}

export function firstSeenText(f: FirstSeen | null): string {
  if (!f) return '';
  return `${f.how === 'introduced' ? 'since' : 'at least since'} ${short(f.commit.hash)} ("${s(f.commit.subject)}", ${day(f.commit.date)})`;
}


export function ruleChangeText(c: RuleChange): string {
  const what = c.outer ? `${s(c.outer)} -> ${s(c.inner ?? '')}` : c.lock ? s(c.lock) : '';
  const arch = c.arch ? ` (${s(c.arch)} only)` : '';
  const quote = TABLE_CHANGES.includes(c.change) ? '' : `: "${s(c.text)}"`;
  const read = c.readSide ? ` (inside a kvm->srcu reader: ${rs(c.readSide.before)} -> ${rs(c.readSide.after)})` : '';
  const prev = c.previous ? `; was line ${c.previous.line}: "${s(c.previous.text)}"` : '';
  return `${RULE_CHANGE_LABELS[c.change]}${what ? ` ${what}` : ''}${arch}, locking.rst:${c.line}${quote}${read}${prev}`;
}

const rs = (v: boolean | null): string => (v === null ? 'no rule' : v ? 'allowed' : 'forbidden');

export function edgeChangeText(e: CodeEdgeChange): string {
  const how = e.innerOp === 'sync' ? `synchronize_srcu() waits on ${s(e.inner)} under ${s(e.outer)}` : `${s(e.outer)} -> ${s(e.inner)}`;
  const cond = e.confidence === 'conditional' ? ' (conditional: only through a reference-count put)' : '';
  return `${e.change === 'added' ? '+' : '-'} ${how} in ${siteText(e)}${cond} [${e.archs.join(', ')}]`;
}

export const SECTION_TITLES = {
  contradicted: 'Documented rules the code contradicts',
  undocumented: 'Orders the code relies on that nobody wrote down',
  leaf: 'Locks the "everything else is a leaf" claim makes leaves, with what is taken inside',
  stale: 'Documented locks no code takes',
  document: 'The document contradicts itself',
} as const;

export function windowText(d: Digest): string {
  const w = d.window;
  const range = w.from ? `${short(w.from.hash)}..${short(w.to.hash)}` : `up to ${short(w.to.hash)}`;
  return `${range} (${w.from ? day(w.from.date) : 'from the first commit'} to ${day(w.to.date)}${w.since ? `, since ${day(w.since)}` : ''})`;
}

export function digestBlocks(d: Digest): Block[] {
  const out: Block[] = [];
  const h = (text: string): void => {
    out.push({ level: 0, text });
  };
  const p = (level: number, text: string): void => {
    out.push({ level, text });
  };
  h(`Locking-doc drift, ${windowText(d)}`);
  p(1, s(d.summary));

  h('The document this week');
  if (!d.document.length) p(1, 'No commit in the window touched Documentation/virt/kvm/locking.rst.');
  for (const c of d.document) {
    p(1, commitLine(c));
    if (!c.changes.length) p(2, 'no rule changed (wording or layout only)');
    for (const ch of c.changes) p(2, ruleChangeText(ch));
  }

  h('The code this week');
  if (!d.code.length) p(1, 'No commit in the window added or removed an observed edge between documented locks.');
  for (const c of d.code) {
    p(1, commitLine(c));
    for (const e of c.edges) {
      p(2, edgeChangeText(e));
      if (e.chain.length > 1) p(3, `chain: ${chainText(e.chain)}`);
    }
  }

  h(`Drift now, at ${short(d.window.to.hash)}`);
  const dr = d.drift;
  p(1, `${SECTION_TITLES.contradicted} (${dr.contradicted.length})`);
  for (const c of dr.contradicted) {
    p(2, `[${c.severity}] ${c.kind}: ${s(c.message)}`);
    if (c.rule) p(3, `rule, locking.rst:${c.rule.line}: "${s(c.rule.text)}"`);
    for (const site of c.sites) {
      p(3, `site: ${siteText(site)}${site.confidence?.level === 'conditional' ? ' (conditional)' : ''}`);
      if (site.chain.length > 1) p(4, `chain: ${chainText(site.chain)}`);
    }
    if (c.firstSeen) p(3, firstSeenText(c.firstSeen));
    if (c.note) p(3, `note: ${s(c.note)}`);
  }
  p(1, `${SECTION_TITLES.undocumented} (${dr.undocumented.length})`);
  for (const u of dr.undocumented) {
    p(2, `${s(u.outer)} -> ${s(u.inner)}: ${u.sites} site${u.sites === 1 ? '' : 's'}, e.g. ${siteText(u.example)}${u.firstSeen ? `; ${firstSeenText(u.firstSeen)}` : ''}`);
    if (u.example.chain.length > 1) p(3, `chain: ${chainText(u.example.chain)}`);
  }
  const claim = dr.leaf[0]?.rule;
  p(1, `${SECTION_TITLES.leaf} (${dr.leaf.length})${claim ? `; locking.rst:${claim.line}: "${s(claim.text)}"` : ''}`);
  for (const l of dr.leaf) {
    p(2, `${s(l.lock)}: ${l.inside.map((i) => `${s(i.lock)} (${i.sites} site${i.sites === 1 ? '' : 's'}, e.g. ${siteText(i.example)})`).join('; ')}`);
  }
  p(1, `${SECTION_TITLES.stale} (${dr.stale.length})`);
  for (const st of dr.stale) p(2, `${s(st.lock)}${st.rule ? `, locking.rst:${st.rule.line}: "${s(st.rule.text)}"` : ''}`);
  p(1, `${SECTION_TITLES.document} (${dr.document.length})`);
  for (const x of dr.document) p(2, `[${x.severity}] ${s(x.message)}${x.lines.length ? ` (lines ${x.lines.join(', ')})` : ''}`);

  h(`Since ${d.window.from ? short(d.window.from.hash) : 'the first commit'}`);
  if (!d.since.new.length && !d.since.fixed.length) p(1, 'Nothing new, nothing fixed.');
  for (const n of d.since.new) p(1, `new (${n.section}): ${s(n.title)}`);
  for (const f of d.since.fixed) p(1, `fixed (${f.section}): ${s(f.title)}`);

  h(`Trend, ${d.trend.length} weeks`);
  p(1, 'week      contradicted  undocumented  leaf  stale  document');
  for (const t of d.trend) {
    const c = t.counts;
    p(1, `${t.week}  ${String(c.contradicted).padStart(12)}  ${String(c.undocumented).padStart(12)}  ${String(c.leaf).padStart(4)}  ${String(c.stale).padStart(5)}  ${String(c.document).padStart(8)}`);
  }

  if (d.notes.length) {
    h('Not seen');
    for (const n of d.notes) p(1, s(n));
  }
  return out;
}
