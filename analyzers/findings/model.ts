/**
 * A finding is data until a renderer touches it. Rules produce the facts;
 * the rule registry stamps kind, severity and fingerprint.
 */
import type { Quote } from '../../knowledge/doc/model.js';
import type { LockClass } from '../../knowledge/lock-names.js';
import type { ChainStep, SiteConfidence } from '../order/model.js';

export type FindingKind =
  | 'order-inversion'
  | 'srcu-violation'
  | 'cycle'
  | 'undocumented-order'
  | 'leaf-violation'
  | 'doc-stale';

export type Severity = 'error' | 'warning' | 'info';

/** A place in the code where the finding's order is taken, with the call chain to the inner acquisition. */
export interface FindingSite {
  file: string;
  /** 1-based line in `function` where the inner lock is taken or the call leading to it is made. */
  line: number;
  function: string;
  chain: ChainStep[];
  /** How the site was reached (observed code only; absent for hunk-only and doc evidence). */
  confidence?: SiteConfidence;
}

/** One link of a cycle: documented by a statement, or observed at sites. */
export interface CycleLink {
  outer: LockClass;
  inner: LockClass;
  source: 'documented' | 'observed';
  /** For documented links. */
  rule?: Quote;
  /** For observed links: a witness site. */
  site?: FindingSite;
  /** For observed links: the inner acquisition is synchronize_srcu(). */
  sync?: boolean;
}

/** Code evidence for and against an order, as in a maintainer's review. */
export interface Evidence {
  /** Sites taking the locks in the order the finding is about. */
  against: EvidenceSide;
  /** Sites taking them the other way round (the documented way), when any. */
  agreeing: EvidenceSide;
}

export interface EvidenceSide {
  count: number;
  sites: FindingSite[];
  /** How many of the `count` sites take the order only under an assumption (a condition the walk could not decide); absent when none. */
  assumed?: number;
  /** What these sites do, when it is not "take inner inside outer" ("call synchronize_srcu() under kvm->lock"). */
  label?: string;
}

/** The sites that take the order outright, or every site when all rest on an assumption: what an order the code relies on is counted by. */
export function provenCount(side: { count: number; assumed?: number }): number {
  const proven = side.count - (side.assumed ?? 0);
  return proven > 0 ? proven : side.count;
}

/** What a rule reports; the registry completes it into a Finding. */
export interface RawFinding {
  outer: LockClass | null;
  inner: LockClass | null;
  /** One sentence: what was seen, what was expected. */
  message: string;
  /** The documented statement the finding concerns, null when none. */
  rule: Quote | null;
  /** Every statement of a transitive documented path, outermost first. */
  rulePath: Quote[];
  sites: FindingSite[];
  evidence?: Evidence;
  cycle?: CycleLink[];
  /** What to do instead. */
  suggestion: string;
  /** Architecture the finding applies to (null: generic code). */
  arch: string | null;
  /** Optional: lock classes derived from a variable's name, not its declared type. */
  guessed?: string[];
  /** leaf-violation: every lock taken inside the leaf (`outer`), with its count and sites. */
  inside?: { lock: LockClass; count: number; sites: FindingSite[] }[];
}

export interface Finding extends RawFinding {
  kind: FindingKind;
  severity: Severity;
  /** Stable across re-runs, rebases and series versions: kind, classes, direction, cycle members; never a line. */
  fingerprint: string;
  /** Why the severity differs from the rule's, or anything else the reader must know. */
  note?: string;
  /** Optional: the engine's level, present only when a configured severity (--severity, the config file) changed it. */
  engineSeverity?: Severity;
}

/** A finding of any rule family (engine or doc review): what renderers accept. */
export type AnyFinding = Omit<Finding, 'kind'> & { kind: string };
