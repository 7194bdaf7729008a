/**
 * The result of `kvm-review mbox`: the JSON contract (README). Findings
 * are placed on the post-image line of the patch they are about.
 */
import type { DocSource } from '../../knowledge/doc/model.js';
import type { LockClass } from '../../knowledge/lock-names.js';
import type { Finding, FindingKind } from '../findings/model.js';
import type { ChainStep } from '../order/model.js';
import type { FileDiff } from '../series/model.js';
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
}

export interface PatchReview {
  /** k of [PATCH k/M]; 1 for a lone [PATCH]. */
  index: number;
  subject: string;
  messageId: string | null;
  author: string | null;
  date: string | null;
  status: 'reviewed' | 'skipped' | 'failed';
  /** Why, when not reviewed (and what was partial when reviewed with failures). */
  reason?: string;
  findings: ReviewFinding[];
  /** Observed edges this patch removes. */
  removedEdges: { outer: LockClass; inner: LockClass }[];
  /** Hunks that did not apply. */
  applyFailures: ApplyFailure[];
  /** The patch's diff, for renderers that quote it (email). */
  files: FileDiff[];
  /** The Message-IDs the patch replies to, for an email reply's References. */
  references: string[];
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
  };
  /** tree: against a kernel tree; hunk-only: the hunks alone against the embedded order. */
  mode: 'tree' | 'hunk-only';
  /** What hunk-only mode cannot see; null with a tree. */
  degraded: string | null;
  tree: string | null;
  doc: DocSource;
  patches: PatchReview[];
  /** Input-level notes: other versions present, messages that were not patches, warnings. */
  notes: string[];
}
