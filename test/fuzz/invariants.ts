/**
 * What must hold for any input, however mangled: every message and patch
 * accounted for with a status and a reason, paths normalised, and the
 * review's JSON in the shape the README promises (checked with zod).
 */
import { expect } from '@jest/globals';
import { z } from 'zod';
import type { FileDiff, PatchEntry, SeriesReadResult } from '../../analyzers/series/model.js';
import { RULE_IDS } from '../../analyzers/rules/meta.js';

/** A path a tree lookup may use: relative, no empty, `.` or `..` segment, no backslash. */
export function isNormalPath(p: string): boolean {
  return p !== '' && !p.startsWith('/') && !p.includes('\\') && p.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

export function expectFileDiff(f: FileDiff): void {
  for (const p of [f.oldPath, f.newPath, f.path]) if (p !== null && p !== '(unknown)') expect(isNormalPath(p)).toBe(true);
  for (const h of f.hunks) {
    expect(h.lines.filter((l) => l.type !== 'add')).toHaveLength(h.oldLines);
    expect(h.lines.filter((l) => l.type !== 'del')).toHaveLength(h.newLines);
  }
}

export function expectPatch(p: PatchEntry): void {
  expect(['ok', 'skipped', 'failed']).toContain(p.status);
  if (p.status !== 'ok') expect(p.reason).toEqual(expect.stringMatching(/\S/));
  if (p.status === 'failed') expect(p.files).toEqual([]);
  if (p.status === 'ok') expect(p.files.length).toBeGreaterThan(0);
  p.files.forEach(expectFileDiff);
  const hidden = p.files.filter((f) => f.unreviewable !== undefined);
  // A binary change to an indexed file is always said in the reason.
  if (hidden.length > 0) expect(p.reason).toContain('cannot be reviewed');
}

/**
 * Every message is somewhere in the result (cover, patch, duplicate,
 * follow-up, orphan, other), with the one documented exception: the very
 * same cover (same Message-ID) seen twice.
 */
export function expectAccounted(r: SeriesReadResult, messageIds: (string | null)[]): void {
  const seen = new Set<number>();
  for (const s of r.series) {
    if (s.cover) seen.add(s.cover.position.index);
    for (const p of [...s.patches, ...s.duplicates]) {
      seen.add(p.position.index);
      expectPatch(p);
    }
    for (const f of s.followUps) seen.add(f.position.index);
  }
  for (const f of r.orphanFollowUps) seen.add(f.position.index);
  for (const o of r.others) seen.add(o.position.index);
  const covers = new Set(r.series.map((s) => s.cover?.messageId).filter((id): id is string => Boolean(id)));
  const lost = messageIds.flatMap((id, i) => (seen.has(i + 1) ? [] : [{ index: i + 1, id }]));
  expect(lost.filter((m) => m.id === null || !covers.has(m.id))).toEqual([]);
  expect(r.candidates).toHaveLength(r.series.length);
  expect(r.candidates.filter((c) => c.chosen).map((c) => c.number)).toEqual(r.chosen ? [r.series.indexOf(r.chosen) + 1] : []);
  expect(r.choice).toEqual(expect.stringMatching(/\S/));
}

const quote = z.object({ line: z.number().int().positive(), text: z.string() }).strict();
const step = z.object({ function: z.string(), file: z.string(), line: z.number().int().nonnegative() }).passthrough();
const site = z.object({ file: z.string(), line: z.number().int().nonnegative(), function: z.string(), chain: z.array(step) }).passthrough();
const lockName = z.string().min(1);

const finding = z
  .object({
    // The kinds the rule registry knows: a hand list here went stale when doc-unrecognized was added.
    kind: z.enum(RULE_IDS),
    severity: z.enum(['error', 'warning', 'info']),
    file: z.string(),
    line: z.number().int().nonnegative(),
    placement: z.enum(['added', 'changed', 'outside']),
    outer: lockName.nullable(),
    inner: lockName.nullable(),
    chain: z.array(step),
    rule: quote.passthrough().nullable(),
    rulePath: z.array(quote.passthrough()),
    message: z.string().min(1),
    suggestion: z.string(),
    evidence: z.unknown().optional(),
    cycle: z.array(z.unknown()).optional(),
    sites: z.array(site),
    fingerprint: z.string().min(1),
    patch: z.object({ index: z.number().int().nonnegative(), subject: z.string() }),
    arch: z.string().nullable(),
    note: z.string().optional(),
  })
  .passthrough();

const patchReview = z
  .object({
    index: z.number().int().nonnegative(),
    subject: z.string(),
    messageId: z.string().nullable(),
    author: z.string().nullable(),
    date: z.string().nullable(),
    status: z.enum(['reviewed', 'skipped', 'failed', 'not-applied']),
    reason: z.string().min(1).optional(),
    warnings: z.array(z.string().min(1)),
    applyFailures: z.array(z.object({ file: z.string(), hunk: z.string().nullable(), reason: z.string().min(1), alreadyApplied: z.object({ line: z.number().int().positive().nullable() }).optional() })),
    removedEdges: z.array(z.object({ outer: lockName, inner: lockName })),
    references: z.array(z.string()),
    findings: z.array(finding),
    files: z.array(z.object({ unreviewable: z.string().min(1).optional() }).passthrough()),
  })
  .passthrough()
  .refine((p) => p.status === 'reviewed' || p.reason !== undefined, { message: 'a skipped or failed patch has a reason' })
  // As expectPatch() asks of the reader: whatever the review adds to the reason (failed hunks, an internal error) keeps it.
  .refine((p) => p.files.every((f) => f.unreviewable === undefined) || (p.reason ?? '').includes('cannot be reviewed'), {
    message: 'a binary change to an indexed file is said in the reason',
  });

/** `mbox --format json` (README "JSON contract"). */
export const reviewJson = z
  .object({
    series: z.object({ subject: z.string(), version: z.number().int().nonnegative(), total: z.number().int().nonnegative(), missing: z.array(z.number().int().positive()), choice: z.string().min(1) }).passthrough(),
    mode: z.enum(['tree', 'hunk-only']),
    degraded: z.string().nullable(),
    tree: z.string().nullable(),
    doc: z.object({ kind: z.enum(['file', 'tree', 'embedded']), path: z.string().nullable(), sha1: z.string(), revision: z.string().optional() }).passthrough(),
    patches: z.array(patchReview),
    notes: z.array(z.string()),
  })
  .passthrough();
