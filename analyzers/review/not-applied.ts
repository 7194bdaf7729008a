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

/** Hunks of `f` that did not apply, and of those the ones the tree already has; a file without hunks (a rename, a mode) is one change. */
function tally(f: FileDiff, failures: readonly ApplyFailure[]): { total: number; failed: number; already: number } {
  const total = Math.max(1, f.hunks.length);
  const mine = failures.filter((a) => a.file === f.path);
  if (mine.some((a) => a.hunk === null)) return { total, failed: total, already: 0 };
  return { total, failed: Math.min(total, mine.length), already: mine.filter((a) => a.alreadyApplied).length };
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
  if (already === total) {
    return { reason: `already in the tree: its ${total === 1 ? 'hunk' : 'hunks'} to ${names.join(', ')} ${total === 1 ? 'is' : 'are'} applied there`, alreadyApplied: true };
  }
  const none = reviewed.length ? `no hunk of ${what} applies to the tree` : total === 1 ? 'its only hunk does not apply to the tree' : `none of its ${total} hunks applies to the tree`;
  return { reason: `${none}${already ? ` (${counted(already, 'hunk')} of ${total} already applied)` : ''}`, alreadyApplied: false };
}
