/** Review formats whose renderers need options from the CLI (version, sender). */
import type { ReviewResult } from '../../analyzers/review/model.js';

export function extraReviewFormats(): Record<string, (r: ReviewResult) => string> {
  return {};
}
