/**
 * What a review compared with the previous version adds to the replies:
 * "still present since v1" under a finding an earlier version already had,
 * and one reply to the cover letter (else patch 1) listing the previous
 * version's findings that are gone ("fixed in v2"). Both the watcher's
 * replies and `mbox --format email` print them from the result's `since`,
 * `previous`, `fixed` and `anchor`.
 */
import { createHash } from 'node:crypto';
import type { FixedFinding, NotComparedFinding, PriorFinding, ReviewFinding, ReviewResult } from '../../../../analyzers/review/model.js';
import { archGroups, printedFindings, stillPresent } from '../../findings/arch-groups.js';
import { composeHeaders } from './headers.js';
import { wrap } from './prose.js';
import { counted } from '../../../../analyzers/counted.js';
import { bareSubject } from '../../../../analyzers/series/bare-subject.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The finding with "still present since vN" added to its note when an earlier version reported it. */
export function withSince(f: ReviewFinding, version: number): ReviewFinding {
  if (f.since === undefined || f.since >= version) return f;
  const remark = `still present since v${f.since}`;
  return { ...f, note: f.note ? `${f.note.replace(/[.\s]+$/, '')}; ${remark}` : remark };
}

/**
 * The reply to the anchor listing what the previous version had and this
 * one does not (header lines and body lines, unescaped); null when nothing
 * was fixed or there is no message to answer.
 */
export function fixedReply(r: ReviewResult, from: string, date: Date, messageIdDomain: string): { headers: string[]; body: string[] } | null {
  const prev = r.previous;
  const anchor = r.anchor;
  if (!prev || !anchor || !r.fixed?.length) return null;
  const v = r.series.version;
  // Counted and listed as the replies print them: findings that differ only in their architecture are one (arch-groups.ts).
  const still = stillPresent(printedFindings(r.patches), v);
  const unknown = r.notCompared ?? [];
  const name = anchor.author ? /^\s*"?(.*?)"?\s*<[^>]*>\s*$/.exec(anchor.author)?.[1] || anchor.author : 'the author';
  const when = anchor.date ? new Date(anchor.date) : null;
  const body = [
    ...(when && !Number.isNaN(when.getTime()) ? [`On ${DAYS[when.getUTCDay()]}, ${MONTHS[when.getUTCMonth()]} ${when.getUTCDate()}, ${when.getUTCFullYear()}, ${name} wrote:`] : [`${name} wrote:`]),
    `> ${anchor.subject}`,
    '',
    `Compared with v${prev.version}${prev.messageId ? ` (<${prev.messageId}>)` : ''}, fixed in v${v}:`,
    '',
    ...archGroups(r.fixed).flatMap((g) => fixedLines(g.finding, prev.version)),
    ...(still > 0 ? wrap(`Still present since an earlier version: ${counted(still, 'finding')}, in the replies to the patches.`) : []),
    // "Nothing is still present" only when every finding was compared.
    ...(still === 0 && !unknown.length ? wrap(`Nothing reported on v${prev.version} is still present.`) : []),
    ...(unknown.length ? [...(still > 0 ? [''] : []), ...notComparedLines(unknown, prev.version, r)] : []),
    '',
    '-- ',
    'kvm-review, automated lock-order review',
  ];
  const key = [anchor.messageId, 'fixed', ...r.fixed.map((f) => f.fingerprint).sort()].join('\n');
  const headers = composeHeaders({
    from,
    ...(anchor.author ? { to: anchor.author } : {}),
    subject: /^re:/i.test(anchor.subject) ? anchor.subject : `Re: ${anchor.subject}`,
    inReplyTo: `<${anchor.messageId}>`,
    references: [`<${anchor.messageId}>`],
    date,
    messageId: `<kvm-review.${createHash('sha256').update(key).digest('hex').slice(0, 20)}@${messageIdDomain}>`,
  });
  return { headers, body };
}

/**
 * The previous version's findings this one could not be compared on: said, never counted as fixed or still
 * there. One sentence per reason the comparison gave (a patch not reviewed, a hunk of the finding's function
 * that did not apply), in the order first met.
 */
function notComparedLines(unknown: readonly NotComparedFinding[], version: number, r: ReviewResult): string[] {
  const groups = new Map<string, NotComparedFinding[]>();
  for (const f of unknown) {
    const why = f.reason?.replace(/[.\s]+$/, '') ?? legacyReason(unknown, r);
    groups.set(why, [...(groups.get(why) ?? []), f]);
  }
  return [...groups].flatMap(([why, list], i) => {
    const on = [...new Set(list.map((f) => f.patch.index))].sort((a, b) => a - b);
    return [...(i > 0 ? [''] : []), ...wrap(`Not compared: ${counted(list.length, 'finding')} of v${version} (on patch ${on.join(', ')}), as ${why}; whether ${list.length === 1 ? 'it is' : 'they are'} fixed is not known.`)];
  });
}

/** Why, for a result saved before each finding carried its reason: the patches not reviewed, those in the findings' places first (a patch matched by subject may have moved). */
function legacyReason(unknown: readonly PriorFinding[], r: ReviewResult): string {
  const v = r.series.version;
  const on = new Set(unknown.map((f) => f.patch.index));
  const all = r.patches.filter((p) => p.status !== 'reviewed');
  const same = all.filter((p) => on.has(p.index));
  const unread = same.length ? same : all;
  return unread.length ? unread.map((p) => `patch ${p.index} of v${v} could not be reviewed${p.reason ? ` (${p.reason.replace(/[.\s]+$/, '')})` : ''}`).join('; ') : `patches of v${v} are missing`;
}

function fixedLines(f: FixedFinding, version: number): string[] {
  const title = bareSubject(f.patch.subject);
  return [...wrap(`[${f.severity}: ${f.kind}] ${f.message} (v${version} patch ${f.patch.index}: ${title})`, '  - ', '    '), ''];
}
