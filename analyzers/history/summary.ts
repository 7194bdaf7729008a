/** The digest's one-paragraph summary, from the model alone (so a saved JSON says the same). */
import { counted } from '../counted.js';
import type { Digest, DriftChange } from './model.js';

const n = counted;
const short = (hash: string): string => hash.slice(0, 12);

const changes = (list: DriftChange[], section: DriftChange['section']): number => list.filter((c) => c.section === section).length;

export function summarise(d: Omit<Digest, 'summary'>): string {
  const parts: string[] = [];
  const span = d.window.from ? `${short(d.window.from.hash)}..${short(d.window.to.hash)}` : `up to ${short(d.window.to.hash)}`;
  const docChanges = d.document.reduce((k, c) => k + c.changes.length, 0);
  parts.push(
    // "2 commits up to X" when the history starts inside the window: "in up to X" is no English.
    `${n(d.window.commits, 'commit')} ${d.window.from ? 'in ' : ''}${span}` +
      (d.document.length ? `; locking.rst changed in ${n(d.document.length, 'commit')} (${n(docChanges, 'rule change')})` : '; locking.rst unchanged') +
      (d.code.length ? `; ${n(d.code.length, 'commit')} changed the observed order between documented locks (${n(d.code.reduce((k, c) => k + c.edges.length, 0), 'edge')} added or removed)` : '') +
      '.',
  );
  const news = d.since.new;
  const fixed = d.since.fixed;
  const said: string[] = [];
  const sections: [DriftChange['section'], string, string][] = [
    ['contradicted', 'rule contradicted', 'rules contradicted'],
    ['undocumented', 'undocumented order', 'undocumented orders'],
    ['leaf', 'leaf lock with locks inside', 'leaf locks with locks inside'],
    ['stale', 'stale documented lock', 'stale documented locks'],
    ['document', 'contradiction in the document', 'contradictions in the document'],
  ];
  for (const [s, one, many] of sections) {
    const k = changes(news, s);
    if (k) said.push(`${k} new ${k === 1 ? one : many}`);
    const f = changes(fixed, s);
    if (f) said.push(`${f} ${f === 1 ? one : many} fixed`);
  }
  parts.push(said.length ? `Since the window's start: ${said.join(', ')}.` : 'No drift item appeared or went away in the window.');
  const now = d.drift;
  const errors = now.contradicted.filter((c) => c.severity === 'error');
  const oldest = errors.map((c) => c.firstSeen).filter((f) => f !== null).sort((a, b) => a.commit.date.localeCompare(b.commit.date))[0];
  parts.push(
    `Drift now: ${n(now.contradicted.length, 'documented rule')} contradicted by the code` +
      (errors.length && oldest ? ` (${n(errors.length, 'error')}, the oldest ${oldest.how === 'introduced' ? 'since' : 'at least since'} ${short(oldest.commit.hash)} "${oldest.commit.subject}")` : '') +
      `, ${n(now.undocumented.length, 'undocumented order')}, ${n(now.leaf.length, 'leaf lock')} with locks taken inside, ` +
      `${n(now.stale.length, 'documented lock')} no code takes, ${n(now.document.length, 'contradiction')} in the document itself.`,
  );
  if (d.notes.length) parts.push(`Not seen: ${d.notes.length === 1 ? 'see the note' : `see the ${d.notes.length} notes`} below.`);
  return parts.join(' ');
}
