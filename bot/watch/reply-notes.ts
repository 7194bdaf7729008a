/**
 * What the watcher adds to the email replies: "still present since v1"
 * under a finding an earlier version already had, "partial series: k of M
 * patches" on a partial review, and one reply to the cover letter listing
 * the previous version's findings that are gone ("fixed in v2"). The
 * email renderer prints a finding's note and a patch's reason, so the
 * first two ride on those fields of a copy made for the mail; the JSON
 * record keeps `since` and the reasons as they are.
 */
import { createHash } from 'node:crypto';
import type { ComparedReview, FixedFinding } from '../../analyzers/review/compare-versions.js';
import type { ReviewResult } from '../../analyzers/review/model.js';

/** A copy of `r` whose findings' notes and patches' reasons carry the version and partial remarks. */
export function forEmail(r: ComparedReview, partial: string | null): ReviewResult {
  const version = r.series.version;
  return {
    ...r,
    patches: r.patches.map((p) => {
      const findings = p.findings.map((f) => (f.since < version ? { ...f, note: join(f.note, `still present since v${f.since}`) } : f));
      const reason = partial ? join(p.reason, partial) : p.reason;
      return { ...p, findings, ...(reason ? { reason } : {}) };
    }),
  };
}

function join(a: string | undefined, b: string): string {
  return a ? `${a.replace(/[.\s]+$/, '')}; ${b}` : b;
}

/** The message the "fixed in" reply answers: the cover letter, else patch 1. */
export interface Anchor {
  messageId: string;
  subject: string;
  /** `Name <addr>`; null when unknown. */
  author: string | null;
  /** ISO 8601; null when unknown. */
  date: string | null;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/**
 * The reply to the cover listing what the previous version had and this
 * one does not, as an mbox message in the email renderer's layout; empty
 * when nothing was fixed.
 */
export function fixedReply(r: ComparedReview, anchor: Anchor, from: string, date: Date): string {
  if (r.fixed.length === 0 || !r.previous) return '';
  const prev = r.previous;
  const v = r.series.version;
  const still = r.patches.flatMap((p) => p.findings).filter((f) => f.since < v).length;
  const name = anchor.author ? (/^\s*"?(.*?)"?\s*<[^>]*>\s*$/.exec(anchor.author)?.[1] || anchor.author) : 'the author';
  const when = anchor.date ? new Date(anchor.date) : null;
  const body = [
    ...(when && !Number.isNaN(when.getTime()) ? [`On ${DAYS[when.getUTCDay()]}, ${MONTHS[when.getUTCMonth()]} ${when.getUTCDate()}, ${when.getUTCFullYear()}, ${name} wrote:`] : [`${name} wrote:`]),
    `> ${anchor.subject}`,
    '',
    `Compared with v${prev.version}${prev.messageId ? ` (<${prev.messageId}>)` : ''}, fixed in v${v}:`,
    '',
    ...r.fixed.flatMap((f) => fixedLines(f, prev.version)),
    ...wrap(still > 0 ? `Still present since an earlier version: ${still} finding(s), in the replies to the patches.` : `Nothing reported on v${prev.version} is still present.`, '', ''),
    '',
    '-- ',
    'kvm-review, automated lock-order review',
  ];
  const subject = /^re:/i.test(anchor.subject) ? anchor.subject : `Re: ${anchor.subject}`;
  const id = `kvm-review.${createHash('sha256').update([anchor.messageId, 'fixed', ...r.fixed.map((f) => f.fingerprint).sort()].join('\n')).digest('hex').slice(0, 20)}@${/@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'localhost'}`;
  const headers = [
    `From: ${from}`,
    ...(anchor.author ? [`To: ${anchor.author}`] : []),
    `Subject: ${encode(subject)}`,
    `In-Reply-To: <${anchor.messageId}>`,
    `References: <${anchor.messageId}>`,
    `Date: ${rfc5322(date)}`,
    `Message-ID: <${id}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
  ];
  const escaped = body.map((l) => (/^>*From /.test(l) ? `>${l}` : l));
  return [`From kvm-review@localhost ${asctime(date)}`, ...headers, '', ...escaped, '', ''].join('\n');
}

function fixedLines(f: FixedFinding, version: number): string[] {
  const title = f.patch.subject.replace(/^(?:\[[^\]]*\]\s*)+/, '');
  return [...wrap(`[${f.severity}: ${f.kind}] ${f.message} (v${version} patch ${f.patch.index}: ${title})`, '  - ', '    '), ''];
}

/** Greedy wrap at 72 columns, as the patch replies are; a word longer than a line stays whole. */
function wrap(text: string, first: string, rest: string): string[] {
  const out: string[] = [];
  let line = first;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line.length > first.length && line.length + 1 + word.length > 72) {
      out.push(line);
      line = rest + word;
    } else {
      line += (line === first || line === rest ? '' : ' ') + word;
    }
  }
  out.push(line);
  return out;
}

function encode(s: string): string {
  return /[^\x20-\x7e]/.test(s) ? `=?UTF-8?B?${Buffer.from(s).toString('base64')}?=` : s;
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

function rfc5322(d: Date): string {
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

function asctime(d: Date): string {
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}
