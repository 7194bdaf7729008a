/**
 * `kvm-review mbox` as two steps: read the input into a series (the source
 * interface: mbox, format-patch, diffs, stdin), then reviewSeries() on it.
 * Kept for callers that hold a path; everything else calls reviewSeries().
 */
import type { CacheOptions } from '../index/cache.js';
import { readSeries } from '../series/read-series.js';
import type { ReadSeriesOptions, SeriesReadResult } from '../series/model.js';
import { assertKernelTree, asTree, type Tree } from '../trees/index.js';
import type { ReviewResult } from './model.js';
import { reviewSeries } from './review-series.js';

export { reviewSeries, seriesIdentity, type ReviewSeriesOptions } from './review-series.js';

export interface ReviewOptions {
  /** The input: an mbox, a format-patch file or directory, a .patch/.diff, or '-'. */
  input: string;
  /** A kernel tree (a directory path or any Tree), or null for hunk-only review. */
  tree: Tree | string | null;
  cache: CacheOptions;
  read?: ReadSeriesOptions;
}

export async function review(opts: ReviewOptions): Promise<ReviewResult> {
  return (await reviewInput(opts)).result;
}

/** The review, with what it was read from and the tree it ran against (a caller may review another posting of the input). */
export async function reviewInput(opts: ReviewOptions): Promise<{ result: ReviewResult; read: SeriesReadResult; tree: Tree | null }> {
  const read = await readSeries(opts.input, opts.read);
  const series = read.chosen;
  const notes = [
    ...read.warnings.map((w) => `${w.file}${w.line ? `:${w.line}` : ''}: ${w.message}`),
    ...read.others.map((o) => `${o.position.file}:${o.position.line}: not reviewed: "${o.subject}" (${o.reason})`),
  ];
  // The other series are listed with their status in `series.others`, not as notes.
  const tree = opts.tree === null ? null : asTree(opts.tree);
  if (tree) await assertKernelTree(tree);
  return { result: await reviewSeries(series, tree, { cache: opts.cache, choice: read.choice, notes, others: read.candidates.filter((c) => !c.chosen) }), read, tree };
}
