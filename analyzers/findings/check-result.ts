/** The result of `kvm-review check`: the JSON contract (see README). */
import type { DocSource, OrderEdge } from '../../knowledge/doc/model.js';
import type { LockClass } from '../../knowledge/lock-names.js';
import type { Finding, FindingSite } from './model.js';

/** An observed edge as the contract shows it. */
export interface ObservedSummary {
  outer: LockClass;
  inner: LockClass;
  /** 'sync' when the inner "acquisition" is synchronize_srcu(). */
  innerOp: 'acquire' | 'sync';
  /** False for edges that cannot block (into an SRCU read-side section). */
  blocking: boolean;
  count: number;
  /** Sites of full confidence: 0 when every site rests on an assumption (a refcount put, a very deep chain). */
  fullCount: number;
  /** 'conditional' when every site is: such an edge is never an error or a proposal on its own. */
  confidence: 'full' | 'conditional';
  sites: FindingSite[];
  /** Architectures whose build has this edge. */
  archs: string[];
}

export interface CheckStats {
  tree: string;
  archs: string[];
  files: number;
  bytes: number;
  functions: { clean: number; damaged: number; skipped: number };
  /** Functions the parser could not extract, with the reason. */
  skipped: { file: string; line: number; name: string | null; reason: string }[];
  /** Lock arguments that could not be turned into a class. */
  unresolvedLocks: number;
  /**
   * Calls to names no indexed function defines (outside the index, or through pointers), counted
   * each time a summary follows one (a call in a function summarised in three contexts counts three
   * times); the largest architecture's count. A measure of how much the walk could not see, not a
   * number of call sites.
   */
  unresolvedCalls: number;
  /** Function summaries cut by recursion or depth. */
  truncatedSummaries: number;
  /** Invariants the code relies on (knowledge/invariants.ts) that removed chains, with how many sites they left out (summed over architectures). */
  invariants: { id: string; statement: string; source: string; sitesLeftOut: number }[];
  cache: { dir: string | null; hits: number; misses: number };
  /** Wall time in milliseconds. */
  ms: { index: number; analyse: number };
}

/**
 * A finding about the tree's locking.rst itself rather than its code: a
 * sentence that reads like a rule but was not understood, or the document
 * contradicting itself. Placed in the document: `file` (relative to the
 * tree) and `line`.
 */
export interface DocumentFinding extends Omit<Finding, 'kind'> {
  kind: 'doc-unrecognized' | 'doc-conflict';
  file: string;
  line: number;
}

export interface CheckResult {
  doc: DocSource;
  findings: (Finding | DocumentFinding)[];
  documented: OrderEdge[];
  observed: ObservedSummary[];
  stats: CheckStats;
}

/** What the engine's audit of a tree gives: code findings only; `check` adds the document's own (DocumentFinding). */
export interface AuditResult extends Omit<CheckResult, 'findings'> {
  findings: Finding[];
}
