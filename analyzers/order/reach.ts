/**
 * Function summaries: every lock a function may take, directly or through
 * its callees, with the shortest call chain that takes it and the caller
 * locks released on the way. Memoised per calling context (the constant
 * arguments that matter to the function, the vendor tables the chain is
 * in); recursion and depth are bounded and counted, never silently cut.
 *
 * A memoised summary is what computing from that function gives, whatever
 * was computed before it: inside a recursion (a strongly connected part of
 * the call graph) summaries are computed afresh from the function the
 * chain entered it by, and neither read from nor put in the memo. So a
 * function's edges do not depend on the order functions are looked at,
 * and an incremental analysis (incremental.ts) can recompute a few of them
 * and keep the rest.
 *
 * What the chain had to assume travels with each lock: a reference-count
 * put reaching its destructor (knowledge/refcount-puts.ts) makes the reach
 * conditional, kept apart from unconditional reaches of the same lock.
 */
import type { LockClass } from '../../knowledge/lock-names.js';
import { externalLocks } from '../../knowledge/external-locks.js';
import { invariantsBelow } from '../../knowledge/invariants.js';
import { NOT_LAST_PUTS, notLastPut, refcountPut } from '../../knowledge/refcount-puts.js';
import type { AcquireSite, CallSite, FunctionFacts, LockUse } from '../locks/model.js';
import { archOf } from '../index/files.js';
import { argsAt, deadBy, feasible, NO_CONTEXT, relevantParams, type CallContext } from './context.js';
import type { FunctionIndex } from './function-index.js';
import type { ChainStep, InnerOp } from './model.js';
import { CallerReleases } from './releases.js';

/** A lock a function may take. */
export interface Reach {
  lock: LockUse;
  op: InnerOp;
  /** From the function down to the acquisition. */
  chain: ChainStep[];
  /** Classes held by the function's callers that are released before this acquisition. */
  dropped: LockClass[];
  subclass?: number;
  /** Table slots the chain calls through (`kvm_x86_ops.set_msr`). */
  indirect: string[];
  /** What the chain assumes that may not hold: a put dropping the last reference. Empty: nothing. */
  assumed: string[];
}

/**
 * Deepest call chain followed; deeper chains are counted in `truncated`. A
 * bound for the stack and for generated code: on the 6.1 and 6.12 trees no
 * summary reaches it (at 24, four on 6.1 x86 did, inside the MMU's
 * recursion, without changing any edge). A summary cut here holds what the
 * depth it was first reached at allowed, so a state with such a cut is
 * observed whole, never incrementally.
 */
export const MAX_DEPTH = 32;

/** keyOf()'s stand-in for a context without facts. */
const NO_FACTS: ReadonlySet<string> = new Set();
/** reachOfCall()'s answer for a call that takes nothing. */
const NO_REACH: ReadonlyMap<string, Reach> = new Map();
/** Shared empties of reach()'s loop, for the many functions and calls that release nothing. */
const NO_CLASSES: ReadonlySet<LockClass> = new Set();
const NONE: readonly LockClass[] = [];

/** Memoised summaries: per function, per context key, the reaches keyed as reach() keys them. */
export type SummaryMemo = ReadonlyMap<FunctionFacts, ReadonlyMap<string, Map<string, Reach>>>;

/**
 * A summary's key for a reach. The dropped set, _nested and what was assumed are part of it:
 * keeping only the shortest chain per class let an acquisition after dropping the caller's lock
 * hide one that does not drop it, and a conditional chain (through a put) hide an unconditional one.
 */
function reachKey(cls: LockClass, op: InnerOp, dropped: readonly LockClass[], subclass: number | undefined, assumed: boolean): string {
  const d = dropped.length === 0 ? '' : dropped.length === 1 ? (dropped[0] as string) : [...dropped].sort().join(',');
  return `${cls}\u0000${op}\u0000${d}\u0000${subclass === undefined ? '' : 'nested'}\u0000${assumed ? 'assumed' : ''}`;
}

export class Summaries {
  private readonly memo: Map<FunctionFacts, ReadonlyMap<string, Map<string, Reach>>>;
  /** The per-function maps this instance made (a seed's are copied before they are added to). */
  private readonly own = new WeakSet<ReadonlyMap<string, Map<string, Reach>>>();
  /**
   * Summaries being computed (function and context key), outermost first. A function
   * recursing in another context is computed in that one: demo(4) -> demo(n - 1) reaches
   * the `if (!level)` branch its constant caller pruned.
   */
  private readonly stack: string[] = [];
  /** Lowest stack index a recursion cut returned to, among the frames being computed. */
  private cutAt = Infinity;
  /**
   * Summaries computed under a recursion cut, or inside a recursion: they depend on the chain
   * that led there, so they are reused only within the computation that made them (the entry
   * into the recursion, or the outermost summary), never memoised. Memoising them made a later
   * caller of the inner function miss locks (order-dependent missing edges).
   */
  private partial = new Map<string, Map<string, Reach>>();
  /** Frames of each recursive component on the stack. */
  private readonly componentsOnStack = new Map<number, number>();
  /** Frames of recursive components on the stack, all components together. */
  private recursiveFrames = 0;
  private readonly relevant = new Map<FunctionFacts, number[]>();
  private readonly releases = new Map<string, LockClass[]>();
  /** Functions whose summary was cut by recursion (in-progress callee) or depth. */
  readonly truncated = new Set<string>();
  /** Call sites and acquisitions left out because a constant argument decides their branch against them. */
  pruned = 0;
  /** Summaries cut at MAX_DEPTH: what a summary memoised under such a cut holds depends on the depth it was first reached at. */
  depthCuts = 0;
  /** Sites left out because an invariant's fact decides their branch against them, by invariant id. */
  readonly ruledOut = new Map<string, number>();

  /** Vendor tables by file (a function's directory decides them). */
  private readonly fileTables = new Map<string, [string, string][]>();
  /** The tables and facts part of memo keys, per context's table map, then fact set. */
  private readonly tableKeys = new WeakMap<ReadonlyMap<string, string>, Map<ReadonlySet<string>, string>>();
  /** What each function releases of its callers' locks, itself or through a callee on every path out. */
  private readonly releasers: CallerReleases;

  /**
   * `seed`: summaries memoised in another state that hold in this one too (the functions below
   * them are the same, lines included): an incremental analysis starts from the state before's.
   * `adopt`: the seed is a map the caller made for this instance and no longer changes, used as
   * the memo itself rather than copied (a state's memo holds thousands of functions).
   */
  constructor(
    private readonly index: FunctionIndex,
    seed?: SummaryMemo,
    adopt = false,
  ) {
    this.memo = adopt && seed instanceof Map ? (seed as Map<FunctionFacts, ReadonlyMap<string, Map<string, Reach>>>) : new Map(seed ?? []);
    this.releasers = new CallerReleases(index);
  }

  /** Every summary memoised so far (a seed's included), for the next state's seed. */
  get memoised(): SummaryMemo {
    return this.memo;
  }

  /** fn's component when it recurses, else null. */
  private componentOf(fn: FunctionFacts): number | null {
    const c = this.index.componentOf(fn);
    return c.recursive ? c.id : null;
  }

  /** The context a chain is in inside `fn`: the caller's, plus the vendor tables of fn's directory. */
  enter(fn: FunctionFacts, outer: CallContext): CallContext {
    const ctx = this.withFacts(fn, outer);
    let tables = this.fileTables.get(fn.file);
    if (!tables) {
      tables = this.index.vendorTablesOf(fn.file);
      this.fileTables.set(fn.file, tables);
    }
    if (tables.length === 0 || tables.every(([s]) => ctx.tables.has(s))) return ctx;
    return { ...ctx, tables: new Map([...ctx.tables, ...tables.filter(([s]) => !ctx.tables.has(s))]) };
  }

  /** The context below `fn`: the invariants that hold below it join the chain's facts. */
  private withFacts(fn: FunctionFacts, ctx: CallContext): CallContext {
    const below = invariantsBelow(fn.name);
    if (below.length === 0) return ctx;
    const added = below.filter((i) => !ctx.facts?.has(i.id));
    if (added.length === 0) return ctx;
    return { ...ctx, facts: new Set([...(ctx.facts ?? []), ...added.map((i) => i.id)]) };
  }

  /** False (and counted) when an invariant of the chain makes the site's branch dead. */
  private live(when: CallSite['when'], ctx: CallContext): boolean {
    const dead = deadBy(when, ctx.facts);
    if (dead === undefined) return true;
    this.ruledOut.set(dead, (this.ruledOut.get(dead) ?? 0) + 1);
    return false;
  }

  /** Memo key: the context restricted to what fn's summary depends on. */
  private keyOf(fn: FunctionFacts, ctx: CallContext): string {
    let params = this.relevant.get(fn);
    if (!params) {
      params = [...relevantParams(fn)].sort((a, b) => a - b);
      this.relevant.set(fn, params);
    }
    // The tables and facts part, made once per pair of the context's table map and fact set (a chain
    // passes both down unchanged): the same string each time, whose hash V8 keeps.
    let byFacts = this.tableKeys.get(ctx.tables);
    if (!byFacts) this.tableKeys.set(ctx.tables, (byFacts = new Map()));
    const factSet = ctx.facts?.size ? ctx.facts : NO_FACTS;
    let suffix = byFacts.get(factSet);
    if (suffix === undefined) {
      const tables = [...ctx.tables].map(([s, f]) => `${s}@${f}`).sort().join(',');
      // Facts change what any callee below may take: they are part of every key they are in.
      const facts = factSet.size ? `|${[...factSet].sort().join(',')}` : '';
      suffix = `|${tables}${facts}`;
      byFacts.set(factSet, suffix);
    }
    if (params.length === 0 || ctx.args.size === 0) return suffix;
    const args = params.flatMap((p) => (ctx.args.has(p) ? [`${p}=${ctx.args.get(p)}`] : []));
    return `${args.join(',')}${suffix}`;
  }

  /** Locks `fn` may take in context `ctx`, keyed by class, operation, caller locks dropped, _nested and assumptions. */
  reach(fn: FunctionFacts, depth = 0, outer: CallContext = NO_CONTEXT): Map<string, Reach> {
    const ctx = this.enter(fn, outer);
    const key = this.keyOf(fn, ctx);
    // With no recursion on the stack fn cannot be inside one: a memoised summary is the answer, and
    // fn's component (found by walking the call graph below fn) is not needed.
    if (this.recursiveFrames === 0) {
      const memoised = this.memo.get(fn)?.get(key);
      if (memoised) return memoised;
    }
    const frame = `${fn.file}:${fn.name}:${key}`;
    // Inside a recursion (a function of fn's component is being computed): computed in this
    // entry's scope, never taken from or put in the memo, so that what is memoised is always
    // what computing from that function gives, whatever was computed before (order-independent).
    const component = this.componentOf(fn);
    const inside = component !== null && (this.componentsOnStack.get(component) ?? 0) > 0;
    const done = inside ? this.partial.get(frame) : (this.memo.get(fn)?.get(key) ?? this.partial.get(frame));
    if (done) return done;
    const onStack = this.stack.indexOf(frame);
    if (onStack >= 0 || depth > MAX_DEPTH) {
      this.truncated.add(fn.name);
      if (onStack < 0) this.depthCuts++;
      if (onStack >= 0) this.cutAt = Math.min(this.cutAt, onStack);
      return new Map();
    }
    const level = this.stack.length;
    const outerCut = this.cutAt;
    this.cutAt = Infinity;
    this.stack.push(frame);
    // Entering a recursive component: a scope of its own for the summaries computed inside it.
    const outerScope = this.partial;
    if (component !== null) {
      if (!inside) this.partial = new Map();
      this.componentsOnStack.set(component, (this.componentsOnStack.get(component) ?? 0) + 1);
      this.recursiveFrames++;
    }
    const out = new Map<string, Reach>();
    const add = (r: Reach): void => {
      const k = reachKey(r.lock.class, r.op, r.dropped, r.subclass, r.assumed.length > 0);
      const prev = out.get(k);
      if (!prev || r.chain.length < prev.chain.length) out.set(k, r);
    };
    for (const a of fn.acquires) {
      if (a.op === 'try') continue;
      if (!feasible(a.when, ctx.args)) {
        this.pruned++;
        continue;
      }
      if (!this.live(a.when, ctx)) continue;
      const r: Reach = {
        lock: a.lock,
        op: a.op,
        chain: [{ function: fn.name, file: fn.file, line: a.line }],
        dropped: [...new Set([...a.dropped, ...this.releasedBefore(a, fn.file)])],
        indirect: [],
        assumed: [],
      };
      if (a.subclass !== undefined) r.subclass = a.subclass;
      add(r);
    }
    // A class this function releases for its callers and takes again (vcpu_run() around
    // xfer_to_guest_mode_handle_work()) is the callers' lock when held here: a callee that
    // drops it drops theirs. Counting it as this function's own lost the callee's drop.
    const retaken = fn.releasesCallers.length ? new Set(fn.releasesCallers.map((u) => u.class)) : NO_CLASSES;
    for (const c of fn.calls) {
      if (!feasible(c.when, ctx.args)) {
        this.pruned++;
        continue;
      }
      if (!this.live(c.when, ctx)) continue;
      // Made when a reach through the call dropped something (few do).
      let heldHere: ReadonlySet<LockClass> | undefined;
      const released = this.releasedBefore(c, fn.file);
      const before = c.dropped.length === 0 && released.length === 0 ? NONE : [...c.dropped, ...released];
      const put = refcountPut(fn.name, c.callee);
      if (put && ctx.facts?.size && this.notLastHere(put.put, ctx)) continue;
      for (const [calleeKey, r] of this.reachOfCall(c, fn.file, depth + 1, this.callContext(fn.name, c, ctx))) {
        // A callee dropping a lock this function holds is this function's business; the rest is its callers'.
        // So is a lock of its own released before the call (kvm_set_memslot()'s kvm->slots_arch_lock, which
        // kvm_create_memslot() releases before kvm_commit_memory_region()): carried up, it kept the callers'
        // reach through the call apart from the same lock reached without it, one call site counted twice.
        if ((r.dropped.length || before.length) && !heldHere) heldHere = new Set(c.held.map((h) => h.class).filter((cls) => !retaken.has(cls)));
        const held = heldHere;
        const dropped = r.dropped.length === 0 && before.length === 0 ? [] : [...new Set([...r.dropped, ...before].filter((d) => !held?.has(d)))];
        // Most reaches lose to a chain as short through another call: asked before the longer chain is built.
        // With nothing dropped and no put, the key is the one the callee's summary has the reach under.
        const k = dropped.length === 0 && r.dropped.length === 0 && put === undefined ? calleeKey : reachKey(r.lock.class, r.op, dropped, r.subclass, put !== undefined || r.assumed.length > 0);
        const prev = out.get(k);
        if (prev && prev.chain.length <= r.chain.length + 1) continue;
        const assumed = put ? [...r.assumed, `${put.put}() drops the last reference and calls ${put.destructor}() (${put.source})`] : r.assumed;
        out.set(k, { ...r, chain: [{ function: fn.name, file: fn.file, line: c.line }, ...r.chain], dropped, assumed });
      }
    }
    this.stack.pop();
    const cut = this.cutAt < level;
    if (component !== null) {
      this.componentsOnStack.set(component, (this.componentsOnStack.get(component) ?? 1) - 1);
      this.recursiveFrames--;
      if (!inside) this.partial = outerScope;
    }
    if (cut || inside) this.partial.set(frame, out);
    else {
      const had = this.memo.get(fn);
      const byKey = had && this.own.has(had) ? (had as Map<string, Map<string, Reach>>) : new Map(had ?? []);
      this.own.add(byKey);
      this.memo.set(fn, byKey.set(key, out));
    }
    this.cutAt = Math.min(outerCut, cut ? this.cutAt : Infinity);
    if (this.stack.length === 0) this.partial.clear();
    return out;
  }

  /**
   * The context of a call from `caller`: a put its caller is known to hold another
   * reference around (knowledge/refcount-puts.ts) is entered with that fact, and does not
   * reach its destructor.
   */
  callContext(caller: string, call: CallSite, ctx: CallContext): CallContext {
    const n = notLastPut(caller, call.callee);
    if (!n || ctx.facts?.has(n.id)) return ctx;
    return { ...ctx, facts: new Set([...(ctx.facts ?? []), n.id]) };
  }

  /** True (and counted) when the context says the put being summarised is not the last. */
  private notLastHere(put: string, ctx: CallContext): boolean {
    const n = NOT_LAST_PUTS.find((x) => x.put === put && ctx.facts?.has(x.id));
    if (!n) return false;
    this.ruledOut.set(n.id, (this.ruledOut.get(n.id) ?? 0) + 1);
    return true;
  }

  /**
   * Caller-held classes released before a site by a callee called on every
   * path to it (or one of the callees each path called, releases.ts):
   * kvm_swap_active_memslots() drops kvm->slots_arch_lock, so the
   * caller's later mutex_lock() of it re-takes it rather than nesting it. A
   * callee that also takes the class (vcpu_run() drops the caller's SRCU
   * and takes it back) may return holding it: it releases nothing here.
   */
  releasedBefore(site: AcquireSite | CallSite, fromFile: string): readonly LockClass[] {
    // Asked for every site: most follow no call that releases its caller's lock.
    if (!site.after?.some((entry) => this.releasers.mayRelease(entry))) return NONE;
    const out: LockClass[] = [];
    for (const entry of site.after) {
      if (!this.releasers.mayRelease(entry)) continue;
      let rel = this.releases.get(`${fromFile}\u0000${entry}`);
      if (!rel) {
        rel = [...this.releasers.ofEntry(entry, fromFile)];
        this.releases.set(`${fromFile}\u0000${entry}`, rel);
      }
      for (const cls of rel) if (!out.includes(cls)) out.push(cls);
    }
    return out;
  }

  /**
   * Locks a call may take: the indexed definition's summary, each
   * implementation of a table slot (within the vendor's table when the chain
   * is in one), else the curated table of helpers outside the index
   * (knowledge/external-locks.ts). Keyed as reach() keys a summary (reachKey()).
   */
  reachOfCall(call: CallSite, fromFile: string, depth = 0, ctx: CallContext = NO_CONTEXT): ReadonlyMap<string, Reach> {
    const callee = call.callee;
    const args = argsAt(call, ctx);
    if (callee.startsWith('ops:')) {
      const slot = callee.slice('ops:'.length);
      const union = new Map<string, Reach>();
      for (const t of this.index.resolveSlot(callee, ctx.tables)) {
        // Landing in a vendor's table keeps the rest of the chain in it.
        const tables = this.index.isVendorStruct(t.struct) ? new Map([...ctx.tables, [t.struct, t.table]]) : ctx.tables;
        for (const [key, r] of this.reach(t.fn, depth, { ...ctx, args, tables })) {
          const prev = union.get(key);
          if (!prev || r.chain.length < prev.chain.length) union.set(key, { ...r, indirect: [slot, ...r.indirect] });
        }
      }
      return union;
    }
    const target = this.index.resolve(callee, fromFile);
    if (target) return this.reach(target, depth, { ...ctx, args });
    const ext = externalLocks(callee);
    // Most calls outside the index take nothing: one empty answer for all (callers only read it).
    if (!ext || (ext.arch && ext.arch !== archOf(fromFile) && archOf(fromFile) !== null)) return NO_REACH;
    const out = new Map<string, Reach>();
    for (const t of ext.takes) {
      const lock = { class: t.class, kind: t.kind, mode: t.mode, guessed: false, expr: `${callee}()` };
      out.set(reachKey(t.class, 'acquire', NONE, undefined, false), {
        lock,
        op: 'acquire',
        chain: [{ function: callee, file: `(outside the index: ${ext.source})`, line: 0 }],
        dropped: [],
        indirect: [],
        assumed: [],
      });
    }
    return out;
  }
}
