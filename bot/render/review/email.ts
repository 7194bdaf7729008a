/**
 * `mbox --format email`: an mbox with one plain-text reply per patch that
 * has findings, written the way a KVM reviewer answers on the list (seed
 * 001): "On <date>, <author> wrote:", the hunk quoted with `> ` down to the
 * added line at fault, the comment right under it, and nothing quoted past
 * the last comment. Findings the diff cannot show follow the quotes.
 *
 * email/body.ts assembles a reply from email/quote.ts (the diff) and
 * email/prose.ts (the comments); email/headers.ts composes the headers.
 */
import { createHash } from 'node:crypto';
import type { PatchReview, ReviewResult } from '../../../analyzers/review/model.js';
import { replyBody } from './email/body.js';
import { composeHeaders } from './email/headers.js';
import { fixedReply, withSince } from './email/versions.js';
import { safeInput } from '../safe-text.js';

export interface ReviewEmailOptions {
  /** Optional: the From: header; default `kvm-review <kvm-review@localhost>`. */
  from?: string;
  /** Optional: the Date: of every reply (and of its mbox separator); default now. */
  date?: Date;
}

export const DEFAULT_FROM = 'kvm-review <kvm-review@localhost>';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** C asctime(), as mbox separator lines carry it: `Tue Jan  3 17:42:31 2023`. */
function asctime(d: Date): string {
  const clock = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${clock} ${d.getUTCFullYear()}`;
}

function domainOf(from: string): string {
  return /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
}

/** Stable across re-runs: the patch and the set of its findings' fingerprints, never a line or a date. */
function messageId(p: PatchReview, from: string): string {
  const domain = domainOf(from);
  const key = [p.messageId ?? p.subject, String(p.index), ...p.findings.map((f) => f.fingerprint).sort()].join('\n');
  return `<kvm-review.${createHash('sha256').update(key).digest('hex').slice(0, 20)}@${domain}>`;
}

function reply(r: ReviewResult, p: PatchReview, from: string, date: Date): string {
  const subject = /^re:/i.test(p.subject) ? p.subject : `Re: ${p.subject}`;
  const refs = [...new Set([...p.references, ...(p.messageId ? [p.messageId] : [])])].map((id) => `<${id}>`);
  const headers = composeHeaders({
    from,
    ...(p.author ? { to: p.author } : {}),
    subject,
    ...(p.messageId ? { inReplyTo: `<${p.messageId}>` } : {}),
    references: refs,
    date,
    messageId: messageId(p, from),
  });
  return mboxMessage(headers, replyBody(r, p), date);
}

/**
 * The mbox: one reply per patch with findings, in patch order, then (a
 * review compared with its previous version) one reply to the cover
 * listing what was fixed; empty when there is nothing to say.
 */
export function renderReviewEmail(input: ReviewResult, options: ReviewEmailOptions = {}): string {
  // Subjects, names, file names and diff lines come from strangers (safe-text.ts).
  const safe = safeInput(input);
  const version = safe.series.version;
  const result = { ...safe, patches: safe.patches.map((p) => ({ ...p, findings: p.findings.map((f) => withSince(f, version)) })) };
  const from = options.from ?? DEFAULT_FROM;
  const date = options.date ?? new Date();
  const fixed = fixedReply(result, from, date, domainOf(from));
  const replies = result.patches.filter((p) => p.findings.length > 0).map((p) => `${reply(result, p, from, date)}\n`);
  if (fixed) replies.push(`${mboxMessage(fixed.headers, fixed.body, date)}\n`);
  return replies.join('');
}

/** One mbox message; mboxrd: every body line that looks like a separator, quoted or not, gains one `>`. */
function mboxMessage(headers: string[], body: string[], date: Date): string {
  return [`From kvm-review@localhost ${asctime(date)}`, ...headers, '', ...body.map((l) => (/^>*From /.test(l) ? `>${l}` : l)), ''].join('\n');
}
