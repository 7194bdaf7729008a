/**
 * From the review's result to what the planner reads: findings filtered and
 * re-graded by the repository's configuration, each with the text of its
 * line in its patch (to recognise the same line in the pull request's
 * diff), and the diff's RIGHT-side lines.
 */
import type { PatchReview, ReviewFinding, ReviewResult } from '../../analyzers/review/model.js';
import { applySeverity } from '../../analyzers/rules/severity.js';
import { isIgnored, type RepoConfig } from './config.js';
import type { DiffLines, PlacedFinding } from './plan.js';

/** The text of post-image line `line` of `file` in the patch, when the patch shows it. */
export function lineText(p: PatchReview, file: string, line: number): string | null {
  for (const f of p.files) {
    if ((f.newPath ?? f.path) !== file) continue;
    for (const h of f.hunks) for (const l of h.lines) if (l.type !== 'del' && l.newLine === line) return l.content;
  }
  return null;
}

/** The repository's view of a finding: its severity, or null when configured away. */
export function configured(f: ReviewFinding, config: RepoConfig): ReviewFinding | null {
  if (config.archs !== 'all' && f.arch !== null && !config.archs.includes(f.arch)) return null;
  if (isIgnored(config, f.file)) return null;
  return applySeverity(f, config.severity);
}

/** Every finding of the result, configured and placed. */
export function placedFindings(r: ReviewResult, config: RepoConfig): PlacedFinding[] {
  const out: PlacedFinding[] = [];
  for (const p of r.patches) {
    for (const raw of p.findings) {
      const f = configured(raw, config);
      if (f) out.push({ finding: f, text: lineText(p, f.file, f.line) });
    }
  }
  return out;
}

/** Patches the review could not do (or did in part): said in the check run. */
export function reviewNotes(r: ReviewResult): string[] {
  const notes = r.patches.filter((p) => p.status !== 'reviewed' || p.applyFailures.length).map((p) => `${p.index}: ${p.subject}: ${p.status}${p.reason ? ` (${p.reason})` : ''}`);
  if (r.series.missing.length) notes.push(`commits missing from the series: ${r.series.missing.join(', ')}`);
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
