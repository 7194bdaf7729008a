/**
 * `kvm-review mbox` on an input holding several versions of a series: the
 * chosen one (the newest, unless the user chose) is reviewed, and when the
 * input also holds the version before it (analyzers/series/versions.ts:
 * change-id, Link, or subject stem and sender), that one is reviewed
 * against the same tree and the two compared (compare-versions.ts): per
 * finding `since`, the `fixed` list and `previous`, as the watcher does.
 */
import type { Series, SeriesReadResult } from '../series/model.js';
import { label } from '../series/choose.js';
import { anchorId, postingIdentity, previousVersion } from '../series/versions.js';
import { compareVersions, priorOf, replyAnchor } from './compare-versions.js';
import type { ReviewResult } from './model.js';
import { reviewInput, type ReviewOptions } from './review.js';
import { reviewSeries } from './review-series.js';

export async function reviewWithPrevious(opts: ReviewOptions): Promise<ReviewResult> {
  const { result, read, tree } = await reviewInput(opts);
  const series = read.chosen;
  const previous = series ? previousInInput(series, read) : null;
  if (!series || !previous) return result;
  const before = await reviewSeries(previous, tree, { cache: opts.cache });
  const compared = compareVersions(result, priorOf(before, anchorId(previous)), replyAnchor(series));
  const name = label(previous, read.series);
  compared.notes.push(`compared with ${name}, reviewed against the same ${tree ? 'tree' : 'embedded order'} for this`);
  if (!previous.complete) compared.notes.push(`${name} is incomplete in the input: a finding in one of its missing patches counts as new in v${series.version}`);
  return compared;
}

/** The posting of the input that `series` is a new version of; null when none. */
function previousInInput(series: Series, read: SeriesReadResult): Series | null {
  const earlier = read.series.filter((s) => s !== series && s.patches.length > 0).map((s) => ({ ...postingIdentity(s), series: s }));
  return previousVersion(postingIdentity(series), earlier)?.series ?? null;
}
