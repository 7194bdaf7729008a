/**
 * One posting into a Series: the cover in slot 0, patches by counter, the
 * empty slots listed, a second message for a slot kept as a skipped
 * duplicate (never dropped), and the complete/has-cover flags.
 */
import { createHash } from 'node:crypto';
import type { Classified } from './classify.js';
import type { Group } from './group.js';
import type { CoverLetter, PatchEntry, Series } from './model.js';
import { buildPatch } from './patch.js';
import { expectedOf } from './subject.js';

/** A series and the cover letters its slot 0 could not hold. */
export interface Assembled {
  series: Series;
  /** Covers after the first for slot 0 (a second, different cover in one thread); they go to the result's `others`. */
  extraCovers: Classified[];
}

/** Builds the series of one group. `maxPatchBytes` is passed to each patch. */
export function assembleSeries(group: Group, maxPatchBytes?: number): Assembled {
  const first = group[0];
  if (!first) throw new Error('assembleSeries: empty group');
  const expected = expectedOf(first.info);
  let cover: CoverLetter | null = null;
  const bySlot = new Map<number, PatchEntry>();
  const duplicates: PatchEntry[] = [];
  const extraCovers: Classified[] = [];
  for (const c of group) {
    if (c.kind === 'cover') {
      if (cover === null) cover = toCover(c);
      else if (cover.messageId === null || cover.messageId !== c.message.messageId) extraCovers.push(c);
      continue;
    }
    const patch = buildPatch(c.message, c.info, maxPatchBytes);
    if (c.note) patch.warnings.push(c.note);
    const taken = bySlot.get(patch.index);
    if (patch.index > expected) {
      duplicates.push(skip(patch, `its index ${patch.index} is beyond the ${expected} patches the series announces`));
    } else if (taken) {
      const same = taken.messageId !== null && taken.messageId === patch.messageId;
      const why = same ? 'the same message (Message-ID) appears again' : `slot ${patch.index} is already taken by ${describe(taken)}`;
      duplicates.push(skip(patch, why));
    } else {
      bySlot.set(patch.index, patch);
    }
  }
  const patches = [...bySlot.values()].sort((a, b) => a.index - b.index);
  const missing: number[] = [];
  for (let k = 1; k <= expected; k++) if (!bySlot.has(k)) missing.push(k);
  const dates = [cover?.date ?? null, ...patches.map((p) => p.date)].filter((d): d is string => d !== null).sort();
  const sender = first.message.from;
  const series: Series = {
    fingerprint: fingerprint(sender?.email ?? '', first.info.version, patches),
    version: first.info.version,
    expected,
    sender,
    title: cover?.title ?? bySlot.get(1)?.title ?? patches[0]?.title ?? first.info.title,
    rfc: group.some((c) => c.info.rfc),
    resend: first.info.resend,
    backport: first.info.backport,
    tags: [...new Set(group.flatMap((c) => c.info.tags))],
    cover,
    patches,
    missing,
    duplicates,
    followUps: [],
    complete: missing.length === 0,
    hasCover: cover !== null,
    date: dates[0] ?? null,
  };
  return { series, extraCovers };
}

function toCover(c: Classified): CoverLetter {
  const m = c.message;
  return { subject: m.subject, title: c.info.title, messageId: m.messageId, author: m.from, date: m.date, body: m.body, position: m.position, warnings: m.problems };
}

function skip(patch: PatchEntry, reason: string): PatchEntry {
  return { ...patch, status: 'skipped', reason, files: [] };
}

function describe(p: PatchEntry): string {
  return p.messageId ? `<${p.messageId}>` : `message ${p.position.index} of ${p.position.file}`;
}

/** Sender, revision and the patches' ids: equal for the same posting read twice, from any copy. */
function fingerprint(sender: string, version: number, patches: PatchEntry[]): string {
  const hash = createHash('sha1').update(`${sender}\0v${version}\0`);
  for (const p of patches) hash.update(`${p.index}:${p.patchId ?? p.title}\n`);
  return hash.digest('hex').slice(0, 16);
}
