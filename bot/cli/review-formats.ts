/** Review formats whose renderers take options from the CLI (the tool's version). */
import type { ReviewResult } from '../../analyzers/review/model.js';
import { renderReviewEmail } from '../render/review/email.js';
import { renderReviewSarif } from '../render/review/sarif.js';

export function extraReviewFormats(toolVersion: string): Record<string, (r: ReviewResult) => string> {
  return {
    email: (r) => renderReviewEmail(r),
    sarif: (r) => renderReviewSarif(r, { toolVersion }),
  };
}
