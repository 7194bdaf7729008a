/** Output formats of `kvm-review mbox`: name -> renderer. */
import type { ReviewResult } from '../../../analyzers/review/model.js';
import { renderReviewJson } from './json.js';
import { renderReviewMarkdown } from './markdown.js';
import { renderReviewText } from './text.js';

export const REVIEW_FORMATS = {
  text: renderReviewText,
  json: renderReviewJson,
  markdown: renderReviewMarkdown,
} as const satisfies Record<string, (r: ReviewResult) => string>;

