/**
 * What the watcher adds to the email replies itself: "partial series: k of
 * M patches" on a partial review, and why a later version was not compared
 * with the one before (its review failed on the shared queue), carried on
 * each patch's reason (which the email renderer prints as a note). The version remarks ("still
 * present since v1", the "fixed in v2" reply) come from the comparison in
 * the result and are the email renderer's (bot/render/review/email/versions.ts).
 */
import type { ComparedReview } from '../../analyzers/review/compare-versions.js';
import type { ReviewResult } from '../../analyzers/review/model.js';

/** A copy of `r` whose patches' reasons carry the partial remark and the not-compared remark. */
export function forEmail(r: ComparedReview, partial: string | null, notCompared: string | null = null): ReviewResult {
  const remark = [partial, notCompared].filter((x): x is string => x !== null).join('; ');
  if (!remark) return r;
  return {
    ...r,
    patches: r.patches.map((p) => ({ ...p, reason: p.reason ? `${p.reason.replace(/[.\s]+$/, '')}; ${remark}` : remark })),
  };
}
