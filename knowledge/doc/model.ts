/**
 * The documented lock order: what locking.rst says, as typed facts.
 *
 * Every fact keeps the 1-based line of the statement it came from and the
 * statement's text, so that a review can quote it. This is the `doc` JSON
 * contract; fields marked "extension" are additions to the contract.
 */
import type { LockClass } from '../lock-names.js';
import type { LockKind } from '../lock-primitives-model.js';

/** Where a statement sits in the document. */
export type Origin =
  /** a bullet or sentence of "Acquisition Orders" */
  | 'order-list'
  /** the SRCU rules */
  | 'srcu'
  /** a lock's `:Comment:` field in the Reference table */
  | 'comment'
  /** a prose paragraph, e.g. under "cpus_read_lock() vs kvm_lock:" */
  | 'prose';

/** A quotable place in the document. */
export interface Quote {
  /** 1-based line where the statement starts. */
  line: number;
  /** The statement as written, markup removed and white space folded. */
  text: string;
}

/** `outer -> inner`: inner is acquired while outer is held. */
export interface OrderEdge extends Quote {
  outer: LockClass;
  inner: LockClass;
  /** Architecture the rule is scoped to ("x86", "arm64"), null for every architecture. */
  arch: string | null;
  /** Extension: where the statement sits. */
  origin: Origin;
  /**
   * Extension: how the edge involves kvm->srcu. `synchronize` is `X -> kvm->srcu`
   * (synchronize_srcu() is called while X is held); `read-side` is
   * `kvm->srcu -> X` (X is taken inside a read-side critical section).
   */
  srcu?: 'synchronize' | 'read-side';
  /** Extension: a condition the statement puts on the rule ("when VMs have multiple planes"). */
  condition?: string;
}

/** Whether a lock may be taken inside a kvm->srcu read-side critical section. */
export interface SrcuRule extends Quote {
  lock: LockClass;
  /** false: synchronize_srcu(&kvm->srcu) runs under this lock, so taking it inside a reader deadlocks. */
  allowedInReadSide: boolean;
  /** Extension: architecture scope, null for all. */
  arch: string | null;
  /** Extension: a condition the statement puts on the rule ("except during VM creation"). */
  condition?: string;
}

/** An entry of the "Reference" lock table. */
export interface LockEntry {
  /** Canonical class name. */
  name: LockClass;
  /** Other names for the class, including the table's own spelling when it differs. */
  aliases: string[];
  /** `:Type:` as written ("mutex", "spinlock_t or rwlock_t"), null when absent. */
  type: string | null;
  /** `:Arch:` as written ("any", "x86"), null when absent. */
  arch: string | null;
  /** 1-based line of the entry's heading. */
  line: number;
  /**
   * Extension: 1-based line of the `:Arch:` field, null when absent. What is said about the field
   * itself (a word no architecture, "the lock table's entry, :Arch: x86") points here, not at the heading.
   */
  archLine: number | null;
  /** Extension: `:Protects:` items. */
  protects: string[];
  /** Extension: line of the `:Comment:` field, null when absent. */
  commentLine: number | null;
}

/** "MMU notifiers must not take X": a context in which locks must not be taken. */
export interface ContextRule extends Quote {
  /** The context, as the document names it. */
  context: string;
  forbidden: LockClass[];
  arch: string | null;
  /** Extension: a condition the statement puts on the rule. */
  condition?: string;
}

/**
 * "No other mutex should be taken inside kvm_lock", a lock's `:Comment:` "Do not
 * take any mutex inside": a lock that is a leaf by its own statement, for
 * every lock or for locks of some kinds only (the "Everything else is a leaf"
 * claim is `leafClaim`).
 */
export interface LeafRule extends Quote {
  lock: LockClass;
  /** The kinds of lock that must not be taken inside it (LockKind names: "mutex"), null for every lock. */
  kinds: LockKind[] | null;
  /** Architecture scope, null for all. */
  arch: string | null;
  /** A condition the statement puts on the rule. */
  condition?: string;
}

/** A documented order the document itself warns about ("problematic, despite being the official ordering"). */
export interface Caution extends Quote {
  outer: LockClass;
  inner: LockClass;
}

/** A statement of lock type inside the order list ("kvm->arch.mmu_lock is an rwlock"). */
export interface TypeStatement extends Quote {
  lock: LockClass;
  type: string;
}

/** A sentence that looks like an ordering rule but that the reader did not understand. */
export interface Unrecognized extends Quote {
  /**
   * Extension: what was not understood ("wording not understood", "lock name
   * not understood: kvm->locks[1]", a lock the rule as read does not use).
   * Facts read from the sentence, if any, are kept in the other lists.
   */
  reason?: string;
  /**
   * Extension: set when the sentence was read, but for an architecture the
   * reader does not know ("On x68:", "On ia64:"): every architecture its
   * facts are scoped to, and those of them not known.
   */
  scopedTo?: { archs: string[]; unknown: string[] };
  /**
   * Extension: set when the sentence introduces an example scenario ("For
   * example, ... the following can happen:") and the list after it: the
   * last line of its steps and how many sentences they hold. None of it is
   * read as a rule.
   */
  example?: { endLine: number; steps: number };
}

/** A consistency problem of the document itself. */
export interface DocProblem {
  kind: 'cycle' | 'not-in-table' | 'not-ordered' | 'two-names' | 'srcu-conflict' | 'no-order';
  /** Extension. */
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** 1-based lines of the statements involved. */
  lines: number[];
  /** A cycle through an architecture's own rules: that architecture (a rule "On x86 and arm64:" can close one on each). */
  arch?: string;
}

/** Where the order was read from. */
export interface DocSource {
  kind: 'file' | 'tree' | 'embedded';
  /** Path of the file read, null for the embedded default. */
  path: string | null;
  /** SHA-1 of the file's bytes. */
  sha1: string;
  /** For the embedded default: which revision it was generated from. */
  revision?: string;
}

/** Everything locking.rst states about lock order. */
export interface DocumentedOrder {
  source: DocSource;
  edges: OrderEdge[];
  srcu: SrcuRule[];
  locks: LockEntry[];
  /** Extension. */
  contexts: ContextRule[];
  /** Extension: the "Everything else is a leaf" claim, null when the document makes none. */
  leafClaim: Quote | null;
  /** Extension: locks the document makes leaves by name, of every lock or of some kinds. */
  leaves: LeafRule[];
  /** Extension. */
  cautions: Caution[];
  /** Extension. */
  types: TypeStatement[];
  unrecognized: Unrecognized[];
  problems: DocProblem[];
  /** Extension: things the reader noticed about the input itself (CRLF line endings). */
  notes: string[];
}
