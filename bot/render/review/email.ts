/**
 * `mbox --format email`: an mbox with one plain-text reply per patch that
 * has findings, written the way a KVM reviewer answers on the list (seed
 * 001): "On <date>, <author> wrote:", the hunk quoted with `> ` down to the
 * added line at fault, the comment right under it, and nothing quoted past
 * the last comment. Findings the diff cannot show follow the quotes.
 *
 * Prose is wrapped at 72 columns; quoted lines, chains and lockdep's
 * scenario table are never wrapped (they are indented, so a mail client
 * that reflows leaves them alone too).
 */
import { createHash } from 'node:crypto';
import { scenarioLines, scenarioOf } from '../../../analyzers/findings/scenario.js';
import type { Evidence, EvidenceSide, FindingSite } from '../../../analyzers/findings/model.js';
import type { PatchReview, ReviewFinding, ReviewResult } from '../../../analyzers/review/model.js';
import type { DiffLine, FileDiff, Hunk } from '../../../analyzers/series/diff-model.js';
import type { ChainStep } from '../../../analyzers/order/model.js';
import { chainLines, cycleLines } from '../findings/finding-text.js';

export interface ReviewEmailOptions {
  /** Optional: the From: header; default `kvm-review <kvm-review@localhost>`. */
  from?: string;
  /** Optional: the Date: of every reply (and of its mbox separator); default now. */
  date?: Date;
}

export const DEFAULT_FROM = 'kvm-review <kvm-review@localhost>';

/** Kernel mail is read in 80-column terminals; 72 leaves room for a few levels of `> ` when others reply. */
const WIDTH = 72;
/** Lines of the hunk quoted above the line a comment is about: enough to place it, as reviewers trim. */
const CONTEXT = 3;
/** RFC 5322 §2.1.1: header lines SHOULD be no more than 78 characters. */
const HEADER_WIDTH = 78;
const DOC_FILE = 'Documentation/virt/kvm/locking.rst';
/** Kinds whose `cycle` is a deadlock between CPUs; for the others it only explains where an order came from. */
const SCENARIO_KINDS = new Set(['order-inversion', 'srcu-violation', 'cycle']);

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// ---- prose ----------------------------------------------------------------

/** Greedy word wrap; a word longer than the line stays whole (a path must not be cut). */
function wrap(text: string, first = '', rest = first, width = WIDTH): string[] {
  const out: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (!empty && line.length + 1 + word.length > width) {
      out.push(line);
      line = rest + word;
    } else {
      line += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  out.push(line);
  return out;
}

/** A message as a sentence: capitalised unless it starts with an identifier (`kvm->lock`), closed with a period. */
function sentence(s: string): string {
  const t = s.trim();
  const capital = /^[a-z]+\b(?![-(>_.])/.test(t) ? t.charAt(0).toUpperCase() + t.slice(1) : t;
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** "takes" for one site, "take" for several: the labels are written for the plural. */
function verb(label: string, count: number): string {
  if (count !== 1) return label;
  return label.replace(/^(\S+)/, (w) => (/(s|sh|ch|x|o)$/.test(w) ? `${w}es` : `${w}s`));
}

function functionNames(sites: FindingSite[], max = 4): string {
  const fns = [...new Set(sites.map((s) => `${s.function}()`))];
  return fns.slice(0, max).join(', ') + (fns.length > max ? ', ...' : '');
}

function chainSite(chain: ChainStep[]): FindingSite {
  const first = chain[0];
  return { file: first?.file ?? '', line: first?.line ?? 0, function: first?.function ?? '', chain };
}

function sameChain(a: ChainStep[], b: ChainStep[]): boolean {
  return a.length === b.length && a.every((s, i) => s.function === b[i]?.function && s.line === b[i]?.line && s.file === b[i]?.file);
}

// ---- one finding's comment ------------------------------------------------

function fallbackLabels(f: ReviewFinding): [string, string] {
  // Without a label, a side is "inner inside outer" and its reverse; for kvm->srcu the reverse is synchronize_srcu().
  // A locking.rst finding's sides are about the statement, whose direction the classes alone do not tell.
  if (f.kind.startsWith('doc-')) return ['contradict the statement', 'follow it'];
  if (f.outer === 'kvm->srcu' && f.inner) return [`take ${f.inner} inside a kvm->srcu read-side section`, `call synchronize_srcu(&kvm->srcu) while holding ${f.inner}`];
  return [`take ${f.inner ?? 'the inner lock'} inside ${f.outer ?? 'the outer lock'}`, `take ${f.outer ?? 'the outer lock'} inside ${f.inner ?? 'the inner lock'}`];
}

/** One side of the evidence as a clause, and the chain of its first site when the order is taken through calls. */
function evidenceSide(side: EvidenceSide, label: string, shown: ChainStep[][]): { clause: string; chain: string[] } {
  if (side.count === 0) return { clause: `no site ${verb(label, 1)}`, chain: [] };
  const first = side.sites[0];
  const draw = first && first.chain.length > 1 && !shown.some((c) => sameChain(c, first.chain));
  const names = side.sites.length ? ` (${functionNames(side.sites)})` : '';
  const clause = `${side.count} site${side.count === 1 ? '' : 's'} ${verb(label, side.count)}${names}`;
  if (!draw || !first) return { clause, chain: [] };
  shown.push(first.chain);
  return { clause, chain: chainLines(first, '  ') };
}

/** Sean's "many instances one way, none the other": both sides in one paragraph, unless a chain goes under the first. */
function evidenceLines(f: ReviewFinding, evidence: Evidence, where: string, shown: ChainStep[][]): string[] {
  const [againstLabel, agreeingLabel] = fallbackLabels(f);
  const a = evidenceSide(evidence.against, evidence.against.label ?? againstLabel, shown);
  const b = evidenceSide(evidence.agreeing, evidence.agreeing.label ?? agreeingLabel, shown);
  const example = (chain: string[]): string => (chain.length ? ', for example:' : '.');
  const tail = (chain: string[]): string[] => (chain.length ? ['', ...chain] : []);
  if (a.chain.length === 0) return [...wrap(`${where}${a.clause}; ${b.clause}${example(b.chain)}`), ...tail(b.chain)];
  return [...wrap(`${where}${a.clause}${example(a.chain)}`), ...tail(a.chain), '', ...wrap(sentence(b.clause).replace(/\.$/, example(b.chain))), ...tail(b.chain)];
}

/** The documented statements, each with its locking.rst line; the line just quoted is named, not repeated. */
function ruleLines(f: ReviewFinding, quotedLine: number | null): string[] {
  const seen = new Set<string>();
  const rules = (f.rulePath.length ? f.rulePath : f.rule ? [f.rule] : []).filter((r) => {
    const key = `${r.line}\u0000${r.text}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
  const isQuoted = (line: number): boolean => f.file === DOC_FILE && line === quotedLine;
  const shown = rules.filter((r) => !isQuoted(r.line));
  if (shown.length === 0) return [];
  if (rules.length === 1 && shown[0]) return [`locking.rst:${shown[0].line} says:`, '', ...wrap(`"${shown[0].text}"`, '  ')];
  const out = ['locking.rst says:', ''];
  for (const r of rules) {
    const head = `  line ${r.line}: `;
    out.push(...(isQuoted(r.line) ? [`${head}the line quoted above`] : wrap(`"${r.text}"`, head, ' '.repeat(head.length))));
  }
  return out;
}

/** The comment under the quoted line: what is wrong, the rule, the chain, the evidence, the scenario, what to do. */
function commentLines(f: ReviewFinding, quotedLine: number | null, mode: ReviewResult['mode']): string[] {
  const blocks: string[][] = [wrap(sentence(f.message))];
  const rules = ruleLines(f, quotedLine);
  if (rules.length) blocks.push(rules);
  const shown: ChainStep[][] = [];
  if (f.kind === 'cycle' && f.cycle?.length) {
    blocks.push(['The dependency chain:', '', ...cycleLines(f.cycle, '  ')]);
  } else if (f.chain.length > 1) {
    shown.push(f.chain);
    blocks.push(['Call chain:', '', ...chainLines(chainSite(f.chain), '  ')]);
  }
  if (f.evidence) blocks.push(evidenceLines(f, f.evidence, mode === 'tree' ? 'In the tree, ' : 'In the hunks, ', shown));
  if (f.cycle && f.cycle.length > 1 && SCENARIO_KINDS.has(f.kind)) {
    blocks.push(['Possible unsafe locking scenario:', '', ...scenarioLines(scenarioOf(f.cycle))]);
  }
  if (f.note) blocks.push(wrap(sentence(`Note: ${f.note}`)));
  blocks.push(wrap(sentence(f.suggestion)));
  blocks.push([`[${f.severity}: ${f.kind}${f.arch ? `, ${f.arch} only` : ''}]`]);
  return blocks.flatMap((b, i) => (i ? ['', ...b] : b));
}

// ---- quoting the diff -----------------------------------------------------

interface Spot {
  file: FileDiff;
  hunk: Hunk;
  /** Index of the line in `hunk.lines`. */
  at: number;
}

/** Where in the diff a finding's post-image line is; null when the diff does not show it. */
function locate(p: PatchReview, f: ReviewFinding): Spot | null {
  if (f.placement === 'outside') return null;
  for (const file of p.files) {
    if ((file.newPath ?? file.path) !== f.file) continue;
    for (const hunk of file.hunks) {
      const at = hunk.lines.findIndex((l) => l.type !== 'del' && l.newLine === f.line);
      if (at >= 0) return { file, hunk, at };
    }
  }
  return null;
}

function quoteLine(l: DiffLine): string {
  const mark = l.type === 'add' ? '+' : l.type === 'del' ? '-' : ' ';
  // Mail clients quote an empty context line as a bare `>`; trailing blanks would be noise.
  return `> ${mark}${l.content}`.trimEnd();
}

function diffHeader(file: FileDiff): string {
  return `> diff --git a/${file.oldPath ?? file.path} b/${file.newPath ?? file.path}`;
}

function attribution(p: PatchReview): string[] {
  const name = p.author ? /^\s*"?(.*?)"?\s*<[^>]*>\s*$/.exec(p.author)?.[1] || p.author : null;
  const d = p.date ? new Date(p.date) : null;
  const when = d && !Number.isNaN(d.getTime()) ? `${DAYS[d.getUTCDay()]}, ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}` : p.date;
  if (when) return wrap(`On ${when}, ${name ?? 'the author'} wrote:`);
  return wrap(`${name ?? 'The author'} wrote:`);
}

function where(f: ReviewFinding): string {
  return f.placement === 'outside' ? `At ${f.file}:${f.line}, which this patch does not change:` : `At ${f.file}:${f.line}, in code this patch changes:`;
}

/** The reply's body lines, unescaped. */
function replyBody(r: ReviewResult, p: PatchReview): string[] {
  const out = attribution(p);
  const order = (f: ReviewFinding): number => {
    const i = p.files.findIndex((file) => (file.newPath ?? file.path) === f.file);
    return i < 0 ? p.files.length : i;
  };
  const findings = [...p.findings].sort((a, b) => order(a) - order(b) || a.file.localeCompare(b.file) || a.line - b.line);
  const placed = findings.map((f) => ({ f, spot: locate(p, f) }));
  let file: FileDiff | null = null;
  let hunk: Hunk | null = null;
  let next = 0;
  for (const { f, spot } of placed) {
    if (!spot) continue;
    if (spot.file !== file) out.push(diffHeader(spot.file));
    if (spot.hunk !== hunk) {
      out.push(`> ${spot.hunk.header}`);
      next = 0;
    }
    file = spot.file;
    hunk = spot.hunk;
    if (spot.at >= next) {
      const start = Math.max(next, spot.at - CONTEXT);
      // A cut inside a hunk is marked, or the reader would misnumber the lines after the @@ header.
      if (start > next) out.push('[...]');
      out.push(...spot.hunk.lines.slice(start, spot.at + 1).map(quoteLine));
      next = spot.at + 1;
    }
    // Two comments on one line are two paragraphs groups under one quote, one blank line apart.
    if (out.at(-1) !== '') out.push('');
    out.push(...commentLines(f, spot.hunk.lines[spot.at]?.newLine ?? null, r.mode), '');
  }
  for (const { f } of placed.filter((x) => !x.spot)) out.push(...wrap(where(f)), '', ...commentLines(f, null, r.mode), '');
  if (r.mode === 'hunk-only') {
    out.push(...wrap(`Note: this review ran in hunk-only mode, without a kernel tree. ${sentence(r.degraded ?? 'Locks held by callers and taken by callees are not seen')}`), '');
  }
  if (p.reason) out.push(...wrap(sentence(`Note: ${p.reason}`)), '');
  // "-- " (with the space) is the signature separator mail clients know.
  out.push('-- ', 'kvm-review, automated lock-order review');
  return out;
}

// ---- headers --------------------------------------------------------------

/** RFC 2047 B-encoded words (40 bytes, 68 characters: one fits a header line with its name), cut between UTF-8 characters. */
function encodeWords(s: string): string {
  const words: string[] = [];
  let chunk = '';
  for (const ch of s) {
    if (Buffer.byteLength(chunk + ch) > 40) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString('base64')}?=`).join(' ');
}

function headerText(s: string): string {
  return /[^\x20-\x7e]/.test(s) ? encodeWords(s) : s;
}

/** `Name <addr>` with the name encoded or quoted as RFC 5322 needs. */
function mailbox(s: string): string {
  const m = /^\s*"?(.*?)"?\s*<([^>]+)>\s*$/.exec(s);
  if (!m) return s.trim();
  const [, name = '', addr = ''] = m;
  if (!name) return `<${addr}>`;
  if (/[^\x20-\x7e]/.test(name)) return `${encodeWords(name)} <${addr}>`;
  return /[()<>@,;:\\".[\]]/.test(name) ? `"${name.replace(/(["\\])/g, '\\$1')}" <${addr}>` : `${name} <${addr}>`;
}

/** One header, folded at spaces to HEADER_WIDTH where it can be. */
function header(name: string, value: string): string[] {
  const lines: string[] = [];
  let line = `${name}:`;
  for (const word of value.split(' ').filter(Boolean)) {
    if (line.length + 1 + word.length > HEADER_WIDTH && line.trim().length > name.length + 1) {
      lines.push(line);
      line = ` ${word}`;
    } else {
      line += ` ${word}`;
    }
  }
  lines.push(line);
  return lines;
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

function clock(d: Date): string {
  return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

/** RFC 5322 date-time, in UTC. */
function rfc5322(d: Date): string {
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${clock(d)} +0000`;
}

/** C asctime(), as mbox separator lines carry it: `Tue Jan  3 17:42:31 2023`. */
function asctime(d: Date): string {
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${clock(d)} ${d.getUTCFullYear()}`;
}

/** Stable across re-runs: the patch and the set of its findings' fingerprints, never a line or a date. */
function messageId(p: PatchReview, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
  const key = [p.messageId ?? p.subject, String(p.index), ...p.findings.map((f) => f.fingerprint).sort()].join('\n');
  return `<kvm-review.${createHash('sha256').update(key).digest('hex').slice(0, 20)}@${domain}>`;
}

function reply(r: ReviewResult, p: PatchReview, from: string, date: Date): string {
  const subject = /^re:/i.test(p.subject) ? p.subject : `Re: ${p.subject}`;
  const refs = [...new Set([...p.references, ...(p.messageId ? [p.messageId] : [])])].map((id) => `<${id}>`);
  const headers = [
    ...header('From', mailbox(from)),
    ...(p.author ? header('To', mailbox(p.author)) : []),
    ...header('Subject', headerText(subject)),
    ...(p.messageId ? header('In-Reply-To', `<${p.messageId}>`) : []),
    ...(refs.length ? header('References', refs.join(' ')) : []),
    ...header('Date', rfc5322(date)),
    ...header('Message-ID', messageId(p, from)),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
  ];
  // mboxrd: every body line that looks like a separator, quoted or not, gains one `>`.
  const body = replyBody(r, p).map((l) => (/^>*From /.test(l) ? `>${l}` : l));
  return [`From kvm-review@localhost ${asctime(date)}`, ...headers, '', ...body, ''].join('\n');
}

/** The mbox: one reply per patch with findings, in patch order; empty when no patch has any. */
export function renderReviewEmail(result: ReviewResult, options: ReviewEmailOptions = {}): string {
  const from = options.from ?? DEFAULT_FROM;
  const date = options.date ?? new Date();
  return result.patches
    .filter((p) => p.findings.length > 0)
    .map((p) => `${reply(result, p, from, date)}\n`)
    .join('');
}
