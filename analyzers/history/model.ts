/**
 * The weekly digest as data (`kvm-review digest --format json`): how
 * locking.rst and the code drifted apart over a window of git history.
 * Renderers read only this; it is plain JSON (no Maps, no Dates).
 */
import type { Quote } from '../../knowledge/doc/model.js';
import type { LockClass } from '../../knowledge/lock-names.js';
import type { FindingSite, Severity } from '../findings/model.js';
import type { ChainStep } from '../order/model.js';
import type { RuleChange, RuleChangeKind } from './rule-diff.js';

/** A commit as the digest names it. */
export interface CommitRef {
  /** Full object id. */
  hash: string;
  subject: string;
  /** `Name <email>`. */
  author: string;
  /** Committer date, ISO 8601 UTC. */
  date: string;
}

/** "The document this week": a commit that touched locking.rst and what it changed as rules. */
export interface DocumentCommit extends CommitRef {
  changes: RuleChange[];
}

/** An observed edge between documented locks that a commit added or removed. */
export interface CodeEdgeChange {
  change: 'added' | 'removed';
  outer: LockClass;
  inner: LockClass;
  /** 'sync' when the inner "acquisition" is synchronize_srcu(). */
  innerOp: 'acquire' | 'sync';
  /** The function holding the outer lock at the first site (in the tree where the edge exists). */
  function: string;
  file: string;
  /** 1-based line of the site. */
  line: number;
  chain: ChainStep[];
  /** 'conditional' when every site rests on an assumption (a refcount put). */
  confidence: 'full' | 'conditional';
  archs: string[];
}

/** "The code this week": a commit that changed indexed code and the edges it changed. */
export interface CodeCommit extends CommitRef {
  edges: CodeEdgeChange[];
}

/** When a drift item was first seen in the history the digest examined. */
export interface FirstSeen {
  commit: CommitRef;
  /** 'introduced': an earlier examined state did not have it; 'at-least-since': it was there at the oldest state examined. */
  how: 'introduced' | 'at-least-since';
}

interface DriftItemBase {
  /** Stable across runs and line moves (the check finding's fingerprint, or one derived the same way). */
  fingerprint: string;
  /** Architectures whose build shows it; empty for the document's own items. */
  archs: string[];
  firstSeen: FirstSeen | null;
}

/** A documented rule the code contradicts (order-inversion, srcu-violation, cycle). */
export interface ContradictedItem extends DriftItemBase {
  kind: 'order-inversion' | 'srcu-violation' | 'cycle';
  severity: Severity;
  outer: LockClass | null;
  inner: LockClass | null;
  message: string;
  rule: Quote | null;
  /** Sites taking the order against the rule, full-confidence first (at most 3), with chains. */
  sites: FindingSite[];
  count: number;
  note?: string;
}

/** An order the code relies on that locking.rst does not state (full-confidence edges only). */
export interface UndocumentedItem extends DriftItemBase {
  outer: LockClass;
  inner: LockClass;
  /** Sites (file, line, function), each once across architectures. */
  sites: number;
  example: FindingSite;
}

/** A lock the "everything else is a leaf" claim makes a leaf, and what the code takes inside it. */
export interface LeafItem extends DriftItemBase {
  lock: LockClass;
  rule: Quote;
  inside: { lock: LockClass; sites: number; example: FindingSite }[];
}

/** A documented lock no indexed code takes. */
export interface StaleItem extends DriftItemBase {
  lock: LockClass;
  rule: Quote | null;
}

/** An error of the document with itself (a cycle, an SRCU conflict). */
export interface DocumentItem extends DriftItemBase {
  kind: string;
  severity: Severity;
  message: string;
  lines: number[];
}

export type DriftSection = 'contradicted' | 'undocumented' | 'leaf' | 'stale' | 'document';
export const DRIFT_SECTIONS: readonly DriftSection[] = ['contradicted', 'undocumented', 'leaf', 'stale', 'document'];

/** The drift at one commit. */
export interface Drift {
  /** The commit; null when there is none (a window starting at the root). */
  at: CommitRef | null;
  contradicted: ContradictedItem[];
  undocumented: UndocumentedItem[];
  leaf: LeafItem[];
  stale: StaleItem[];
  document: DocumentItem[];
  /** What could not be seen at this commit (no locking.rst, no KVM code). */
  notes: string[];
}

/** A drift item new or fixed between the window's start and end. */
export interface DriftChange {
  section: DriftSection;
  fingerprint: string;
  /** One line: `kvm->lock -> vcpu->mutex (order-inversion)`. */
  title: string;
}

/** Counts per section at the last commit of an ISO week. */
export interface TrendWeek {
  /** ISO week, `2026-W03`. */
  week: string;
  /** The commit whose state is counted; null when the history has none by then. */
  commit: string | null;
  counts: Record<DriftSection, number>;
}

export interface Digest {
  repo: string;
  window: {
    /** The state before the window (A of A..B); null when the window reaches the root. */
    from: CommitRef | null;
    to: CommitRef;
    /** --since, ISO, when the window was given by date. */
    since: string | null;
    /** Commits in the window. */
    commits: number;
    /** Trend weeks. */
    weeks: number;
  };
  /** One paragraph: what changed and what is wrong now. */
  summary: string;
  document: DocumentCommit[];
  code: CodeCommit[];
  drift: Drift;
  since: { new: DriftChange[]; fixed: DriftChange[] };
  /** Oldest week first; the last one holds the window's end. */
  trend: TrendWeek[];
  /** What the digest could not see (empty window, shallow clone, no locking.rst...). */
  notes: string[];
}

/** How the digest says each kind of rule change (data, so renderers never branch on a kind's name). */
export const RULE_CHANGE_LABELS: Record<RuleChangeKind, string> = {
  'rule-added': 'rule added',
  'rule-removed': 'rule removed',
  'rule-reworded': 'rule reworded',
  'lock-added': 'lock added to the table',
  'lock-dropped': 'lock dropped from the table',
  'srcu-changed': 'SRCU rule changed',
  'doc-conflict': 'the document now contradicts itself',
};

/** Rule changes that name a lock of the table rather than quote a statement. */
export const TABLE_CHANGES: readonly RuleChangeKind[] = ['lock-added', 'lock-dropped'];
