/**
 * What the watcher adds to the email replies itself: "partial series: k of
 * M patches" on a partial review, carried on each patch's reason (which
 * the email renderer prints as a note). The version remarks ("still
 * present since v1", the "fixed in v2" reply) come from the comparison in
 * the result and are the email renderer's (bot/render/review/email/versions.ts).
 */
import type { ComparedReview } from '../../analyzers/review/compare-versions.js';
import type { ReviewResult } from '../../analyzers/review/model.js';

/** A copy of `r` whose patches' reasons carry the partial remark. */
export function forEmail(r: ComparedReview, partial: string | null): ReviewResult {
  if (!partial) return r;
  return {
    ...r,
    patches: r.patches.map((p) => ({ ...p, reason: p.reason ? `${p.reason.replace(/[.\s]+$/, '')}; ${partial}` : partial })),
  };
}
