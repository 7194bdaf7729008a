/**
 * Picks the series to review when an input holds several (v1 and v2 of a
 * thread, a cover and a backport, a whole inbox): the newest complete one,
 * else the newest with patches. The choice is said in one sentence that also
 * lists the others, so a reviewer sees what was left out.
 */
import type { Series } from './model.js';

/** How many other series the sentence names; an inbox holds hundreds, and `series` lists them all. */
const LISTED = 8;

/** The series in the order they are listed: newest revision first, then latest date. */
export function newestFirst(series: Series[]): Series[] {
  return [...series].sort((a, b) => b.version - a.version || (b.date ?? '').localeCompare(a.date ?? ''));
}

/** The chosen series (null when no series has a patch) and the sentence that explains it. */
export function chooseSeries(series: Series[]): { chosen: Series | null; choice: string } {
  const ordered = newestFirst(series);
  const complete = ordered.find((s) => s.complete);
  // Among incomplete ones prefer the most patches at the newest revision.
  const partial = [...ordered]
    .filter((s) => s.patches.length > 0)
    .sort((a, b) => b.version - a.version || b.patches.length - a.patches.length || (b.date ?? '').localeCompare(a.date ?? ''))[0];
  const chosen = complete ?? partial ?? null;
  const others = ordered.filter((s) => s !== chosen);
  const listed = others.slice(0, LISTED).map((s) => label(s, series));
  if (others.length > LISTED) listed.push(`${others.length - LISTED} more`);
  const also = listed.length > 0 ? `; also present: ${listed.join(', ')}` : '';
  if (chosen === null) {
    return { chosen, choice: series.length === 0 ? 'no patches in the input' : `no patches in the input, only cover letters${also}` };
  }
  const why = complete
    ? `${ordered.filter((s) => s.complete).length > 1 ? 'the newest' : 'the'} complete series`
    : `no series is complete; chose the newest with patches`;
  return { chosen, choice: `${label(chosen, series)}: ${why}${also}` };
}

/** `v2 (50/50, cover)`, with the sender when the input has several senders, RFC and backport when set. */
export function label(s: Series, all: Series[]): string {
  const senders = new Set(all.map((x) => x.sender?.email ?? ''));
  const base = [s.rfc ? 'RFC' : '', s.resend ? 'RESEND' : '', `v${s.version}`, s.backport ? `${s.backport} backport` : ''].filter((x) => x !== '').join(' ');
  const who = senders.size > 1 && s.sender ? ` by ${s.sender.email}` : '';
  const missing = s.missing.length > 0 ? `, ${s.missing.length} missing` : '';
  return `${base}${who} (${s.patches.length}/${s.expected}${missing}${s.hasCover ? ', cover' : ''})`;
}
