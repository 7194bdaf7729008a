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
  private readonly active = new Set<FunctionFacts>();
  /** Functions whose summary was cut by recursion (in-progress callee) or depth. */
  readonly truncated = new Set<string>();

  constructor(private readonly index: FunctionIndex) {}

  /** Locks `fn` may take, keyed by class and operation. */
  reach(fn: FunctionFacts, depth = 0): Map<string, Reach> {
    const done = this.memo.get(fn);
    if (done) return done;
    if (this.active.has(fn) || depth > MAX_DEPTH) {
      this.truncated.add(fn.name);
      return new Map();
    }
    this.active.add(fn);
    const out = new Map<string, Reach>();
    const add = (r: Reach): void => {
      const key = `${r.lock.class}\u0000${r.op}`;
      const prev = out.get(key);
      if (!prev || r.chain.length < prev.chain.length) out.set(key, r);
    };
    for (const a of fn.acquires) {
      if (a.op === 'try') continue;
      const r: Reach = { lock: a.lock, op: a.op, chain: [{ function: fn.name, file: fn.file, line: a.line }], dropped: a.dropped };
      if (a.subclass !== undefined) r.subclass = a.subclass;
      add(r);
    }
    for (const c of fn.calls) {
      const heldHere = new Set(c.held.map((h) => h.class));
      for (const r of this.reachOfCall(c.callee, fn.file, depth + 1).values()) {
        // A callee dropping a lock this function holds is this function's business; the rest is its callers'.
        const dropped = [...new Set([...r.dropped.filter((d) => !heldHere.has(d)), ...c.dropped])];
        add({ ...r, chain: [{ function: fn.name, file: fn.file, line: c.line }, ...r.chain], dropped });
      }
    }
    this.active.delete(fn);
    this.memo.set(fn, out);
    return out;
  }

  /**
   * Locks a call may take: the indexed definition's summary, else the
   * curated table of helpers outside the index (knowledge/external-locks.ts).
   */
  reachOfCall(callee: string, fromFile: string, depth = 0): Map<string, Reach> {
    const fn = this.index.resolve(callee, fromFile);
    if (fn) return this.reach(fn, depth);
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
