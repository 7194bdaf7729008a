/**
 * Harness for the held-lock walk: parse fixtures under fixtures/locks/ the
 * way the index does (C stage, fixture-local struct types, typeEnv), walk
 * every function, and answer the questions the tests ask in compact form:
 * edges as `outer -> inner` strings, the classes held at one acquisition or
 * call, a function's requires and releasesCallers.
 *
 * Lines are given as markers: a piece of text that occurs on exactly one
 * line of the function (`'mutex_lock(&kvm->slots_lock)'`, or a comment
 * such as `'/* inner *\/'`), so fixtures can grow without renumbering tests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFile } from '../../analyzers/c/parse-file.js';
import { mergeStructTypes } from '../../analyzers/c/struct-types.js';
import { typeEnv } from '../../analyzers/index/index-tree.js';
import type { AcquireSite, CallSite, FunctionFacts } from '../../analyzers/locks/model.js';
import { walkFunction } from '../../analyzers/locks/walk.js';
import type { ObservedEdge } from '../../analyzers/order/model.js';
import { observeOrder, type ObservedOrder } from '../../analyzers/order/observe.js';
import { FIXTURES } from '../helpers/paths.js';

/** `outer -> inner`, with ` (sync)` when the inner operation is synchronize_srcu(). */
export function edgeText(e: Pick<ObservedEdge, 'outer' | 'inner' | 'innerOp'>): string {
  return `${e.outer} -> ${e.inner}${e.innerOp === 'sync' ? ' (sync)' : ''}`;
}

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

/** Lock facts of one or more fixture files, walked together, with queries. */
export class Walked {
  private observed: ObservedOrder | null = null;

  constructor(
    /** Every function of every file, in file then source order. */
    readonly functions: FunctionFacts[],
    private readonly sources: ReadonlyMap<string, string[]>,
  ) {}

  /** The function called `name` (in `file` when several files define it); throws when missing or ambiguous. */
  fn(name: string, file?: string): FunctionFacts {
    const found = this.functions.filter((f) => f.name === name && (file === undefined || f.file.endsWith(file)));
    if (found.length !== 1) {
      throw new Error(`${found.length} functions named ${name}${file ? ` in ${file}` : ''}; have: ${this.functions.map((f) => f.name).join(', ')}`);
    }
    return found[0] as FunctionFacts;
  }

  /** 1-based line of the only line of function `fnName` that contains `marker`. */
  line(fnName: string, marker: string, file?: string): number {
    const f = this.fn(fnName, file);
    const lines = this.sources.get(f.file) ?? [];
    const hits: number[] = [];
    for (let n = f.line; n <= f.endLine; n++) if (lines[n - 1]?.includes(marker)) hits.push(n);
    if (hits.length !== 1) throw new Error(`marker ${JSON.stringify(marker)} is on ${hits.length} lines of ${fnName} (${hits.join(', ')})`);
    return hits[0] as number;
  }

  /** Acquisition sites of `lock` in `fnName` (at the marker's line when given). */
  acquires(fnName: string, lock: string, marker?: string, file?: string): AcquireSite[] {
    const at = marker === undefined ? undefined : this.line(fnName, marker, file);
    return this.fn(fnName, file).acquires.filter((a) => a.lock.class === lock && (at === undefined || a.line === at));
  }

  /**
   * Classes that may be held (by the function, preconditions included) when
   * `lock` is acquired, over every recorded site at the marker's line; throws
   * when there is none, so a wrong marker cannot pass as "nothing held".
   */
  heldAt(fnName: string, lock: string, marker?: string, file?: string): string[] {
    const sites = this.acquires(fnName, lock, marker, file);
    if (sites.length === 0) throw new Error(`no acquisition of ${lock} in ${fnName}${marker ? ` at ${JSON.stringify(marker)}` : ''}`);
    return sorted(sites.flatMap((s) => s.held.map((h) => h.class)));
  }

  /** Call sites of `callee` in `fnName` (at the marker's line when given). */
  calls(fnName: string, callee: string, marker?: string, file?: string): CallSite[] {
    const at = marker === undefined ? undefined : this.line(fnName, marker, file);
    return this.fn(fnName, file).calls.filter((c) => c.callee === callee && (at === undefined || c.line === at));
  }

  /** Classes that may be held at the call of `callee`; throws when there is no such call. */
  heldAtCall(fnName: string, callee: string, marker?: string, file?: string): string[] {
    const sites = this.calls(fnName, callee, marker, file);
    if (sites.length === 0) throw new Error(`no call of ${callee} in ${fnName}${marker ? ` at ${JSON.stringify(marker)}` : ''}`);
    return sorted(sites.flatMap((s) => s.held.map((h) => h.class)));
  }

  /** Caller-held classes released on every path before the call of `callee`. */
  droppedAtCall(fnName: string, callee: string, marker?: string, file?: string): string[] {
    return sorted(this.calls(fnName, callee, marker, file).flatMap((s) => s.dropped));
  }

  /** requires of `fnName`, as classes. */
  requires(fnName: string, file?: string): string[] {
    return sorted(this.fn(fnName, file).requires.map((u) => u.class));
  }

  /** releasesCallers of `fnName`, as classes. */
  releasesCallers(fnName: string, file?: string): string[] {
    return sorted(this.fn(fnName, file).releasesCallers.map((u) => u.class));
  }

  /** Edges made by the function's own acquisitions (no callees): `outer -> inner`. */
  localEdges(fnName: string, file?: string): string[] {
    const out: string[] = [];
    for (const a of this.fn(fnName, file).acquires) {
      if (a.op === 'try') continue;
      for (const h of a.held) out.push(edgeText({ outer: h.class, inner: a.lock.class, innerOp: a.op }));
    }
    return sorted(out);
  }

  /** observeOrder over every walked function (computed once). */
  order(): ObservedOrder {
    this.observed ??= observeOrder(this.functions);
    return this.observed;
  }

  /** Every observed edge, as `outer -> inner` strings. */
  edges(): string[] {
    return sorted(this.order().edges.map(edgeText));
  }

  /** Observed edges with at least one site in `fnName`, directly or through its callees. */
  edgesIn(fnName: string, file?: string): string[] {
    const f = this.fn(fnName, file);
    return sorted(this.order().edges.filter((e) => e.sites.some((s) => s.function === f.name && s.file === f.file)).map(edgeText));
  }

  /** The observed edge `outer -> inner` (acquire unless op says sync); throws when absent. */
  edge(outer: string, inner: string, op: ObservedEdge['innerOp'] = 'acquire'): ObservedEdge {
    const e = this.order().edges.find((x) => x.outer === outer && x.inner === inner && x.innerOp === op);
    if (!e) throw new Error(`no edge ${outer} -> ${inner} (${op}); have: ${this.edges().join('; ')}`);
    return e;
  }

  /** The chains of the edge's sites in `fnName`, each as the function names from `fnName` down to the acquisition. */
  chains(outer: string, inner: string, fnName: string): string[][] {
    return this.edge(outer, inner)
      .sites.filter((s) => s.function === fnName)
      .map((s) => s.chain.map((c) => c.function));
  }

  /** Lock expressions of `fnName` that got no class. */
  unresolved(fnName: string, file?: string): string[] {
    return this.fn(fnName, file).unresolved.map((u) => u.expr);
  }
}

/** Tree-relative path of a fixture under fixtures/locks/. */
export const fixturePath = (name: string): string => `fixtures/locks/${name}`;

/**
 * Parse and walk fixtures/locks/NAME for each name: each file's own struct
 * definitions type its functions (as mergeStructTypes(parsed.structs) does
 * for fixture-local structs in the index), and all functions are returned
 * together so observeOrder resolves calls across them.
 */
export async function walkFixtures(...names: string[]): Promise<Walked> {
  const functions: FunctionFacts[] = [];
  const sources = new Map<string, string[]>();
  const empty = mergeStructTypes([]);
  for (const name of names) {
    const text = readFileSync(join(FIXTURES, 'locks', name), 'utf8');
    const parsed = await parseFile(fixturePath(name), text);
    try {
      const local = mergeStructTypes(parsed.structs);
      for (const f of parsed.functions) functions.push(walkFunction(f, typeEnv(f, empty, local)));
    } finally {
      parsed.dispose();
    }
    sources.set(fixturePath(name), text.split('\n'));
  }
  return new Walked(functions, sources);
}

/**
 * One table row: a function of a fixture and what the walk must say about
 * it. Keys of `held` are `CLASS @ MARKER` (the acquisition of CLASS on the
 * marker's line); keys of `calls` are `CALLEE @ MARKER`.
 */
export interface WalkCase {
  /** The outcome word (validated / reported / noisy / missing) and what the row shows. */
  name: string;
  /** Fixture file(s) under fixtures/locks/, walked together. */
  fixture: string | string[];
  fn: string;
  /** Classes that may be held at each acquisition. */
  held?: Record<string, string[]>;
  /** Classes that may be held at each call. */
  calls?: Record<string, string[]>;
  /** Exactly the observed edges with a site in fn (its own and its callees'), `outer -> inner`. */
  edges?: string[];
  requires?: string[];
  releasesCallers?: string[];
}

type Expectations = Omit<WalkCase, 'name' | 'fixture' | 'fn'>;

const cache = new Map<string, Promise<Walked>>();

/** The fixtures of a case, walked once per test file. */
export function walkedFor(fixture: string | string[]): Promise<Walked> {
  const names = typeof fixture === 'string' ? [fixture] : fixture;
  const key = names.join(',');
  let w = cache.get(key);
  if (!w) {
    w = walkFixtures(...names);
    cache.set(key, w);
  }
  return w;
}

function keyed(key: string): [string, string] {
  const at = key.indexOf(' @ ');
  if (at < 0) throw new Error(`expected "CLASS @ MARKER", got ${JSON.stringify(key)}`);
  return [key.slice(0, at), key.slice(at + 3)];
}

const mapValues = (r: Record<string, string[]>, f: (k: string, v: string[]) => string[]): Record<string, string[]> =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, f(k, v)]));

/** The case's expectations, normalised (sets sorted) for toEqual. */
export function expected(c: WalkCase): Expectations {
  const out: Expectations = {};
  if (c.held) out.held = mapValues(c.held, (_, v) => sorted(v));
  if (c.calls) out.calls = mapValues(c.calls, (_, v) => sorted(v));
  if (c.edges) out.edges = sorted(c.edges);
  if (c.requires) out.requires = sorted(c.requires);
  if (c.releasesCallers) out.releasesCallers = sorted(c.releasesCallers);
  return out;
}

/** What the walk says about the things the case asks, in the case's shape. */
export function actual(w: Walked, c: WalkCase): Expectations {
  const out: Expectations = {};
  if (c.held) out.held = mapValues(c.held, (k) => w.heldAt(c.fn, ...keyed(k)));
  if (c.calls) out.calls = mapValues(c.calls, (k) => w.heldAtCall(c.fn, ...keyed(k)));
  if (c.edges) out.edges = w.edgesIn(c.fn);
  if (c.requires) out.requires = w.requires(c.fn);
  if (c.releasesCallers) out.releasesCallers = w.releasesCallers(c.fn);
  return out;
}
