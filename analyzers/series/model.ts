/**
 * What the series stage hands to the review: series of patches with their
 * parsed diffs, every patch message accounted for with a status. A file
 * diff keeps old and new line numbers on every line (reviewdog's
 * FileDiff/Hunk/Line, in diff-model.ts); a series is b4's LoreSeries (revision, expected
 * count, patches by counter, cover in slot 0, follow-ups, flags).
 */
import type { SourceOptions } from '../sources/input.js';
import type { Person, SourceKind, SourcePosition, SourceWarning } from '../sources/model.js';
import type { FileDiff } from './diff-model.js';

export type { DiffLine, FileDiff, Hunk } from './diff-model.js';

/**
 * ok: the diff was parsed (it may still hold binary files, flagged per file).
 * skipped: nothing to review, on purpose: no diff, only binary changes, over the size limit, a duplicate.
 * failed: there is a diff but it cannot be trusted: truncated, a bad hunk, undecodable mail.
 */
export type PatchStatus = 'ok' | 'skipped' | 'failed';

/** What a `[PATCH ...]` subject says. */
export interface SubjectInfo {
  /** The subject as sent. */
  subject: string;
  /** The subject without `Re:` and bracketed prefixes: the commit's title. */
  title: string;
  /** Starts with `Re:`/`Aw:`/`Fwd:` (any case, repeated): a reply, never a patch. */
  reply: boolean;
  /** A bracket says PATCH, or has a counter `k/M`, or a version: a patch mail (not `[GIT PULL]`). */
  isPatch: boolean;
  /** The revision: `v3` is 3; 1 when the subject has none. */
  version: number;
  /** k of `k/M`; null for a lone `[PATCH]`. */
  index: number | null;
  /** M of `k/M`; null for a lone `[PATCH]`. */
  total: number | null;
  /** RFC appears in a bracket. */
  rfc: boolean;
  /** RESEND appears in a bracket. */
  resend: boolean;
  /** A stable-kernel base (`6.6`, `5.10.y`): a backport, not a version. Null otherwise. */
  backport: string | null;
  /** Other bracket words, in order: `kvm-unit-tests`, `for-next`, `rcu`. */
  tags: string[];
}

/** A patch: one message that carries (or should carry) one commit. */
export interface PatchEntry {
  /** k: the slot in its series (1 for a lone `[PATCH]`). */
  index: number;
  /** The subject as sent. */
  subject: string;
  /** The commit title (subject without prefixes). */
  title: string;
  /** Message-ID without brackets; null for a plain diff or a mail without one. */
  messageId: string | null;
  /** The commit author: an in-body `From:` line when present (a patch sent for someone else), else the mail's From. Null for a plain diff. */
  author: Person | null;
  /** The mail's From (who sent it); null for a plain diff. */
  sender: Person | null;
  /** Date as ISO 8601; null when the mail has none that parses. */
  date: string | null;
  /** ok, skipped or failed. */
  status: PatchStatus;
  /** Why, for skipped and failed; for ok, what part could not be reviewed (a binary change to an indexed file), else null. */
  reason: string | null;
  /** The commit message: the body before the `---` line (or before the first diff), trailers included. */
  description: string;
  /** The parsed file diffs; empty when skipped or failed. */
  files: FileDiff[];
  /** A digest of the diff's changed lines without line numbers or white space (git patch-id in spirit): the same change in v1 and v2 has the same id. Null without a diff. */
  patchId: string | null;
  /** Where the message is in the input. */
  position: SourcePosition;
  /** Things worth knowing that do not stop the review (a flowed mail, bad charset bytes, no [PATCH] tag). */
  warnings: string[];
  /**
   * Optional: the patch is the content its files become, not a diff (`files` is empty): a merge's
   * conflict resolution, which no state of the review is the pre-image of. The review diffs each
   * file against the state it reached before this slot and reviews that diff as the patch.
   */
  becomes?: ContentChange;
}

/**
 * Files that become a given content, and what that content is built on. It is a sound patch only
 * on a state holding exactly that: every slot of `builtOn` landed whole on these files, and no
 * other slot before it changed them (the review refuses it otherwise, saying why).
 */
export interface ContentChange {
  /** Each file and the text it becomes; null when it is deleted. */
  files: { path: string; content: string | null }[];
  /** The slots before this one whose changes the content holds (a merge's history within the series), ascending. */
  builtOn: number[];
  /** What the content is, for notes and reasons: `the conflict resolution of merge 0123456789ab`. */
  what: string;
  /** Where to read the change when it is not reviewed: `git show --remerge-diff 0123456789ab`. */
  readWith: string;
}

/** The cover letter, slot 0. */
export interface CoverLetter {
  /** The subject as sent. */
  subject: string;
  /** The series title. */
  title: string;
  /** Message-ID without brackets; null when absent. */
  messageId: string | null;
  /** The mail's From; null when absent. */
  author: Person | null;
  /** ISO 8601; null when absent. */
  date: string | null;
  /** The decoded body. */
  body: string;
  /** Where it is in the input. */
  position: SourcePosition;
  /** Decoding problems of its mail (bad charset bytes, an unparseable date). */
  warnings: string[];
}

/** A reply in the thread: review, ack, question. Never reviewed as a patch. */
export interface FollowUp {
  /** The subject as sent. */
  subject: string;
  /** Message-ID; null when absent. */
  messageId: string | null;
  /** The message it answers (In-Reply-To); null when absent. */
  inReplyTo: string | null;
  /** The mail's From; null when absent. */
  author: Person | null;
  /** ISO 8601; null when absent. */
  date: string | null;
  /** The slot it belongs to: 0 for the cover, k for patch k; null when it could not be tied to a slot. */
  slot: number | null;
  /** The decoded body (quoted text included). */
  body: string;
  /** True when the body carries an unquoted diff (a fix-up proposed inline); it is not reviewed as a patch. */
  hasDiff: boolean;
  /** Where it is in the input. */
  position: SourcePosition;
  /** Decoding problems of its mail. */
  warnings: string[];
}

/** One posting of a series: one sender, one revision, one expected count. */
export interface Series {
  /** Stable identity: sender, revision and the patches' patchIds hashed (b4's series fingerprint). */
  fingerprint: string;
  /** The revision (1 when unversioned). */
  version: number;
  /** M: the number of patches announced; 1 for a lone `[PATCH]`. */
  expected: number;
  /** Who sent it (From of its messages); null for a plain diff. */
  sender: Person | null;
  /** The series title: the cover's, else patch 1's, else the first present patch's. */
  title: string;
  /** Any of its subjects says RFC. */
  rfc: boolean;
  /** Its subjects say RESEND. */
  resend: boolean;
  /** The stable base for a backport (`6.6`); null otherwise. */
  backport: string | null;
  /** Other subject tags (`kvm-unit-tests`). */
  tags: string[];
  /** Slot 0: the cover letter; null when none was found. */
  cover: CoverLetter | null;
  /** The patches present, by index k ascending. Slot k is `patches.find(p => p.index === k)`. */
  patches: PatchEntry[];
  /** The empty slots: every k in 1..expected with no patch, ascending. */
  missing: number[];
  /** Extra messages for an occupied slot (a second copy, a k beyond M): status skipped, with the reason. */
  duplicates: PatchEntry[];
  /** Replies tied to this series. */
  followUps: FollowUp[];
  /** Every slot 1..expected holds a patch (whatever its status). */
  complete: boolean;
  /** Slot 0 holds a cover letter. */
  hasCover: boolean;
  /** The earliest date of its messages; null when none has one. */
  date: string | null;
}

/** Options of readSeries: the source's (stdin, maxInputBytes, since) plus the patch size limit and the user's choice of series. */
export interface ReadSeriesOptions extends SourceOptions {
  /** Optional: largest patch body in bytes; a larger patch is skipped with its size as the reason. Default DEFAULT_MAX_PATCH_BYTES (16 MiB). */
  maxPatchBytes?: number;
  /** Optional: review this series instead of the one chosen (`--series N`, `--message-id ID`). */
  select?: SeriesSelection;
}

/** The user's choice of series; at most one field is meant to be set (`series` wins). */
export interface SeriesSelection {
  /** Optional: N of `#N` in the choice (1-based, in `SeriesReadResult.series` order). */
  series?: number;
  /** Optional: a Message-ID (brackets optional) of the series' cover letter or one of its patches. */
  messageId?: string;
}

/** One series of the input as the choice saw it: numbered, with why it was or was not reviewed, and its patches' statuses. */
export interface SeriesCandidate {
  /** N: its place in `SeriesReadResult.series`, 1-based; what `--series N` takes. */
  number: number;
  /** `v2 (2/2, cover)`, with the sender when there are several. */
  label: string;
  /** True for the one reviewed. */
  chosen: boolean;
  /** `reviewed: the newest complete series`, `not reviewed: an older revision (v1) of the reviewed series`, ... */
  reason: string;
  /** Its revision. */
  version: number;
  /** Series.fingerprint. */
  fingerprint: string;
  /** Every patch message of it (duplicates included), by index, with the series stage's status. */
  patches: { index: number; subject: string; messageId: string | null; status: PatchStatus; reason: string | null }[];
}

/** What was read. */
export interface SourceSummary {
  /** The path as given (`-` for stdin). */
  path: string;
  /** How the input was recognised. */
  kind: SourceKind;
  /** How many messages it held (a plain diff counts as one). */
  messages: number;
}

/** A message that is neither a patch, a cover nor a reply (`[GIT PULL]`, an announcement). */
export interface OtherMessage {
  /** The subject as sent. */
  subject: string;
  /** Message-ID; null when absent. */
  messageId: string | null;
  /** Where it is. */
  position: SourcePosition;
  /** Why it is here rather than in a series. */
  reason: string;
}

/** Everything read from one input. */
export interface SeriesReadResult {
  /** What was read. */
  source: SourceSummary;
  /** The series to review: the newest complete one (see `choice`); null when the input has no patch at all. */
  chosen: Series | null;
  /** One sentence on why `chosen` was chosen and what else is present: `v2 (50/50, cover) is the newest complete series; also present: v1 (44/44, cover)`. */
  choice: string;
  /** Every series found, chosen included, newest first. */
  series: Series[];
  /** The same series, numbered, each with why it was or was not reviewed and its patches' statuses. */
  candidates: SeriesCandidate[];
  /** Replies that answer no message of any series here (their patch is not in the input). */
  orphanFollowUps: FollowUp[];
  /** Messages that are none of patch, cover or reply. */
  others: OtherMessage[];
  /** Input-level warnings from the source. */
  warnings: SourceWarning[];
}
