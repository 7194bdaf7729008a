/**
 * How the watcher has a series reviewed: the posting the watcher threaded
 * (an assembled Series, in memory) and one Tree, opened once for the whole
 * run, handed to reviewSeries(). Nothing is staged on disk, and the tree
 * (a directory or a git revision) is checked once, not per series.
 */
import type { CacheOptions } from '../../analyzers/index/cache.js';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { reviewSeries } from '../../analyzers/review/review-series.js';
import { chooseSeries } from '../../analyzers/series/choose.js';
import type { Series } from '../../analyzers/series/model.js';
import type { Tree } from '../../analyzers/trees/model.js';

/** Reviews one posting (its cover and patches as the watcher threaded them); `label` names it in messages. */
export type SeriesReviewer = (series: Series, label: string) => Promise<ReviewResult>;

/** A reviewer against `tree` (null: hunk-only review). */
export function engineReviewer(tree: Tree | null, cache: CacheOptions): SeriesReviewer {
  return async (series, label) => {
    // The sentence `mbox` prints for an input holding this posting alone ("v2 (50/50, cover): the complete series").
    const facts = new Map([[series, { first: 0, threads: new Set([0]), untagged: false }]]);
    const { choice } = chooseSeries([series], facts, label);
    return reviewSeries(series, tree, { cache, choice });
  };
}
