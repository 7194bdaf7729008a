/**
 * Quoting the diff the way reviewers trim it: the file and hunk headers,
 * a few lines of context down to the line a comment is about, `[...]` where
 * lines are cut, and nothing past the last comment.
 */
import type { PatchReview, ReviewFinding } from '../../../../analyzers/review/model.js';
import type { DiffLine, FileDiff, Hunk } from '../../../../analyzers/series/diff-model.js';

/** Lines of the hunk quoted above the line a comment is about: enough to place it, as reviewers trim. */
export const CONTEXT = 3;

export interface Spot {
  file: FileDiff;
  hunk: Hunk;
  /** Index of the line in `hunk.lines`. */
  at: number;
}

/** Where in the diff a finding's post-image line is; null when the diff does not show it. */
export function locate(p: PatchReview, f: ReviewFinding): Spot | null {
  if (f.placement === 'outside') return null;
  for (const file of p.files) {
    if ((file.newPath ?? file.path) !== f.file) continue;
    for (const hunk of file.hunks) {
      const at = hunk.lines.findIndex((l) => l.type !== 'del' && l.newLine === f.line);
      if (at >= 0) return { file, hunk, at };
    }
  }
  return null;
}

export function quoteLine(l: DiffLine): string {
  const mark = l.type === 'add' ? '+' : l.type === 'del' ? '-' : ' ';
  // Mail clients quote an empty context line as a bare `>`; trailing blanks would be noise.
  return `> ${mark}${l.content}`.trimEnd();
}

export function diffHeader(file: FileDiff): string {
  return `> diff --git a/${file.oldPath ?? file.path} b/${file.newPath ?? file.path}`;
}
