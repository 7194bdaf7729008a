/**
 * The one place the App calls the analysis: commits (as GitHub's `.patch`)
 * read as a series and reviewed against a tree exactly as `kvm-review mbox`
 * reviews a series: patch k against the base plus commits 1..k-1, applied
 * in memory. Nothing is written to disk but the index cache.
 */
import type { ReviewResult } from '../../analyzers/review/model.js';
import { reviewSeries } from '../../analyzers/review/review-series.js';
import { assemble } from '../../analyzers/series/read-series.js';
import { readBytes } from '../../analyzers/sources/file-source.js';
import type { Tree } from '../../analyzers/trees/model.js';
import { toSeries, type CommitSeries } from './series-mbox.js';

export interface EngineRun {
  result: ReviewResult;
  series: CommitSeries;
  /** Patch id per slot k (1-based), as the series stage computes it (changed lines, no line numbers or white space). */
  patchIds: Map<number, string>;
}

/** What the series is called in notes and errors (it never is a file). */
const LABEL = 'series.mbx';

/** Reviews the commits of `patchText` against `tree`; `indexCache` is the index cache directory. */
export async function reviewCommits(patchText: string, tree: Tree, indexCache: string): Promise<EngineRun> {
  const series = toSeries(patchText);
  // git shows no merge commit, nor anything already in the base: with no other commit there is nothing to read (the reader refuses an empty input).
  // The caller names what was not reviewed (reviewCoverage in job.ts): the commits GitHub lists, or none past the base.
  if (!series.commits.length) {
    const result = await reviewSeries(null, tree, { cache: { dir: indexCache }, choice: 'no commits' });
    return { result, series, patchIds: new Map() };
  }
  const read = assemble(await readBytes(Buffer.from(series.mbox), LABEL));
  const patchIds = new Map<number, string>();
  for (const p of read.chosen?.patches ?? []) if (p.patchId) patchIds.set(p.index, p.patchId);
  // The notes `mbox` gives on its input: what the reader warned about, what was not a patch.
  const notes = [
    ...read.warnings.map((w) => `${w.file}${w.line ? `:${w.line}` : ''}: ${w.message}`),
    ...read.others.map((o) => `${o.position.file}:${o.position.line}: not reviewed: "${o.subject}" (${o.reason})`),
  ];
  const result = await reviewSeries(read.chosen, tree, { cache: { dir: indexCache }, choice: read.choice, notes });
  return { result, series, patchIds };
}
