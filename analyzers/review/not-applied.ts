/**
 * Whether a patch was reviewed at all once applied. When no hunk of the files the review reads
 * (the indexed C files, locking.rst) landed, or, for a patch that touches none of them, no hunk at
 * all, the states before and after it are the same tree: "no findings" would read as a clean review
 * of code nobody looked at. Such a patch is not reviewed, and says why: most often the tree already
 * has it (a backport, a series merged since it was posted), else it was written against another tree.
 */
import type { FileDiff } from '../series/model.js';
import { isReviewedPath } from '../series/patch.js';
import type { ApplyFailure } from './apply.js';
import { counted } from '../counted.js';

export interface NotApplied {
  /** One clause for the patch's reason: what did not land and why. */
  reason: string;
  /** Every hunk it counted is one the tree already has. */
  alreadyApplied: boolean;
}

/**
 * Hunks of `f` that did not apply, and of those the ones the tree already has; a file without hunks (a
 * rename, a mode) is one change. A whole-file failure counts every hunk, as the tree has them or not.
 */
function tally(f: FileDiff, failures: readonly ApplyFailure[]): { total: number; failed: number; already: number } {
  const total = Math.max(1, f.hunks.length);
  const mine = failures.filter((a) => a.file === f.path);
  const whole = mine.find((a) => a.hunk === null);
  if (whole) return { total, failed: total, already: whole.alreadyApplied ? total : 0 };
  return { total, failed: Math.min(total, mine.length), already: mine.filter((a) => a.alreadyApplied).length };
}

/** What of `f` the tree has, in words, when the whole file's change is there (created, deleted, renamed, copied). */
function fileThere(f: FileDiff): string {
  const name = f.newPath ?? f.path;
  if (f.isDeleted) return `${f.path}, which it deletes, is not there`;
  if (f.isRenamed) return `${f.oldPath} is renamed to ${name} there`;
  if (f.isCopied) return `${name} is copied from ${f.oldPath} there`;
  return `${name} is there with the content it creates`;
}

/** "already in the tree: ...": each file by what the tree has of it, its hunks or its whole change. */
function alreadyReason(scope: readonly FileDiff[], failures: readonly ApplyFailure[]): string {
  const whole = (f: FileDiff): boolean => failures.some((a) => a.file === f.path && a.hunk === null);
  const rest = scope.filter((f) => !whole(f));
  const hunked = rest.map((f) => f.newPath ?? f.path);
  const hunks = rest.reduce((n, f) => n + Math.max(1, f.hunks.length), 0);
  const parts = scope.filter(whole).map(fileThere);
  if (hunked.length) parts.push(`its ${hunks === 1 ? 'hunk' : 'hunks'} to ${hunked.join(', ')} ${hunks === 1 ? 'is' : 'are'} applied there`);
  return `already in the tree: ${parts.join('; ')}`;
}

/** Null when some hunk the review reads was applied (the patch is reviewed, in part when others failed). */
export function notApplied(files: readonly FileDiff[], failures: readonly ApplyFailure[]): NotApplied | null {
  if (failures.length === 0 || files.length === 0) return null;
  const reviewed = files.filter((f) => [f.newPath, f.oldPath, f.path].some((p) => p && isReviewedPath(p)));
  const scope = reviewed.length ? reviewed : files;
  const counts = scope.map((f) => tally(f, failures));
  const total = counts.reduce((n, c) => n + c.total, 0);
  const failed = counts.reduce((n, c) => n + c.failed, 0);
  const already = counts.reduce((n, c) => n + c.already, 0);
  if (failed < total) return null;
  const names = scope.map((f) => f.newPath ?? f.path);
  const what = reviewed.length ? names.join(', ') : 'the patch';
  if (already === total) return { reason: alreadyReason(scope, failures), alreadyApplied: true };
  const none = reviewed.length ? `no hunk of ${what} applies to the tree` : total === 1 ? 'its only hunk does not apply to the tree' : `none of its ${total} hunks applies to the tree`;
  return { reason: `${none}${already ? ` (${counted(already, 'hunk')} of ${total} already applied)` : ''}`, alreadyApplied: false };
}
