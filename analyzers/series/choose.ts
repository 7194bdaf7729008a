/**
 * Picks the series to review when an input holds several, the way a
 * maintainer running `b4 am` on a thread would: the thread the input is
 * about (the first tagged posting in it, which `b4 mbox` puts first), then
 * its newest complete revision, else its newest revision with patches.
 * Revisions are tied by thread, or by sender and title (v2 is often a new
 * thread). A mail that carries a diff but no `[PATCH]` tag, or a posting of
 * another thread or sender, never replaces that series. The user may choose
 * otherwise (`--series N`, `--message-id ID`). Every series is listed with
 * a number and why it was or was not chosen.
 */
import { SourceError } from '../sources/errors.js';
import type { PatchEntry, SeriesCandidate, SeriesSelection, Series } from './model.js';

/** How many other series the sentence names; an inbox holds hundreds, and `candidates` lists them all. */
const LISTED = 8;

/** What the series stage knows about a series beyond its messages: where it sits in the input. */
export interface SeriesFacts {
  /** Position of its first message in the input (0-based, over all messages). */
  first: number;
  /** The threads its messages belong to (thread-roots.ts numbers). */
  threads: Set<number>;
  /** Every message of it was a mail with a diff but no `[PATCH]` tag. */
  untagged: boolean;
}

/** The series in the order they are listed and numbered: newest revision first, then latest date. */
export function newestFirst(series: Series[]): Series[] {
  return [...series].sort((a, b) => b.version - a.version || (b.date ?? '').localeCompare(a.date ?? ''));
}

/** The choice: the series (null when none has a patch), the sentence, and every series with its number and reason. */
export interface Choice {
  chosen: Series | null;
  choice: string;
  candidates: SeriesCandidate[];
}

/**
 * Chooses among `series` (in newestFirst order). `facts` must hold every series.
 * Throws SourceError 'selection' when `select` names no series of the input.
 */
export function chooseSeries(series: Series[], facts: Map<Series, SeriesFacts>, input: string, select: SeriesSelection = {}): Choice {
  const fact = (s: Series): SeriesFacts => facts.get(s) ?? { first: Number.MAX_SAFE_INTEGER, threads: new Set(), untagged: false };
  const number = (s: Series): number => series.indexOf(s) + 1;
  const tagged = series.filter((s) => !fact(s).untagged);
  const anchor = [...tagged].sort((a, b) => fact(a).first - fact(b).first)[0];
  const related = (s: Series): boolean => anchor !== undefined && relatedTo(s, anchor, fact);
  const lineage = tagged.filter(related);

  let chosen: Series | null;
  let why: string;
  const user = selected(series, select, input);
  if (user) {
    chosen = user.series;
    why = user.why;
  } else {
    const pools: [Series[], string][] = [
      [lineage, tagged.some((s) => !related(s) && s.patches.length > 0) ? ' of the first thread in the input' : ''],
      [tagged, lineage.length > 0 ? ' (the first thread in the input has no patches)' : ''],
      [series, ' (no mail carries a [PATCH] tag)'],
    ];
    chosen = null;
    why = '';
    for (const [pool, where] of pools) {
      const pick = best(pool);
      if (!pick) continue;
      chosen = pick.series;
      why = `${pick.why}${where}`;
      break;
    }
  }

  const many = series.length > 1;
  const name = (s: Series): string => `${many ? `#${number(s)} ` : ''}${label(s, series)}`;
  const others = series.filter((s) => s !== chosen);
  const listed = others.slice(0, LISTED).map(name);
  if (others.length > LISTED) listed.push(`${others.length - LISTED} more`);
  const also = listed.length > 0 ? `; also present: ${listed.join(', ')}` : '';
  // With no series chosen, its patches may all have been skipped (an index past the total): said with
  // their reasons, not taken for cover letters.
  const skipped = series.flatMap((s) => s.duplicates);
  const choice =
    chosen === null
      ? series.length === 0
        ? 'no patches in the input'
        : skipped.length > 0
          ? `no patch in the input can be reviewed: every patch was skipped (${skippedList(skipped)})${also}`
          : `no patches in the input, only cover letters${also}`
      : `${name(chosen)}: ${why}${also}`;

  const candidates = series.map((s): SeriesCandidate => {
    let reason: string;
    if (s === chosen) reason = `reviewed: ${why}`;
    else if (s.patches.length === 0 && s.duplicates.length > 0) reason = `not reviewed: every patch of it was skipped (${skippedList(s.duplicates)})`;
    else if (s.patches.length === 0) reason = 'not reviewed: a cover letter without patches';
    else if (fact(s).untagged) reason = 'not reviewed: a mail that carries a diff but no [PATCH] tag, outside the series';
    else if (chosen !== null && relatedTo(s, chosen, fact)) {
      reason = `not reviewed: ${s.version < chosen.version ? 'an older' : s.version > chosen.version ? 'a newer' : 'another'} revision (v${s.version}) of the reviewed series`;
      if (s.version > chosen.version && !s.complete) reason += `, incomplete (${s.missing.length} missing)`;
    } else reason = 'not reviewed: another thread or sender';
    return {
      number: number(s),
      label: label(s, series),
      chosen: s === chosen,
      reason,
      version: s.version,
      fingerprint: s.fingerprint,
      patches: [...s.patches, ...s.duplicates]
        .sort((a, b) => a.index - b.index)
        .map((p) => ({ index: p.index, subject: p.subject, messageId: p.messageId, status: p.status, reason: p.reason })),
    };
  });
  return { chosen, choice, candidates };
}

/** `"subject": reason` of each skipped patch, the first LISTED of them. */
function skippedList(patches: readonly PatchEntry[]): string {
  const listed = patches.slice(0, LISTED).map((p) => `"${p.subject}": ${p.reason ?? 'skipped'}`);
  if (patches.length > LISTED) listed.push(`${patches.length - LISTED} more`);
  return listed.join('; ');
}

/** The newest complete series of `pool`, else the newest revision with the most patches. */
function best(pool: Series[]): { series: Series; why: string } | null {
  const ordered = newestFirst(pool);
  const completes = ordered.filter((s) => s.complete && s.patches.length > 0);
  const complete = completes[0];
  if (complete) return { series: complete, why: `${completes.length > 1 ? 'the newest' : 'the'} complete series` };
  const partial = ordered
    .filter((s) => s.patches.length > 0)
    .sort((a, b) => b.version - a.version || b.patches.length - a.patches.length || (b.date ?? '').localeCompare(a.date ?? ''))[0];
  return partial ? { series: partial, why: 'no series is complete; chose the newest with patches' } : null;
}

/** The same thread, or the same sender and a title in common (a v2 posted as a new thread). */
function relatedTo(s: Series, anchor: Series, fact: (s: Series) => SeriesFacts): boolean {
  if (s === anchor) return true;
  const threads = fact(anchor).threads;
  if ([...fact(s).threads].some((t) => threads.has(t))) return true;
  if ((s.sender?.email ?? null) !== (anchor.sender?.email ?? null) || s.sender === null) return false;
  if (s.backport !== anchor.backport) return false;
  const titles = new Set([anchor.title, ...anchor.patches.map((p) => p.title)]);
  return titles.has(s.title) || s.patches.some((p) => titles.has(p.title));
}

/** The series the user asked for, or undefined when they asked for none. */
function selected(series: Series[], select: SeriesSelection, input: string): { series: Series; why: string } | undefined {
  const listing = (): string =>
    series.length === 0 ? 'the input holds no series' : `the input holds ${series.map((s, i) => `#${i + 1} ${label(s, series)}`).join(', ')}`;
  if (select.series !== undefined) {
    const s = series[select.series - 1];
    if (!s) throw new SourceError('selection', input, `--series ${select.series}: no such series; ${listing()}`);
    return { series: s, why: `chosen with --series ${select.series}` };
  }
  if (select.messageId !== undefined) {
    const id = select.messageId.trim().replace(/^<|>$/g, '');
    const s = series.find((x) => x.cover?.messageId === id || [...x.patches, ...x.duplicates].some((p) => p.messageId === id));
    if (!s) throw new SourceError('selection', input, `--message-id ${id}: no cover letter or patch of the input has this Message-ID; ${listing()}`);
    return { series: s, why: `chosen with --message-id ${id}` };
  }
  return undefined;
}

/** `v2 (50/50, cover)`, with the sender when the input has several senders, RFC and backport when set. */
export function label(s: Series, all: Series[]): string {
  const senders = new Set(all.map((x) => x.sender?.email ?? ''));
  const base = [s.rfc ? 'RFC' : '', s.resend ? 'RESEND' : '', `v${s.version}`, s.backport ? `${s.backport} backport` : ''].filter((x) => x !== '').join(' ');
  const who = senders.size > 1 && s.sender ? ` by ${s.sender.email}` : '';
  const missing = s.missing.length > 0 ? `, ${s.missing.length} missing` : '';
  return `${base}${who} (${s.patches.length}/${s.expected}${missing}${s.hasCover ? ', cover' : ''})`;
}
