/**
 * From the review's result to what the planner reads: findings filtered and
 * re-graded by the repository's configuration, each with the text of its
 * line in its patch (to recognise the same line in the pull request's
 * diff), and the diff's RIGHT-side lines.
 */
import type { PatchReview, ReviewFinding, ReviewResult } from '../../analyzers/review/model.js';
import { applySeverity } from '../../analyzers/rules/severity.js';
import { isIgnored, type RepoConfig } from './config.js';
import type { DiffLines, HeadLine, PlacedFinding } from './plan.js';
import type { FileDiff } from '../../analyzers/series/model.js';
import { numbered } from '../../analyzers/counted.js';
import { bareSubject } from '../../analyzers/series/bare-subject.js';

/** The text of post-image line `line` of `file` in the patch, when the patch shows it. */
export function lineText(p: PatchReview, file: string, line: number): string | null {
  for (const f of p.files) {
    if ((f.newPath ?? f.path) !== file) continue;
    for (const h of f.hunks) for (const l of h.lines) if (l.type !== 'del' && l.newLine === line) return l.content;
  }
  return null;
}

/**
 * Where old-side line `line` of `fd`'s file is after `fd`: its new line,
 * moved by the hunks above it; null when `fd` deletes it.
 */
function lineThrough(fd: FileDiff, line: number): number | null {
  let shift = 0;
  for (const h of fd.hunks) {
    // A hunk with no old lines inserts after oldStart.
    const last = h.oldLines > 0 ? h.oldStart + h.oldLines - 1 : h.oldStart;
    if (h.oldLines > 0 && line >= h.oldStart && line <= last) {
      const l = h.lines.find((x) => x.type !== 'add' && x.oldLine === line);
      return l?.type === 'normal' && l.newLine !== undefined ? l.newLine : null;
    }
    if (last >= line) break;
    shift += h.newLines - h.oldLines;
  }
  return line + shift;
}

/**
 * Where post-image line `line` of `file` in patch `index` is at the head of
 * the series: moved by the later patches' hunks, followed through their
 * renames; null when a later patch deletes the line or the file.
 */
export function atHead(r: ReviewResult, index: number, file: string, line: number): HeadLine | null {
  let at: HeadLine = { file, line };
  for (const p of [...r.patches].sort((a, b) => a.index - b.index)) {
    if (p.index <= index) continue;
    const fd = p.files.find((f) => f.oldPath === at.file && !f.isCopied && !f.isNew);
    if (!fd) continue;
    if (fd.isDeleted || fd.newPath === null) return null;
    const moved = lineThrough(fd, at.line);
    if (moved === null) return null;
    at = { file: fd.newPath, line: moved };
  }
  return at;
}

/** The repository's view of a finding: its severity, or null when configured away. */
export function configured(f: ReviewFinding, config: RepoConfig): ReviewFinding | null {
  if (config.archs !== 'all' && f.arch !== null && !config.archs.includes(f.arch)) return null;
  if (isIgnored(config, f.file)) return null;
  return applySeverity(f, config.severity);
}

/** Every finding of the result, configured and placed: the text of its line in its patch, and where that line is at the head. */
export function placedFindings(r: ReviewResult, config: RepoConfig): PlacedFinding[] {
  const out: PlacedFinding[] = [];
  for (const p of r.patches) {
    for (const raw of p.findings) {
      const f = configured(raw, config);
      if (f) out.push({ finding: f, text: lineText(p, f.file, f.line), at: atHead(r, p.index, f.file, f.line) });
    }
  }
  return out;
}

/** A commit the review did not read (already in the base tree, not applying to it, skipped, failed), and why. */
export interface UnreviewedCommit {
  /** k of the series (its `[PATCH k/n]`); null for a commit git gave no patch of (a merge), which has no place in it. */
  index: number | null;
  /** The commit; null when the series has no commit for the slot. */
  sha: string | null;
  subject: string;
  /** The patch's reason, as the review gave it. */
  why: string;
  /** Every hunk it counted is already in the base tree. */
  alreadyApplied: boolean;
  /** A merge commit (git shows none in a `.patch`: there is no patch of it to review). */
  merge?: boolean;
  /** Each hunk that did not apply: where and why (an already-applied one says where the base has its new side). */
  hunks: string[];
}

/**
 * How much of the commits the review read: a check run on commits none of
 * which was reviewed must not read as a clean review, and one on some of
 * them must say how many were left out.
 */
export interface Coverage {
  commits: number;
  unreviewed: UnreviewedCommit[];
  /** The pull request or push has no commit past its base: nothing to review at all (commits is 0). */
  empty?: boolean;
}

/** Whether no commit was reviewed: the check run must be neutral and say so. */
export function nothingReviewed(c: Coverage): boolean {
  return Boolean(c.empty) || (c.commits > 0 && c.unreviewed.length >= c.commits);
}

/** A commit as GitHub lists it (pulls.listCommits, a compare's commits). */
export interface ListedCommit {
  sha: string;
  parents: readonly { sha: string }[];
  commit: { message: string };
}

/** Why a merge commit is not reviewed when it is all there is: its parents are in the base, and its own diff is not a patch. */
export const MERGE_WHY = 'a merge commit: what it merges is already in the base, and kvm-review does not review a merge itself';

/** Why a merge commit beside ordinary ones is not reviewed: what it merges is in the base or is one of those commits (git lists every commit past the base but merges), and its own diff is not a patch. */
export const MERGE_BESIDE_WHY = 'a merge commit: what it merges is in the base or is one of the other commits here, and kvm-review does not review a merge itself';

/** A commit GitHub lists that git gave no patch of: a merge, or (as `git format-patch` leaves them out) one with no change. */
function unpatched(c: ListedCommit, mergeWhy: string): UnreviewedCommit {
  const merge = c.parents.length > 1;
  return { index: null, sha: c.sha, subject: c.commit.message.split('\n')[0] ?? '', why: merge ? mergeWhy : 'its patch has no change to read', alreadyApplied: false, merge, hunks: [] };
}

/**
 * The coverage of a review that had no commit to read (git shows no merge
 * commit in a `.patch`): each commit GitHub lists, not reviewed, a merge
 * said to be one; none listed, no commit past the base.
 */
export function unreadCoverage(listed: readonly ListedCommit[]): Coverage {
  if (!listed.length) return { commits: 0, unreviewed: [], empty: true };
  return { commits: listed.length, unreviewed: listed.map((c) => unpatched(c, MERGE_WHY)) };
}

/**
 * The coverage of a review of `shas` (the commits git gave a patch of) when
 * GitHub lists more (`listed`, merges among them): every listed commit
 * counts, and those with no patch are not reviewed, in the order GitHub
 * lists them, beside the series' own unreviewed commits. A commit of the
 * series GitHub did not list is kept, at the end: never dropped.
 */
export function withUnpatched(c: Coverage, shas: readonly string[], listed: readonly ListedCommit[]): Coverage {
  const inSeries = new Set(shas);
  const bySha = new Map(c.unreviewed.filter((u) => u.sha !== null).map((u) => [u.sha, u]));
  const unreviewed: UnreviewedCommit[] = [];
  for (const l of listed) {
    if (!inSeries.has(l.sha)) unreviewed.push(unpatched(l, MERGE_BESIDE_WHY));
    const own = bySha.get(l.sha);
    if (own) unreviewed.push(own);
  }
  const seen = new Set(listed.map((l) => l.sha));
  unreviewed.push(...c.unreviewed.filter((u) => u.sha === null || !seen.has(u.sha)));
  const unlisted = shas.filter((s) => !seen.has(s)).length;
  return { commits: listed.length + unlisted, unreviewed };
}

/** The commits of `r` that were not reviewed; `shas` are the series' commits in order. */
export function coverage(r: ReviewResult, shas: readonly string[]): Coverage {
  const unreviewed = r.patches
    .filter((p) => p.status !== 'reviewed')
    .map((p) => ({
      index: p.index,
      sha: shas[p.index - 1] ?? null,
      subject: bareSubject(p.subject),
      why: p.reason ?? (p.status === 'not-applied' ? 'no hunk applies to the tree' : p.status),
      alreadyApplied: Boolean(p.alreadyApplied),
      hunks: p.applyFailures.map((a) => `${a.file}${a.hunk ? ` ${a.hunk}` : ''}: ${a.reason}`),
    }));
  return { commits: r.patches.length, unreviewed };
}

/** Patches the review did in part, and what the review itself noted: said in the check run (those not reviewed at all are the coverage's). */
export function reviewNotes(r: Pick<ReviewResult, 'series' | 'patches' | 'notes'>): string[] {
  const status = (p: ReviewResult['patches'][number]): string => (p.reason ? 'reviewed in part' : 'reviewed');
  const notes = r.patches.filter((p) => p.status === 'reviewed' && p.applyFailures.length).map((p) => `${p.index}: ${p.subject}: ${status(p)}${p.reason ? ` (${p.reason})` : ''}`);
  const { missing } = r.series;
  if (missing.length) notes.push(`${missing.length === 1 ? 'commit' : 'commits'} ${numbered(missing)} missing from the series`);
  // The review's own: commits read with a warning or not read as a patch, files not indexed (their locks unseen), files skipped.
  notes.push(...r.notes);
  return notes;
}

/** RIGHT-side lines of GitHub's per-file `patch` strings (pulls.listFiles): added and context lines with their text. */
export function diffLines(files: readonly { filename: string; patch?: string }[]): DiffLines {
  const out: DiffLines = new Map();
  for (const f of files) {
    const lines = new Map<number, string>();
    let n = 0;
    for (const l of (f.patch ?? '').split('\n')) {
      const h = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(l);
      if (h) n = Number(h[1]);
      else if (l.startsWith('+') || l.startsWith(' ')) lines.set(n++, l.slice(1));
      // '-' lines and '\ No newline' markers have no RIGHT-side line.
    }
    out.set(f.filename, lines);
  }
  return out;
}
