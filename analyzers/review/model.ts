/**
 * The result of `kvm-review mbox`: the JSON contract (README). Findings
 * are placed on the post-image line of the patch they are about.
 */
import type { DocSource } from '../../knowledge/doc/model.js';
import type { LockClass } from '../../knowledge/lock-names.js';
import type { Finding, FindingKind, Severity } from '../findings/model.js';
import type { ChainStep } from '../order/model.js';
import type { FileDiff, SeriesCandidate } from '../series/model.js';
import type { ApplyFailure } from './apply.js';

/** Rules about a patch to locking.rst itself. */
export type DocReviewKind =
  /** a new or changed rule that code sites contradict */
  | 'doc-contradicted'
  /** a new rule no code site follows */
  | 'doc-unsupported'
  /** the new rule makes the documented order cyclic or contradicts another statement */
  | 'doc-conflict'
  /** a removed rule the code still relies on */
  | 'doc-removed'
  /** an added line that reads like an ordering rule but was not understood */
  | 'doc-unrecognized';

export type ReviewKind = FindingKind | DocReviewKind;

export interface ReviewFinding extends Omit<Finding, 'kind'> {
  kind: ReviewKind;
  /** The patch the finding is about. */
  patch: { index: number; subject: string };
  /** Post-image path. */
  file: string;
  /** Post-image line (1-based): the added line the finding is about when there is one. */
  line: number;
  /** added: `line` is an added line; changed: a line of a function the patch changes; outside: elsewhere. */
  placement: 'added' | 'changed' | 'outside';
  /** The call chain from the patched code to the inner acquisition. */
  chain: ChainStep[];
  /** Set when the review was compared with a previous version: the version that first reported this finding (the current one when it is new). */
  since?: number;
}

export interface PatchReview {
  /** k of [PATCH k/M]; 1 for a lone [PATCH]. */
  index: number;
  subject: string;
  messageId: string | null;
  author: string | null;
  date: string | null;
  /**
   * not-applied: read, but no hunk of the code the review reads applied to the tree (it already has the
   * change, or the patch was written against another tree), so nothing was reviewed; `reason` says which.
   */
  status: 'reviewed' | 'skipped' | 'failed' | 'not-applied';
  /** Why, when not reviewed (and what was partial when reviewed with failures). */
  reason?: string;
  /** With `not-applied`: every hunk of it the review reads is already in the tree (`applyFailures` say where). */
  alreadyApplied?: boolean;
  /**
   * What the reader doubted about this patch's mail, whatever its status: bytes
   * read as U+FFFD, format=flowed, the diff in an attachment, an unparsable
   * Date, a path spelled oddly. The review went on, but its lines may not be
   * the author's. Empty when the mail was read cleanly.
   */
  warnings: string[];
  findings: ReviewFinding[];
  /** Observed edges this patch removes. */
  removedEdges: { outer: LockClass; inner: LockClass }[];
  /** Hunks that did not apply, each `alreadyApplied` when the tree already has its change. */
  applyFailures: ApplyFailure[];
  /** The patch's diff, for renderers that quote it (email). */
  files: FileDiff[];
  /** The Message-IDs the patch replies to, for an email reply's References. */
  references: string[];
  /** Reviewed, but part of the analysis failed or was cut short: `reason` says what is missing. */
  partial?: boolean;
  /**
   * The architectures whose analysis failed on this patch (of the state before or after it), with why:
   * their findings are missing (`partial`, and `reason` says so). Absent when none failed.
   */
  failedArchs?: { arch: string; reason: string }[];
}

/** Who a series is, so that a caller can tell it has already reviewed it. */
export interface SeriesIdentity {
  subject: string;
  version: number;
  /** A digest of the patches' patch-ids in order: the same change, re-sent or rebased, keeps it. */
  fingerprint: string;
  /** Each patch's patch-id (changed lines without line numbers or white space), in order. */
  patchIds: string[];
}

export interface ReviewResult {
  series: {
    subject: string;
    version: number;
    /** M: the number of patches announced. */
    total: number;
    /** k of every announced patch that is not in the input. */
    missing: number[];
    /** Which posting was reviewed, and why, when the input held several. */
    choice: string;
    /**
     * The other series of the input (other versions, other threads), each
     * with why it was not reviewed and its patches' statuses; `--series N`
     * or `--message-id` picks one. Empty when the input held one series.
     */
    others: SeriesCandidate[];
  };
  /** The series' identity; null when the input held no patch. */
  identity: SeriesIdentity | null;
  /** tree: against a kernel tree; hunk-only: the hunks alone against the embedded order. */
  mode: 'tree' | 'hunk-only';
  /** What hunk-only mode cannot see; null with a tree. */
  degraded: string | null;
  tree: string | null;
  doc: DocSource;
  patches: PatchReview[];
  /** Input-level notes: other versions present, messages that were not patches, warnings. */
  notes: string[];
  /**
   * Files the review would have indexed but could not read (not indexed: unreadable, gone; skipped by the
   * tree: over the size cap, a symlink in a git revision), with why: their locks are not seen, and a note
   * says so. A later version's finding there is not known to
   * be fixed (unread-code.ts). Absent in hunk-only mode and in results written before it was kept.
   */
  unindexed?: UnindexedFile[];
  /** The index cache over the whole review (absent in hunk-only mode). */
  cache?: ReviewCacheStats;
  /** Set when a previous version was looked for (watch; mbox on an input with several versions): the version compared with, null when none. */
  previous?: { version: number; messageId: string | null } | null;
  /** With `previous`: the previous version's findings this one no longer has. */
  fixed?: FixedFinding[];
  /**
   * With `previous`: the previous version's findings this one could not be compared on (the patch they
   * are on was not reviewed in this version, or patches are missing): neither fixed nor still present.
   */
  notCompared?: NotComparedFinding[];
  /** With `previous`: the message a series-wide reply ("fixed in v2") answers: the cover letter, else patch 1. */
  anchor?: ReplyAnchor | null;
}

/** A file the review could not index, and why ("larger than the 8388608-byte cap (KVM_REVIEW_MAX_FILE_BYTES)"). */
export interface UnindexedFile {
  /** A file the review would have indexed, or a directory it could not list that may hold such files. */
  file: string;
  reason: string;
}

/** A message a reply answers. */
export interface ReplyAnchor {
  messageId: string;
  subject: string;
  /** `Name <addr>`; null when unknown. */
  author: string | null;
  /** ISO 8601; null when unknown. */
  date: string | null;
}

/** A finding of an earlier version, as much as the comparison and the `fixed` list need. */
export interface PriorFinding {
  fingerprint: string;
  kind: string;
  severity: Severity;
  outer: string | null;
  inner: string | null;
  /** One sentence, as the earlier review said it. */
  message: string;
  /** Post-image path and line in the earlier version. */
  file: string;
  line: number;
  /** The earlier version's patch. */
  patch: { index: number; subject: string };
  /** The version that first reported it. */
  since: number;
  /**
   * The one build that reported it; null when more than one did (generic code). Absent in records written
   * before it was kept. A later version whose analysis of that build failed cannot call it fixed.
   */
  arch?: string | null;
  /**
   * The functions of its sites and of their call chains (post-image path, name): where a later version's
   * review must have read the code to call it fixed. Absent in records written before it was kept: the
   * finding's `file` stands for them.
   */
  functions?: CodePlace[];
}

/** A function of the code, by post-image path and name. */
export interface CodePlace {
  file: string;
  function: string;
}

/** A finding of the previous version that this one could not be compared on. */
export interface NotComparedFinding extends PriorFinding {
  /** Why, in one clause ("patch 1/2 of v2 changes kvm_vcpu_ioctl() (...), but that hunk did not apply to the tree (...)"); absent in results written before it was said. */
  reason?: string;
}

/** A finding of the previous version that the new one no longer has. */
export interface FixedFinding extends PriorFinding {
  /** The version without it. */
  fixedIn: number;
}

/** Index cache statistics of a review, summed over the states of the series. */
export interface ReviewCacheStats {
  dir: string | null;
  hits: number;
  misses: number;
  /** Entries found damaged or belonging to another file: ignored and recomputed. */
  invalid: number;
  /** Files whose bytes were read from the tree: a git revision whose blobs the cache knows reads none. */
  filesRead: number;
  warning?: string;
}
