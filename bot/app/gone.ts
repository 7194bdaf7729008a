/**
 * Why a finding the App commented on is gone at a later review, and how to
 * say it. "Fixed in <head>" credits the author's code; it is only true when
 * the commits changed. Two other things make a finding disappear:
 *
 * - the base moved under the same patch (the base branch changed, or a
 *   synchronize whose pull request has a newer base: commits added on top,
 *   or a rebase keeping the patch): a finding is reviewed against the base
 *   tree, so a base whose locking.rst or code changed can drop it while the
 *   patch stays as it was;
 * - a force-push dropped the commit it was on: the code is not in the
 *   pull request any more. One that rewrote it (a commit of the same
 *   subject: the author's v2 of it) whose new version no longer makes the
 *   finding did fix it: "Fixed in" that commit, saying it is a rewrite.
 *
 * Each line comment records where it was found (a hidden marker: the
 * commit, its patch id, the base and the head reviewed). A commit sha names
 * its whole history, so the same commit still in the pull request means
 * the same patch on the same commits before it: only the base (or the
 * App's configuration) can have changed. A comment posted before the App
 * recorded this says "Fixed in", as it always did.
 */

import { createHash } from 'node:crypto';
import { bareSubject } from '../../analyzers/series/bare-subject.js';

/** Where a line comment's finding was found. */
export interface ReviewedOn {
  /** The commit whose patch makes the finding. */
  commit: string;
  /** That patch's patch id (null: the series stage gave none). */
  patchId: string | null;
  /** subjectKey() of the commit's subject: a force-push that rewrites the commit (v2 of the patch) keeps it. */
  subject: string;
  /** The base the series was reviewed against. */
  base: string;
  /** The pull request's head then. */
  head: string;
}

const ON = /<!-- kvm-review:on=([0-9a-f]{40}) patch-id=([0-9a-f]+|-) subject=([0-9a-f]{16}) base=([0-9a-f]{40}) head=([0-9a-f]{40}) -->/;

/** A subject as a marker keeps it: hashed (a subject may hold "-->"), without its [PATCH] prefix. */
export function subjectKey(subject: string): string {
  return createHash('sha256').update(bareSubject(subject)).digest('hex').slice(0, 16);
}

export function reviewedOnMarker(on: ReviewedOn): string {
  return `<!-- kvm-review:on=${on.commit} patch-id=${on.patchId ?? '-'} subject=${on.subject} base=${on.base} head=${on.head} -->`;
}

/** The marker of a comment, or null (one posted before the App recorded it, or not a finding). */
export function reviewedOn(body: string | null | undefined): ReviewedOn | null {
  const m = ON.exec(body ?? '');
  if (!m) return null;
  return { commit: m[1] as string, patchId: m[2] === '-' ? null : (m[2] as string), subject: m[3] as string, base: m[4] as string, head: m[5] as string };
}

/** What the review now sees: its head, its base, and its commits with their patch ids and subjectKey()s (slot k is commits[k-1]). */
export interface ReviewState {
  headSha: string;
  baseSha?: string;
  series?: { commits: readonly string[]; patchIds: ReadonlyMap<number, string>; subjects: ReadonlyMap<number, string> };
}

export type Gone =
  /** The commits changed: the author's code (or no record to tell otherwise); `rewrote`: the commit it was on, which a force-push rewrote as the head's commit `as` (same subject). */
  | { why: 'fixed'; rewrote?: { commit: string; as: string } }
  /** The patch is as it was (the same commit, or `rebasedAs` with the same patch id); the base moved. */
  | { why: 'base'; commit: string; base: string; rebasedAs?: string }
  /** The same commit on the same base: the App's configuration or kvm-review changed, not the code. */
  | { why: 'unchanged'; commit: string; base: string }
  /** The head is the same, the commit is not a commit of the pull request any more: the new base has it. */
  | { why: 'in-base'; commit: string; base: string }
  /** A force-push dropped the commit: no commit of the pull request now has its patch or its subject. */
  | { why: 'dropped'; commit: string };

/** Why the finding of a comment whose marker is `on` is gone in the review `now`. */
export function whyGone(on: ReviewedOn | null, now: ReviewState): Gone {
  const { baseSha: base, series } = now;
  if (!on || !base || !series) return { why: 'fixed' };
  if (series.commits.includes(on.commit)) return on.base !== base ? { why: 'base', commit: on.commit, base } : { why: 'unchanged', commit: on.commit, base };
  if (on.head === now.headSha) return { why: 'in-base', commit: on.commit, base };
  const slot = on.patchId ? [...series.patchIds].find(([, id]) => id === on.patchId)?.[0] : undefined;
  const rebasedAs = slot === undefined ? undefined : series.commits[slot - 1];
  if (rebasedAs) {
    // The same patch on another base: the base's doing. On the same base, a commit before it changed: the author's.
    return on.base !== base ? { why: 'base', commit: on.commit, base, rebasedAs } : { why: 'fixed' };
  }
  // A commit of the same subject: the author's v2 of that commit (a kernel author amends, never fixes on top), which no longer makes it.
  const again = [...series.subjects].find(([, key]) => key === on.subject)?.[0];
  const as = again === undefined ? undefined : series.commits[again - 1];
  if (as) return { why: 'fixed', rewrote: { commit: on.commit, as } };
  return { why: 'dropped', commit: on.commit };
}

/** A commit as the App's notes name it: its first 12 hex digits. */
export const short = (sha: string): string => sha.slice(0, 12);

/** The note's lead (bold in an edit) and its sentence, for a finding gone at `head`. */
export function goneWords(head: string, gone: Gone, edit: boolean): { lead: string; rest: string } {
  switch (gone.why) {
    case 'fixed': {
      const at = gone.rewrote ? gone.rewrote.as : head;
      const rewrite = gone.rewrote ? `, the force-push's rewrite of ${short(gone.rewrote.commit)} (the commit it was on)` : '';
      return { lead: `Fixed in ${short(at)}`, rest: `${edit ? 'this finding is gone at that commit' : 'kvm-review no longer finds this at that commit'}${rewrite}.` };
    }
    case 'base': {
      const patch = gone.rebasedAs ? `its patch is unchanged (now commit ${short(gone.rebasedAs)})` : `the commit it was on (${short(gone.commit)}) is unchanged`;
      return { lead: `Gone with the new base ${short(gone.base)}`, rest: `${patch}, and the finding no longer appears against the new base ${short(gone.base)}. The pull request's code did not fix it.` };
    }
    case 'unchanged':
      return { lead: `No longer found at ${short(head)}`, rest: `the commit it was on (${short(gone.commit)}) and the base (${short(gone.base)}) are unchanged, so the code did not fix it: the repository's .github/kvm-review.yml or kvm-review itself changed.` };
    case 'in-base':
      return { lead: `Commit now in the base`, rest: `the commit it was on (${short(gone.commit)}) is in the new base ${short(gone.base)} and no longer one of the pull request's commits, so kvm-review does not review it here.` };
    case 'dropped':
      return { lead: `Commit dropped`, rest: `the commit it was on (${short(gone.commit)}) is no longer in the pull request after the force-push to ${short(head)}, and no commit there has its patch or its subject; kvm-review does not find this in the commits there now.` };
  }
}

/** The leads an edit puts on top of a comment (one is replaced, never stacked, if a comment is edited again). */
export const GONE_LEAD = /^\*\*(?:Fixed in|Gone with the new base|No longer found at|Commit now in the base|Commit dropped)\b[^\n]*\n\n/m;
