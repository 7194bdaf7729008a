/** The notes a check run carries about the series itself: patches missing from it, said as a maintainer counts them. */
import { describe, expect, it } from '@jest/globals';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { reviewNotes } from '../../bot/app/findings.js';

/** A result with no patch and `missing` announced but absent. */
function withMissing(missing: number[], total: number): Pick<ReviewResult, 'series' | 'patches' | 'notes'> {
  return { series: { subject: 'KVM: demo', version: 1, total, missing, choice: '', others: [] }, patches: [], notes: [] };
}

describe('reviewNotes: commits missing from the series', () => {
  it('one commit: the noun is singular', () => {
    expect(reviewNotes(withMissing([3], 4))).toEqual(['commit 3 missing from the series']);
  });

  it('a run of them is written as its ends, the noun plural', () => {
    expect(reviewNotes(withMissing([2, 3, 4, 5], 6))).toEqual(['commits 2-5 missing from the series']);
    expect(reviewNotes(withMissing([...Array.from({ length: 43 }, (_, i) => i + 1), 45, 46, 47, 48, 49, 50], 50))).toEqual(['commits 1-43 and 45-50 missing from the series']);
    expect(reviewNotes(withMissing([1, 4], 4))).toEqual(['commits 1 and 4 missing from the series']);
  });

  it('none missing: no note', () => {
    expect(reviewNotes(withMissing([], 2))).toEqual([]);
  });
});
