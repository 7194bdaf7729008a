/** Observed lock order: edges between lock classes, with the sites and call chains that create them. */
import type { LockClass } from '../../knowledge/lock-names.js';
import type { LockUse } from '../locks/model.js';

/** One step of a call chain: a call (or, last, the acquisition) at a line of a function. */
export interface ChainStep {
  function: string;
  file: string;
  /** 1-based line of the call or acquisition. */
  line: number;
}

/**
 * How an edge site was reached: taken right there (0 calls) or through
 * `calls` calls, `indirect` ones through function tables. `conditional`
 * when the chain rests on something known to be rare and unproven
 * (`assumed` says what): a reference-count put dropping the last
 * reference. Branches decided by constant arguments are pruned before a
 * site exists; a long chain stays `full` (the rules treat depth apart).
 */
export interface SiteConfidence {
  level: 'full' | 'conditional';
  /** Calls between the function holding the outer lock and the acquisition; 0 when it is taken right there. */
  calls: number;
  /** Table slots the chain calls through (`kvm_x86_ops.set_msr`). */
  indirect: string[];
  assumed: string[];
}

export function confidenceOf(chain: readonly ChainStep[], indirect: readonly string[], assumed: readonly string[]): SiteConfidence {
  return { level: assumed.length ? 'conditional' : 'full', calls: chain.length - 1, indirect: [...indirect], assumed: [...assumed] };
}

/** Where an edge is created: the outer lock is held at file:line in function, and the chain leads to the inner acquisition. */
export interface EdgeSite {
  file: string;
  line: number;
  function: string;
  /** From this function down to the acquisition of the inner lock; one step when it is taken right here. */
  chain: ChainStep[];
  /** Line where the outer lock was taken in `function`; 0 when it is a precondition (lockdep_assert_held). */
  outerLine: number;
  confidence: SiteConfidence;
}

/** How the inner lock is taken. */
export type InnerOp = 'acquire' | 'sync';

/** inner is taken (or synchronize_srcu() waits on it) while outer is held. */
export interface ObservedEdge {
  outer: LockClass;
  inner: LockClass;
  innerOp: InnerOp;
  outerUse: LockUse;
  innerUse: LockUse;
  /** The outer lock was taken by a successful trylock at every site seen. */
  outerViaTry: boolean;
  /** lockdep subclass on the inner acquisition (a _nested variant). */
  subclass?: number;
  /** Every site, counted. */
  count: number;
  /** Sites of full confidence, counted: 0 means every site rests on an assumption. */
  fullCount: number;
  /** The sites kept as evidence (shortest chains first), at most MAX_SITES. */
  sites: EdgeSite[];
}

/** Sites kept per edge (full-confidence first, then shortest chains); the count covers all of them. */
export const MAX_SITES = 12;

/** Edges that can block: a waiting acquisition, not an SRCU reader (readers never wait for each other or for locks). */
export function isBlocking(e: Pick<ObservedEdge, 'innerOp' | 'innerUse'>): boolean {
  if (e.innerOp === 'sync') return true;
  return !(e.innerUse.kind === 'srcu' && e.innerUse.mode === 'read');
}

/** Order of evidence: full-confidence sites first, then shorter chains. */
export function siteRank(s: Pick<EdgeSite, 'chain' | 'confidence'>): number {
  return (s.confidence.level === 'full' ? 0 : 1000) + s.chain.length;
}

/** Key of an edge in maps and fingerprints. */
export function edgeKey(outer: LockClass, inner: LockClass, op: InnerOp): string {
  return `${outer}\u0000${inner}\u0000${op}`;
}
