/**
 * The body of one reply: the attribution line, the quoted hunks with each
 * comment under the line it is about, the findings the diff cannot show,
 * and the notes; assembled from the quoting and the prose modules.
 */
import type { PatchReview, ReviewFinding, ReviewResult } from '../../../../analyzers/review/model.js';
import type { FileDiff, Hunk } from '../../../../analyzers/series/diff-model.js';
import { archGroups } from '../../findings/arch-groups.js';
import { commentLines, sentence, wrap } from './prose.js';
import { CONTEXT, diffHeader, locate, quoteLine } from './quote.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

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
export function replyBody(r: ReviewResult, p: PatchReview): string[] {
  const out = attribution(p);
  const order = (f: ReviewFinding): number => {
    const i = p.files.findIndex((file) => (file.newPath ?? file.path) === f.file);
    return i < 0 ? p.files.length : i;
  };
  // Findings that differ only in their architecture are one comment naming each (arch-groups.ts).
  const groups = archGroups(p.findings).sort((a, b) => order(a.finding) - order(b.finding) || a.finding.file.localeCompare(b.finding.file) || a.finding.line - b.finding.line);
  const placed = groups.map(({ finding: f, archs }) => ({ f, archs, spot: locate(p, f) }));
  let file: FileDiff | null = null;
  let hunk: Hunk | null = null;
  let next = 0;
  for (const { f, archs, spot } of placed) {
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
    out.push(...commentLines(f, spot.hunk.lines[spot.at]?.newLine ?? null, r.mode, archs), '');
  }
  for (const { f, archs } of placed.filter((x) => !x.spot)) out.push(...wrap(where(f)), '', ...commentLines(f, null, r.mode, archs), '');
  if (r.mode === 'hunk-only') {
    out.push(...wrap(`Note: this review ran in hunk-only mode, without a kernel tree. ${sentence(r.degraded ?? 'Locks held by callers and taken by callees are not seen')}`), '');
  }
  if (p.reason) out.push(...wrap(sentence(`Note: ${p.reason}`)), '');
  // The author learns why the quoted lines may differ from what they sent (absent in JSON from before: none).
  for (const w of p.warnings ?? []) out.push(...wrap(sentence(`Note: as this mail was read, ${w}`)), '');
  // "-- " (with the space) is the signature separator mail clients know.
  out.push('-- ', 'kvm-review, automated lock-order review');
  return out;
}
