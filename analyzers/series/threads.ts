/**
 * Ties replies to the series and slot they answer, through In-Reply-To and
 * References (a reply to a reply to patch 3 belongs to slot 3). A reply
 * whose thread headers name no message here is matched by subject
 * (`Re: [PATCH v2 3/7] title`), which is what a reader would do; failing
 * that it is an orphan, kept in the result.
 */
import type { Classified } from './classify.js';
import { hasDiff } from './classify.js';
import type { FollowUp, Series } from './model.js';

/** A place a message id resolves to. */
interface Anchor {
  series: Series;
  slot: number;
}

/** Adds each reply to its series' followUps; returns the replies tied to none. */
export function attachFollowUps(series: Series[], replies: Classified[]): FollowUp[] {
  const anchors = new Map<string, Anchor>();
  for (const s of series) {
    if (s.cover?.messageId) anchors.set(s.cover.messageId, { series: s, slot: 0 });
    for (const p of [...s.patches, ...s.duplicates]) if (p.messageId) anchors.set(p.messageId, { series: s, slot: p.index });
  }
  const parents = new Map<string, string[]>();
  for (const r of replies) if (r.message.messageId) parents.set(r.message.messageId, parentsOf(r));
  const orphans: FollowUp[] = [];
  for (const r of replies) {
    const anchor = resolve(parentsOf(r), anchors, parents) ?? bySubject(r, series);
    // A reply to this reply belongs where this one does: remembered, a long chain resolves in one step per reply.
    if (anchor && r.message.messageId && !anchors.has(r.message.messageId)) anchors.set(r.message.messageId, anchor);
    const followUp = toFollowUp(r, anchor?.slot ?? null);
    if (anchor) anchor.series.followUps.push(followUp);
    else orphans.push(followUp);
  }
  return orphans;
}

/** The ids a reply answers, nearest first: In-Reply-To, then References from the newest. */
function parentsOf(r: Classified): string[] {
  const ids = [...r.message.references].reverse();
  return r.message.inReplyTo ? [r.message.inReplyTo, ...ids] : ids;
}

/**
 * The first anchor reachable from `ids`, through other replies when needed:
 * nearest ids first, then their parents, breadth first. A loop with a queue,
 * not recursion: a chain of 100,000 replies must not overflow the stack.
 */
function resolve(ids: string[], anchors: Map<string, Anchor>, parents: Map<string, string[]>): Anchor | undefined {
  const seen = new Set<string>();
  let level = ids;
  while (level.length > 0) {
    for (const id of level) {
      const hit = anchors.get(id);
      if (hit) return hit;
    }
    const next: string[] = [];
    for (const id of level) {
      if (seen.has(id)) continue;
      seen.add(id);
      for (const up of parents.get(id) ?? []) if (!seen.has(up)) next.push(up);
    }
    level = next;
  }
  return undefined;
}

/** The series with the same revision and a cover or patch of the same title and counter. */
function bySubject(r: Classified, series: Series[]): Anchor | undefined {
  const { info } = r;
  if (!info.isPatch) return undefined;
  for (const s of series) {
    if (s.version !== info.version) continue;
    if (info.index === 0 && s.cover?.title === info.title) return { series: s, slot: 0 };
    const patch = s.patches.find((p) => p.index === (info.index ?? 1) && p.title === info.title);
    if (patch) return { series: s, slot: patch.index };
  }
  return undefined;
}

function toFollowUp(r: Classified, slot: number | null): FollowUp {
  const m = r.message;
  return {
    subject: m.subject,
    messageId: m.messageId,
    inReplyTo: m.inReplyTo,
    author: m.from,
    date: m.date,
    slot,
    body: m.body,
    hasDiff: hasDiff(m),
    position: m.position,
    warnings: m.problems,
  };
}
