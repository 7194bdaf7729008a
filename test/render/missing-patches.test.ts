/**
 * A stable review thread announces hundreds of patches and carries one: the
 * missing ones are named as ranges, not as a list of 537 numbers.
 */
import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { numbered } from '../../analyzers/counted.js';
import { review } from '../../analyzers/review/review.js';
import { renderReviewMarkdown } from '../../bot/render/review/markdown.js';
import { renderReviewText } from '../../bot/render/review/text.js';
import { LORE } from '../series/paths.js';

describe('missing patches', () => {
  it('are named as runs of numbers', () => {
    expect(numbered([5])).toBe('5');
    expect(numbered([1, 2, 5])).toBe('1, 2 and 5');
    expect(numbered([9, 1, 2, 3, 7, 8, 10])).toBe('1-3 and 7-10');
    expect(numbered([1, 2, 3, 5, 6, 8])).toBe('1-3, 5, 6 and 8');
  });

  it('of a stable backport thread (patch 413 of 538) read as two ranges in text and markdown', async () => {
    const r = await review({ input: join(LORE, 'kvm/kvm-usage-lock-deadlock-2024.mbx'), tree: null, cache: { disabled: true } });
    expect(r.series.missing).toHaveLength(537);
    expect(renderReviewText(r).split('\n')).toContain('missing: patches 1-412 and 414-538 of 538 not in the input');
    expect(renderReviewMarkdown(r)).toContain('Missing from the input: patches 1-412 and 414-538 of 538.');
  });
});
