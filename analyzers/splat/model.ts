/**
 * A lockdep report as data: what `kvm-review splat` reads out of a mail or a
 * console log (report.ts), and the same report placed on a kernel tree and
 * its locking.rst (place.ts). The JSON contract is `SplatResult`'s
 * projection in bot/render/splat/json.ts.
 */
import type { FindingSite } from '../findings/model.js';
import type { LockClass } from '../../knowledge/lock-names.js';

/** What lockdep complained about, from the report's WARNING/BUG line. */
export type SplatKind = 'circular' | 'recursive' | 'inconsistent' | 'suspicious-rcu' | 'max-lock-depth';

/** One stack frame, `? ` frames and bare addresses left out. */
export interface Frame {
  /** Function name without a compiler suffix (`.isra.0`, `.constprop.0`). */
  function: string;
  /** Module in brackets (`kvm`, `kvm_intel`), null for built-in code. */
  module: string | null;
}

/** A lock as a report line names it: `ffff... (&kvm->lock){+.+.}-{3:3}, at: kvm_reset_vcpu+0x34/0x274`. */
export interface LockLine {
  /** The lockdep class name as printed, `&kvm->lock/1`, `(work_completion)(&w->work)`. */
  lockdep: string;
  /** The function of `at:`, null when the line has none. */
  at: string | null;
}

/** `-> #N (class){...}:` and the stack under it: where lockdep recorded that dependency. */
export interface ChainEntry {
  n: number;
  lockdep: string;
  frames: Frame[];
}

/** A lockdep report read out of text. */
export interface SplatReport {
  kind: SplatKind;
  /** The header line as printed ("WARNING: possible circular locking dependency detected"). */
  title: string;
  /** Where the report starts: the message (1-based, 0 for plain text), its subject and Message-ID, and the 1-based line in its body. */
  where: { message: number; subject: string | null; messageId: string | null; line: number };
  /** "is trying to acquire lock:" (the `takes:` lock of an inconsistent-state report). */
  acquiring: LockLine | null;
  /** "but task is already holding lock:". */
  held: LockLine | null;
  /** The existing dependency chain, highest N first as lockdep prints it. */
  chain: ChainEntry[];
  /** "N locks held by comm/pid:", in order. */
  heldLocks: LockLine[];
  /** "stack backtrace:" / "Call trace:" frames. */
  backtrace: Frame[];
  /** The normalised text (quoting, timestamps and wrapping removed): two reports with the same text are one. */
  text: string;
}

/** How a lockdep class name was turned into a project class. */
export interface ClassMapping {
  lockdep: string;
  /** The canonical class, null when kvm-review has no class for it. */
  class: LockClass | null;
  /** One sentence: how it was mapped, or why it has no class here. */
  reason: string;
  /** `/N` of the name: a lockdep subclass (mutex_lock_nested). */
  subclass: number | null;
}

/** A function of an edge's stack found in the tree. */
export interface TreeFunction {
  function: string;
  /** Tree-relative file that defines it. */
  file: string;
}

/** The commit that added the inner acquisition at a site (`--repo`). */
export interface SiteCommit {
  sha: string;
  subject: string;
  author: string;
  /** Author date, ISO 8601. */
  date: string;
  /** The acquisition line blamed: tree-relative file and 1-based line. */
  file: string;
  line: number;
}

/** The observed site an edge matches, with the commit that added it when asked. */
export interface PlacedSite extends FindingSite {
  commit?: SiteCommit;
}

/** A documented rule an edge follows or breaks. */
export interface EdgeRule {
  /** 1-based line in locking.rst. */
  line: number;
  text: string;
  verdict: 'follows' | 'breaks';
}

/** How the inner lock of an edge is taken. */
export type EdgeOp = 'acquire' | 'read' | 'sync';

/** One dependency of the report, placed on the tree and the document. */
export interface PlacedEdge {
  /** The `#N` of the chain entry; 0 for the new dependency. */
  n: number;
  outer: LockClass | null;
  inner: LockClass | null;
  outerLockdep: string;
  innerLockdep: string;
  /** Functions of its stack that the tree defines, innermost first. */
  functions: TreeFunction[];
  /** Functions of its stack the tree does not define (another version, or code outside the index). */
  notInTree: string[];
  site: PlacedSite | null;
  /** One sentence: where the edge was placed, or why it was not. */
  reason: string;
  rule: EdgeRule | null;
  /** The edge the document says is wrong: break the cycle here. */
  wrong: boolean;
  /** Not in the JSON contract: how the inner lock is taken (synchronize_srcu() is `sync`). */
  op: EdgeOp;
  /** Not in the JSON contract: why the edge is the wrong one, when it is. */
  why?: string;
}

/** A report placed on a tree. */
export interface PlacedReport {
  kind: SplatKind;
  locks: ClassMapping[];
  edges: PlacedEdge[];
  /** `n` of the wrong edge, null when the document does not decide. */
  wrongEdge: number | null;
  /** Not in the JSON contract: where the report was read. */
  report: SplatReport;
  /** Not in the JSON contract: the architecture the report's code ran as, when the frames say. */
  arch: string | null;
  /**
   * Not in the JSON contract: the locks of a circular report's chain, `#0`
   * (the lock being acquired) to its highest `#N`, null where the report
   * leaves an entry out; null for a report without a chain.
   */
  chain: (string | null)[] | null;
  /** Not in the JSON contract: one sentence when the report is incomplete (its locks not read; chain entries left out, or a chain that stops before the held lock). */
  incomplete: string | null;
}

/** Everything `kvm-review splat` found. */
export interface SplatResult {
  reports: PlacedReport[];
  /** The tree placed on, null without one. */
  tree: string | null;
  /** The locking.rst read: its path, null for the embedded default. */
  doc: string | null;
  /** Things the reader must know (no tree: no sites). */
  notes: string[];
}
