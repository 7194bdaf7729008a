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

/** Where an edge is created: the outer lock is held at file:line in function, and the chain leads to the inner acquisition. */
export interface EdgeSite {
  file: string;
  line: number;
  function: string;
  /** From this function down to the acquisition of the inner lock; one step when it is taken right here. */
  chain: ChainStep[];
  /** Line where the outer lock was taken in `function`; 0 when it is a precondition (lockdep_assert_held). */
  outerLine: number;
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
  /** The sites kept as evidence (shortest chains first), at most MAX_SITES. */
  sites: EdgeSite[];
}

/** Sites kept per edge; the count covers all of them. */
export const MAX_SITES = 12;

/** Edges that can block: a waiting acquisition, not an SRCU reader (readers never wait for each other or for locks). */
export function isBlocking(e: Pick<ObservedEdge, 'innerOp' | 'innerUse'>): boolean {
  if (e.innerOp === 'sync') return true;
  return !(e.innerUse.kind === 'srcu' && e.innerUse.mode === 'read');
}

/** Key of an edge in maps and fingerprints. */
export function edgeKey(outer: LockClass, inner: LockClass, op: InnerOp): string {
  return `${outer}\u0000${inner}\u0000${op}`;
}
