/**
 * How the watcher has a series reviewed. The review engine reads a path
 * today (`review({ input })`), so the series' own mails (cover and
 * patches, nothing else) are written to a scratch directory inside the
 * state directory and reviewed from there: the engine then sees exactly
 * this posting and picks it. When the engine takes an assembled Series
 * directly, this is the one place to change.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CacheOptions } from '../../analyzers/index/cache.js';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { review } from '../../analyzers/review/review.js';

/** Reviews one posting, given the raw mails of its cover and patches in series order. */
export type SeriesReviewer = (raw: Buffer[], label: string) => Promise<ReviewResult>;

/** A reviewer against `tree` (null: hunk-only) that stages mails under `scratch`. */
export function engineReviewer(tree: string | null, cache: CacheOptions, scratch: string): SeriesReviewer {
  mkdirSync(scratch, { recursive: true });
  return async (raw, label) => {
    const dir = mkdtempSync(join(scratch, 'series-'));
    try {
      raw.forEach((bytes, i) => writeFileSync(join(dir, `${String(i).padStart(4, '0')}.eml`), bytes));
      const result = await review({ input: dir, tree, cache });
      // The scratch path is an accident of this run; the record names the posting instead.
      const notes = result.notes.map((n) => n.split(dir).join(label));
      return { ...result, notes, series: { ...result.series, choice: result.series.choice.split(dir).join(label) } };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** Removes scratch directories a killed run left behind. */
export function clearScratch(scratch: string): void {
  rmSync(scratch, { recursive: true, force: true });
}
