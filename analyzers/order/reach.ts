/**
 * Function summaries: every lock a function may take, directly or through
 * its callees, with the shortest call chain that takes it and the caller
 * locks released on the way. Memoised; recursion and depth are bounded and
 * counted, never silently cut.
 */
import type { LockClass } from '../../knowledge/lock-names.js';
import type { FunctionFacts, LockUse } from '../locks/model.js';
import { externalLocks } from '../../knowledge/external-locks.js';
import { archOf } from '../index/files.js';
import type { FunctionIndex } from './function-index.js';
import type { ChainStep, InnerOp } from './model.js';

/** A lock a function may take. */
export interface Reach {
  lock: LockUse;
  op: InnerOp;
  /** From the function down to the acquisition. */
  chain: ChainStep[];
  /** Classes held by the function's callers that are released before this acquisition. */
  dropped: LockClass[];
  subclass?: number;
}

/** Deepest call chain followed; deeper chains are counted in `truncated`. */
export const MAX_DEPTH = 24;

export class Summaries {
  private readonly memo = new Map<FunctionFacts, Map<string, Reach>>();
  /** Functions whose summary is being computed, outermost first. */
  private readonly stack: FunctionFacts[] = [];
  /** Lowest stack index a recursion cut returned to, among the frames being computed. */
  private cutAt = Infinity;
  /**
   * Summaries computed under a recursion cut: they miss what the cut caller takes, so they
   * are reused only until the outermost summary is done, never memoised. Memoising them made
   * a later caller of the inner function miss locks (order-dependent missing edges).
   */
  private readonly partial = new Map<FunctionFacts, Map<string, Reach>>();
  /** Functions whose summary was cut by recursion (in-progress callee) or depth. */
  readonly truncated = new Set<string>();

  constructor(private readonly index: FunctionIndex) {}

  /** Locks `fn` may take, keyed by class, operation, caller locks dropped before it and _nested. */
  reach(fn: FunctionFacts, depth = 0): Map<string, Reach> {
    const done = this.memo.get(fn) ?? this.partial.get(fn);
    if (done) return done;
    const onStack = this.stack.indexOf(fn);
    if (onStack >= 0 || depth > MAX_DEPTH) {
      this.truncated.add(fn.name);
      if (onStack >= 0) this.cutAt = Math.min(this.cutAt, onStack);
      return new Map();
    }
    const level = this.stack.length;
    const outerCut = this.cutAt;
    this.cutAt = Infinity;
    this.stack.push(fn);
    const out = new Map<string, Reach>();
    const add = (r: Reach): void => {
      // The dropped set and _nested are part of the key: keeping only the shortest chain per class
      // let an acquisition after dropping the caller's lock hide one that does not drop it.
      const key = `${r.lock.class}\u0000${r.op}\u0000${[...r.dropped].sort().join(',')}\u0000${r.subclass === undefined ? '' : 'nested'}`;
      const prev = out.get(key);
      if (!prev || r.chain.length < prev.chain.length) out.set(key, r);
    };
    for (const a of fn.acquires) {
      if (a.op === 'try') continue;
      const r: Reach = { lock: a.lock, op: a.op, chain: [{ function: fn.name, file: fn.file, line: a.line }], dropped: a.dropped };
      if (a.subclass !== undefined) r.subclass = a.subclass;
      add(r);
    }
    // A class this function releases for its callers and takes again (vcpu_run() around
    // xfer_to_guest_mode_handle_work()) is the callers' lock when held here: a callee that
    // drops it drops theirs. Counting it as this function's own lost the callee's drop.
    const retaken = new Set(fn.releasesCallers.map((u) => u.class));
    for (const c of fn.calls) {
      const heldHere = new Set(c.held.map((h) => h.class).filter((cls) => !retaken.has(cls)));
      for (const r of this.reachOfCall(c.callee, fn.file, depth + 1).values()) {
        // A callee dropping a lock this function holds is this function's business; the rest is its callers'.
        const dropped = [...new Set([...r.dropped.filter((d) => !heldHere.has(d)), ...c.dropped])];
        add({ ...r, chain: [{ function: fn.name, file: fn.file, line: c.line }, ...r.chain], dropped });
      }
    }
    this.stack.pop();
    const cut = this.cutAt < level;
    if (cut) this.partial.set(fn, out);
    else this.memo.set(fn, out);
    this.cutAt = Math.min(outerCut, cut ? this.cutAt : Infinity);
    if (this.stack.length === 0) this.partial.clear();
    return out;
  }

  /**
   * Locks a call may take: the indexed definition's summary, else the
   * curated table of helpers outside the index (knowledge/external-locks.ts).
   */
  reachOfCall(callee: string, fromFile: string, depth = 0): Map<string, Reach> {
    const targets = this.index.resolveAll(callee, fromFile);
    if (targets.length === 1 && targets[0]) return this.reach(targets[0], depth);
    if (targets.length > 1) {
      // A table slot: whatever any implementation may take, the shortest chain for each.
      const union = new Map<string, Reach>();
      for (const t of targets) {
        for (const [key, r] of this.reach(t, depth)) {
          const prev = union.get(key);
          if (!prev || r.chain.length < prev.chain.length) union.set(key, r);
        }
      }
      return union;
    }
    const ext = externalLocks(callee);
    const out = new Map<string, Reach>();
    if (!ext || (ext.arch && ext.arch !== archOf(fromFile) && archOf(fromFile) !== null)) return out;
    for (const t of ext.takes) {
      const lock = { class: t.class, kind: t.kind, mode: t.mode, guessed: false, expr: `${callee}()` };
      out.set(`${t.class}\u0000acquire`, { lock, op: 'acquire', chain: [{ function: callee, file: `(outside the index: ${ext.source})`, line: 0 }], dropped: [] });
    }
    return out;
  }
}
