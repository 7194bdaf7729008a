/**
 * A patch given as the content its files become (PatchEntry.becomes: a merge's conflict
 * resolution) turned into the diff the review reviews: each file's content diffed against the
 * text it has in the state the review reached before the slot, so the findings the content brings
 * land on its own lines. The diff is made here, at review time, because only the review knows that
 * state (a source never does).
 *
 * The content is a sound patch only on a state that holds what it is built on: every slot it
 * builds on landed whole on its files, and no other slot changed them. Otherwise replacing the
 * files would bring in (or drop) another commit's change under this slot's name, and it is refused.
 */
import { structuredPatch } from 'diff';
import type { ContentChange, DiffLine, FileDiff, Hunk, PatchEntry } from '../series/model.js';
import type { OverlayTree } from '../trees/overlay-tree.js';
import type { PatchReview } from './model.js';

/** The files a content change names. */
export function contentPaths(change: ContentChange): string[] {
  return change.files.map((f) => f.path);
}

/** The paths a reviewed patch's diff names (old and new sides). */
function pathsOf(files: readonly FileDiff[]): string[] {
  return files.flatMap((f) => [f.oldPath, f.newPath, f.path]).filter((x): x is string => Boolean(x));
}

/**
 * Why the content cannot be reviewed on the state before slot `index`, or null when it can.
 * `earlier` are the reviews of the slots before it, in the series' order; `entries` the series' patches.
 */
export function contentRefusal(change: ContentChange, index: number, earlier: readonly PatchReview[], entries: readonly PatchEntry[]): string | null {
  const own = new Set(contentPaths(change));
  const builtOn = new Set(change.builtOn);
  const mine = (paths: string[]): string[] => [...new Set(paths.filter((p) => own.has(p)))];
  for (const k of change.builtOn) {
    const pr = earlier.find((p) => p.index === k);
    if (!pr) return `patch ${k}, whose change it holds, is not before it in the series`;
    // Skipped or failed: what of it landed is not known, and the state before this slot may lack it.
    if (pr.status === 'skipped' || pr.status === 'failed') return `patch ${k}, whose change it holds, was not reviewed (${pr.status}), so the state before it may lack that change`;
    const missed = mine(pr.applyFailures.map((a) => a.file));
    if (missed.length) return `patch ${k}, whose change it holds, did not apply whole to ${missed.join(', ')} on the series before it, so the state before it is not what the content is built on`;
  }
  for (const pr of earlier) {
    if (pr.index >= index || builtOn.has(pr.index) || pr.status === 'skipped') continue;
    const entry = entries.find((p) => p.index === pr.index);
    const touched = mine([...pathsOf(pr.files), ...(entry?.becomes ? contentPaths(entry.becomes) : [])]);
    if (touched.length) return `patch ${pr.index}, which it does not hold, changed ${touched.join(', ')} before it: its content would drop that change`;
  }
  return null;
}

/** One jsdiff hunk as the review's Hunk: lines numbered on both sides, `\ No newline` marked on the line before it. */
function toHunk(h: { oldStart: number; oldLines: number; newStart: number; newLines: number; lines: string[] }): Hunk {
  const lines: DiffLine[] = [];
  let oldLine = h.oldStart;
  let newLine = h.newStart;
  for (const raw of h.lines) {
    const last = lines[lines.length - 1];
    if (raw.startsWith('\\')) {
      if (last) last.noNewlineAtEnd = true;
      continue;
    }
    const content = raw.slice(1);
    if (raw[0] === '+') lines.push({ type: 'add', newLine: newLine++, content });
    else if (raw[0] === '-') lines.push({ type: 'del', oldLine: oldLine++, content });
    else lines.push({ type: 'normal', oldLine: oldLine++, newLine: newLine++, content });
  }
  const span = (start: number, count: number): string => (count === 1 ? `${start}` : `${start},${count}`);
  return {
    header: `@@ -${span(h.oldStart, h.oldLines)} +${span(h.newStart, h.newLines)} @@`,
    oldStart: h.oldStart,
    oldLines: h.oldLines,
    newStart: h.newStart,
    newLines: h.newLines,
    // No mail holds this diff: it was made here.
    bodyLine: 0,
    lines,
  };
}

/** The diff from `before` (null: no such file) to `after` (null: deleted) of `path`; null when they are the same. */
function fileDiff(path: string, before: string | null, after: string | null): FileDiff | null {
  if (before === after) return null;
  const patch = structuredPatch(`a/${path}`, `b/${path}`, before ?? '', after ?? '', undefined, undefined, { context: 3 });
  const hunks = patch.hunks.map(toHunk);
  const lines = hunks.flatMap((h) => h.lines);
  return {
    oldPath: before === null ? null : path,
    newPath: after === null ? null : path,
    path,
    isNew: before === null,
    isDeleted: after === null,
    isRenamed: false,
    isCopied: false,
    isBinary: false,
    additions: lines.filter((l) => l.type === 'add').length,
    deletions: lines.filter((l) => l.type === 'del').length,
    hunks,
    bodyLine: 0,
  };
}

/**
 * Give `next` (the state before the slot, cloned) the content's files, and return the diff that
 * made, file by file: the patch the review attributes findings to. A file whose text is already
 * the content has no diff.
 */
export async function applyContent(next: OverlayTree, change: ContentChange): Promise<FileDiff[]> {
  const out: FileDiff[] = [];
  for (const f of change.files) {
    const path = await next.safePath(f.path);
    const before = await next.readText(path);
    const diff = fileDiff(path, before, f.content);
    if (!diff) continue;
    next.write(path, f.content);
    out.push(diff);
  }
  return out;
}
