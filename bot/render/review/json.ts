/** `mbox --format json`: the whole review, the contract in the README. */
import type { ReviewResult } from '../../../analyzers/review/model.js';

export function renderReviewJson(r: ReviewResult): string {
  return JSON.stringify(r, (key, value: unknown) => (key === 'files' ? undefined : value), 2) + '\n';
}
