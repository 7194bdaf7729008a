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

/**
 * What lockdep prints around a class name on a lock line
 * (`ffff888100000010 (&kvm->lock){+.+.}-{3:3}`): the address of the lock
 * instance, the class's usage bits and its wait types. Read to tell what
 * primitive the class is (primitive.ts).
 */
export interface LockNotation {
  /** The lock instance's address, null when the line has none (or hashes it). */
  address: string | null;
  /** The usage bits between the braces, `+.+.`: per irq state, the write then the read use. */
  usage: string;
  /** `-{outer:inner}` (lockdep prints the outer wait type first), null on kernels before the wait-type checks. */
  wait: { outer: number; inner: number } | null;
}

/** A lock as a report line names it: `ffff... (&kvm->lock){+.+.}-{3:3}, at: kvm_reset_vcpu+0x34/0x274`. */
export interface LockLine {
  /** The lockdep class name as printed, `&kvm->lock/1`, `(work_completion)(&w->work)`. */
  lockdep: string;
  /** The function of `at:`, null when the line has none. */
  at: string | null;
  /** The address, usage bits and wait types printed with it. */
  notation: LockNotation;
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

/** A lock primitive as the splat stage tells them apart: the kinds of the code's model, and RCU (a lockdep_map with no primitive row). */
export type SplatPrimitive = 'mutex' | 'spinlock' | 'raw_spinlock' | 'rwlock' | 'rwsem' | 'percpu_rwsem' | 'srcu' | 'rcu';

/** What the lock of a same-class nesting is, and how to tell lockdep the nesting is deliberate. */
export interface NestingAdvice {
  /** The lock's class (or lockdep name when it has none). */
  lock: string;
  /** The primitive, null when the report and the code do not say which. */
  primitive: SplatPrimitive | null;
  /** What says so, one clause each ("the stack takes it in _raw_spin_lock_irqsave()"). */
  evidence: string[];
  /** The maintainer's advice, one or two sentences. */
  advice: string;
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
  /** Not in the JSON contract (edges carry its short form in their reason): for a recursive report, what the lock is and how to annotate the nesting. */
  nesting: NestingAdvice | null;
  /** In the JSON contract as `warnings`: one sentence when the report is incomplete (its locks not read; chain entries left out, or a chain that stops before the held lock). */
  incomplete: string | null;
}

/** Everything `kvm-review splat` found. */
export interface SplatResult {
  reports: PlacedReport[];
  /** The tree placed on, null without one. */
  tree: string | null;
  /** The locking.rst read: its path, null for the embedded default. */
  doc: string | null;
  /** Things the reader must know (no tree: no sites; lockdep reports of kinds not read). */
  notes: string[];
}
