/**
 * The one place the App calls the analysis: commits (as GitHub's `.patch`)
 * reviewed against a tree exactly as `kvm-review mbox` reviews a series:
 * patch k against the base plus commits 1..k-1, applied in memory.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { review } from '../../analyzers/review/review.js';
import { readSeries } from '../../analyzers/series/read-series.js';
import { toSeries, type CommitSeries } from './series-mbox.js';

export interface EngineRun {
  result: ReviewResult;
  series: CommitSeries;
  /** Patch id per slot k (1-based), as the series stage computes it (changed lines, no line numbers or white space). */
  patchIds: Map<number, string>;
}

/** Reviews the commits of `patchText` against the kernel tree in directory `treeDir`. */
export async function reviewCommits(patchText: string, treeDir: string, indexCache: string): Promise<EngineRun> {
  const series = toSeries(patchText);
  const tmp = mkdtempSync(join(tmpdir(), 'kvm-review-app-'));
  try {
    const input = join(tmp, 'series.mbx');
    writeFileSync(input, series.mbox);
    const read = await readSeries(input);
    const patchIds = new Map<number, string>();
    for (const p of read.chosen?.patches ?? []) if (p.patchId) patchIds.set(p.index, p.patchId);
    const result = await review({ input, tree: treeDir, cache: { dir: indexCache } });
    return { result, series, patchIds };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
