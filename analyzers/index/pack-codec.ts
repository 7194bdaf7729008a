/**
 * The facts of a pack (pack.ts) as written: the same values in less text
 * and fewer objects, because a fresh process pays for every byte it hashes
 * and parses and for every object the parse makes and the collector then
 * walks (issue 15). On a 6.12 tree most call sites' `held` and `dropped`
 * are empty, a few hundred held locks are repeated thousands of times, half
 * the `after` lists and three quarters of the argument lists repeat: so
 * empty lists are left out, and held locks, callee names and the lists
 * sites repeat are written once, in tables, and named by index.
 *
 * unpackFacts() gives back values equal to those packed, keys in the same
 * order (their JSON text is the same). Lists and held locks read from a
 * table are shared by the sites that named them, and every empty list left
 * out is one frozen empty array: facts read from the cache are shared
 * already and never changed (cache.ts), and a change would throw rather
 * than reach another site. A field this codec does not know is an error
 * when packing, never dropped.
 */
import type { AcquireSite, ArgValue, CallSite, FunctionFacts, HeldLock, LockUse, ParamCond } from '../locks/model.js';
import type { FileFacts } from './index-tree.js';

/** A call site: callee (index into `names`), line, held list (index, absent: none), dropped, args, when, after (indexes). */
interface PackedCall {
  c: number;
  l: number;
  h?: number;
  d?: string[];
  a?: number;
  w?: number;
  f?: number;
}

/** An acquire site: lock, line, op, held list, dropped, subclass, when, after. */
interface PackedAcquire {
  k: LockUse;
  l: number;
  o: AcquireSite['op'];
  h?: number;
  d?: string[];
  s?: number;
  w?: number;
  f?: number;
}

/** A function: file absent when it is the file's own; empty lists absent. */
interface PackedFunction {
  n: string;
  f?: string;
  l: number;
  e: number;
  s: boolean;
  q?: PackedAcquire[];
  c?: PackedCall[];
  r?: LockUse[];
  x?: LockUse[];
  /** exitAfter, an index into the `after` lists. */
  a?: number;
  u?: FunctionFacts['unresolved'];
  m: boolean;
  z?: string;
}

type PackedFile = Omit<FileFacts, 'functions'> & { functions: PackedFunction[] };

/** The packed facts of a state: its files, and the tables their sites name. */
export interface PackedFacts {
  files: PackedFile[];
  /** Distinct held locks. */
  held: HeldLock[];
  /** Distinct non-empty held lists, as indexes into `held`. */
  heldLists: number[][];
  /** Distinct argument lists. */
  args: ArgValue[][];
  /** Distinct `when` lists. */
  whens: ParamCond[][];
  /** Callee and `after` names. */
  names: string[];
  /**
   * Distinct `after` lists, each as how many names of the one before it it starts with, then
   * its other names (indexes into `names`): a function's lists mostly grow one call at a time.
   */
  afters: number[][];
}

const FILE_KEYS = ['file', 'arch', 'bytes', 'functions', 'clean', 'damaged', 'skipped', 'ops', 'structs', 'lookups', 'blanks'];
const FUNCTION_KEYS = ['name', 'file', 'line', 'endLine', 'static', 'acquires', 'calls', 'requires', 'releasesCallers', 'exitAfter', 'unresolved', 'damaged', 'notAnalysed'];
const CALL_KEYS = ['callee', 'line', 'held', 'dropped', 'args', 'when', 'after'];
const ACQUIRE_KEYS = ['lock', 'line', 'op', 'held', 'dropped', 'subclass', 'when', 'after'];

/** A value's fields must be those the codec writes: a field added to the facts is packed or refused, never lost. */
function known(value: object, keys: readonly string[], what: string): void {
  for (const k of Object.keys(value)) if (!keys.includes(k)) throw new Error(`pack: ${what} has a field the pack codec does not know: ${k}`);
}

/** Distinct values by their JSON text, each named by its index. */
class Table<T> {
  readonly values: T[] = [];
  private readonly index = new Map<string, number>();

  add(value: T, text: string = JSON.stringify(value)): number {
    let i = this.index.get(text);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value);
      this.index.set(text, i);
    }
    return i;
  }
}

/** `files` as written in a pack. Throws on a field it does not know. */
export function packFacts(files: readonly FileFacts[]): PackedFacts {
  const held = new Table<HeldLock>();
  const heldLists = new Table<number[]>();
  const names = new Table<string>();
  const args = new Table<ArgValue[]>();
  const whens = new Table<ParamCond[]>();
  const afters = new Table<string[]>();
  const site = (s: CallSite | AcquireSite): { h?: number; d?: string[] } => ({
    ...(s.held.length ? { h: heldLists.add(s.held.map((x) => held.add(x))) } : {}),
    ...(s.dropped.length ? { d: s.dropped } : {}),
  });
  const tail = (s: CallSite | AcquireSite): { w?: number; f?: number } => ({
    ...(s.when !== undefined ? { w: whens.add(s.when) } : {}),
    ...(s.after !== undefined ? { f: afters.add(s.after) } : {}),
  });
  const packed = files.map((file): PackedFile => {
    known(file, FILE_KEYS, file.file);
    const functions = file.functions.map((fn): PackedFunction => {
      known(fn, FUNCTION_KEYS, `${file.file}: ${fn.name}`);
      const acquires = fn.acquires.map((a): PackedAcquire => {
        known(a, ACQUIRE_KEYS, `${file.file}: ${fn.name}: an acquire site`);
        return { k: a.lock, l: a.line, o: a.op, ...site(a), ...(a.subclass !== undefined ? { s: a.subclass } : {}), ...tail(a) };
      });
      const calls = fn.calls.map((c): PackedCall => {
        known(c, CALL_KEYS, `${file.file}: ${fn.name}: a call site`);
        return { c: names.add(c.callee, c.callee), l: c.line, ...site(c), ...(c.args !== undefined ? { a: args.add(c.args) } : {}), ...tail(c) };
      });
      return {
        n: fn.name,
        ...(fn.file !== file.file ? { f: fn.file } : {}),
        l: fn.line,
        e: fn.endLine,
        s: fn.static,
        ...(acquires.length ? { q: acquires } : {}),
        ...(calls.length ? { c: calls } : {}),
        ...(fn.requires.length ? { r: fn.requires } : {}),
        ...(fn.releasesCallers.length ? { x: fn.releasesCallers } : {}),
        ...(fn.exitAfter !== undefined ? { a: afters.add(fn.exitAfter) } : {}),
        ...(fn.unresolved.length ? { u: fn.unresolved } : {}),
        m: fn.damaged,
        ...(fn.notAnalysed !== undefined ? { z: fn.notAnalysed } : {}),
      };
    });
    return { ...file, functions };
  });
  let before: string[] = [];
  const deltas = afters.values.map((after) => {
    let k = 0;
    while (k < after.length && k < before.length && after[k] === before[k]) k++;
    before = after;
    return [k, ...after.slice(k).map((n) => names.add(n, n))];
  });
  return { files: packed, held: held.values, heldLists: heldLists.values, args: args.values, whens: whens.values, names: names.values, afters: deltas };
}

/** The empty list every list left out is read back as (a fresh one per site cost ~80,000 arrays on a 6.12 tree). */
const NONE: never[] = Object.freeze([]) as unknown as never[];

/** A table entry a pack names, or an error (a pack that passed its hash but not this: another codec's). */
function at<T>(table: readonly T[], i: number): T {
  const v = table[i];
  if (v === undefined) throw new Error(`pack: index ${i} outside its table`);
  return v;
}

/**
 * The facts packFacts() packed, keys in the order the walk makes them. Objects are built
 * with their fields in one order per shape, so that they share V8's hidden classes.
 */
export function unpackFacts(packed: PackedFacts): FileFacts[] {
  const lists: HeldLock[][] = packed.heldLists.map((l) => l.map((i) => at(packed.held, i)));
  const heldOf = (h: number | undefined): HeldLock[] => (h === undefined ? NONE : at(lists, h));
  let before: string[] = [];
  const afters = packed.afters.map((delta) => {
    const k = delta[0] as number;
    if (!(k >= 0 && k <= before.length)) throw new Error(`pack: an after list starts with ${k} names of one that has ${before.length}`);
    const after = before.slice(0, k);
    for (let i = 1; i < delta.length; i++) after.push(at(packed.names, delta[i] as number));
    before = after;
    return after;
  });
  return packed.files.map((file): FileFacts => {
    const functions = file.functions.map((fn): FunctionFacts => {
      const out: FunctionFacts = {
        name: fn.n,
        file: fn.f ?? file.file,
        line: fn.l,
        endLine: fn.e,
        static: fn.s,
        acquires: fn.q ? fn.q.map(unpackAcquire) : NONE,
        calls: fn.c ? fn.c.map(unpackCall) : NONE,
        requires: fn.r ?? NONE,
        releasesCallers: fn.x ?? NONE,
        unresolved: fn.u ?? NONE,
        damaged: fn.m,
      };
      if (fn.a !== undefined) out.exitAfter = at(afters, fn.a);
      if (fn.z !== undefined) out.notAnalysed = fn.z;
      return out;
    });
    return {
      file: file.file,
      arch: file.arch,
      bytes: file.bytes,
      functions,
      clean: file.clean,
      damaged: file.damaged,
      skipped: file.skipped,
      ops: file.ops,
      structs: file.structs,
      lookups: file.lookups,
      blanks: file.blanks,
    };
  });

  function unpackCall(c: PackedCall): CallSite {
    const out: CallSite = { callee: at(packed.names, c.c), line: c.l, held: heldOf(c.h), dropped: c.d ?? NONE };
    if (c.a !== undefined) out.args = at(packed.args, c.a);
    if (c.w !== undefined) out.when = at(packed.whens, c.w);
    if (c.f !== undefined) out.after = at(afters, c.f);
    return out;
  }

  function unpackAcquire(a: PackedAcquire): AcquireSite {
    const out: AcquireSite = { lock: a.k, line: a.l, op: a.o, held: heldOf(a.h), dropped: a.d ?? NONE };
    if (a.s !== undefined) out.subclass = a.s;
    if (a.w !== undefined) out.when = at(packed.whens, a.w);
    if (a.f !== undefined) out.after = at(afters, a.f);
    return out;
  }
}
