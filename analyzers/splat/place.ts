/**
 * A lockdep report placed on a kernel tree and its locking.rst: each
 * dependency of the chain (and the new one) gets the functions of its stack
 * that the tree defines, the observed site that makes the same dependency,
 * the documented rule it follows or breaks, and the report gets the edge the
 * document says is wrong.
 */
import { listed } from '../counted.js';
import type { DocumentedOrder, OrderEdge, Quote } from '../../knowledge/doc/model.js';
import { edgesFor, orderPath } from '../../knowledge/doc/order-graph.js';
import type { LockClass } from '../../knowledge/lock-names.js';
import type { ObservedSummary } from '../findings/check-result.js';
import type { FindingSite } from '../findings/model.js';
import { nestedAcquisitions, reportKernel, settersFor, type AnnotationSources } from './annotation.js';
import type { AnnotatedInput } from './annotated-advice.js';
import { mapLockdepClass } from './classes.js';
import { lockLines, nestingAdvice, type ClassKinds } from './primitive.js';
import type { ClassMapping, EdgeOp, EdgeRule, Frame, LockLine, NestingAdvice, PlacedEdge, PlacedReport, SplatReport, TreeFunction } from './model.js';

const SRCU = /srcu$/;

/** What a report is placed on. */
export interface PlaceContext {
  doc: DocumentedOrder;
  /** The tree's functions by name (tree-relative files), null without a tree. */
  functions: ReadonlyMap<string, readonly string[]> | null;
  /** The tree's observed order (check's `observed`), empty without a tree. */
  observed: readonly ObservedSummary[];
  /** Optional: the primitives the tree takes each class with (what a same-class nesting is annotated with); absent without a tree. */
  kinds?: ClassKinds;
  /** Optional: the tree's text and functions, where annotations it already has are read (annotation.ts); absent without a tree. */
  annotations?: AnnotationSources;
}

/** Frames of lockdep itself and of the lock primitives: every stack has them, they say nothing about the code. */
const MACHINERY =
  /^(?:_*lock_acquire|lock_acquire|check_prev_add|check_noncircular|print_circular_bug|validate_chain|check_deadlock|print_deadlock_bug|dump_stack(?:_lvl)?|dump_backtrace|show_stack|__?mutex_lock(?:_\w+)?|mutex_lock_(?:nested|killable|interruptible)\w*|mutex_trylock|_raw_(?:spin|read|write)_\w+|down_(?:read|write)\w*|__?down_\w+|percpu_down_\w+|__synchronize_srcu|synchronize_srcu\w*|srcu_read_lock|__srcu_read_lock)$/;

/** A dependency before placement: its two lockdep names and the frames of its stack. */
interface RawEdge {
  n: number;
  outer: string;
  inner: string;
  frames: Frame[];
}

function atFrames(...names: (string | null | undefined)[]): Frame[] {
  return names.filter((n): n is string => Boolean(n)).map((n) => ({ function: n, module: null }));
}

const same = (a: string, b: string): boolean => a.replace(/\s+/g, '') === b.replace(/\s+/g, '');

/**
 * The locks of the chain by their `#k`, `#0` to the highest: `#0` is the
 * lock being acquired even when the report leaves its entry out; null
 * where an entry is missing. Null when the report prints no chain.
 */
export function chainLocks(r: SplatReport): (string | null)[] | null {
  if (r.chain.length === 0 || !r.acquiring) return null;
  const byN = new Map(r.chain.map((c) => [c.n, c.lockdep]));
  if (!byN.has(0)) byN.set(0, r.acquiring.lockdep);
  const max = Math.max(...byN.keys());
  return Array.from({ length: max + 1 }, (_, k) => byN.get(k) ?? null);
}

/** What the chain leaves out: the `#k` it cannot join (an entry on either side missing), and whether it stops short of the held lock. */
export function chainGaps(r: SplatReport): { missing: number[]; open: boolean } | null {
  const locks = chainLocks(r);
  if (!locks || !r.held) return null;
  const missing = locks.flatMap((l, k) => (k > 0 && (l === null || locks[k - 1] === null) ? [k] : []));
  const top = locks[locks.length - 1];
  return { missing, open: top === null || top === undefined || !same(top, r.held.lockdep) };
}

function listOf(ns: readonly number[]): string {
  return listed(ns.map((k) => `#${k}`));
}

/** One sentence when the chain is cut (a mail quoted part of it): what is left out and what is not known because of it. */
function incompleteText(locks: readonly (string | null)[] | null, gaps: { missing: number[]; open: boolean } | null, held: string): string | null {
  if (!locks || !gaps || (gaps.missing.length === 0 && !gaps.open)) return null;
  const parts: string[] = [];
  const absent = locks.flatMap((l, k) => (l === null ? [k] : []));
  if (absent.length) {
    const many = gaps.missing.length > 1;
    parts.push(`the report leaves out ${absent.length === 1 ? 'entry' : 'entries'} ${listOf(absent)} of the chain, so ${many ? 'dependencies' : 'dependency'} ${listOf(gaps.missing)} ${many ? 'are' : 'is'} not known`);
  }
  if (gaps.open) {
    const top = locks.length - 1;
    parts.push(`the chain stops at #${top}, before it comes back to the held lock ${held} (lockdep's highest #N is the held lock), so the dependencies after #${top} are not known`);
  }
  return `incomplete cycle: ${parts.join('; ')}`;
}

/** One sentence when the lock lines a report of its kind always prints are not there (cut after its header, or a format not known). */
function unreadLocks(r: SplatReport): string | null {
  const missing: string[] = [];
  if ((r.kind === 'circular' || r.kind === 'recursive' || r.kind === 'inconsistent') && !r.acquiring) missing.push(r.kind === 'inconsistent' ? 'the lock it takes' : 'the lock being acquired');
  if ((r.kind === 'circular' || r.kind === 'recursive') && !r.held) missing.push('the held lock');
  if (r.kind === 'max-lock-depth' && r.heldLocks.length === 0) missing.push('the held locks');
  if (missing.length === 0) return null;
  return `incomplete report: ${missing.join(' and ')} could not be read (the report stops after its header, or its lock lines are cut or in a format kvm-review does not know), so nothing of it is placed`;
}

/** The report's dependencies, as the contract numbers them. */
export function reportEdges(r: SplatReport): RawEdge[] {
  if ((r.kind === 'circular' || r.kind === 'recursive') && r.held && r.acquiring) {
    const zero = r.chain.find((c) => c.n === 0);
    const out: RawEdge[] = [
      {
        n: 0,
        outer: r.held.lockdep,
        inner: r.acquiring.lockdep,
        frames: [...(zero?.frames.length ? zero.frames : r.backtrace), ...atFrames(r.acquiring.at, r.held.at)],
      },
    ];
    // #k is the lock of #k-1 -> the lock of #k: only when the report names both (a mail may cut entries out).
    const locks = chainLocks(r) ?? [];
    for (let k = 1; k < locks.length; k++) {
      const outer = locks[k - 1];
      const inner = locks[k];
      const entry = r.chain.find((c) => c.n === k);
      if (outer && inner && entry) out.push({ n: k, outer, inner, frames: entry.frames });
    }
    return out;
  }
  if (r.kind === 'max-lock-depth') {
    // The held locks nest in order; each distinct pair is one dependency.
    const out: RawEdge[] = [];
    const seen = new Set<string>();
    r.heldLocks.forEach((l, j) => {
      const prev = r.heldLocks[j - 1];
      if (!prev) return;
      const key = `${prev.lockdep}\u0000${l.lockdep}`;
      if (seen.has(key)) return;
      seen.add(key);
      out.push({ n: j, outer: prev.lockdep, inner: l.lockdep, frames: [...(j === r.heldLocks.length - 1 ? r.backtrace : []), ...atFrames(l.at, prev.at)] });
    });
    return out;
  }
  return [];
}

function opOf(inner: LockClass | null, frames: readonly Frame[]): EdgeOp {
  if (!inner || !SRCU.test(inner)) return 'acquire';
  return frames.some((f) => /synchronize_srcu/.test(f.function)) ? 'sync' : 'read';
}

function archOf(file: string): string | null {
  return /^arch\/([^/]+)\//.exec(file)?.[1] ?? null;
}

/** The architecture the report's code ran as: from tree files of its functions, else from syscall entry frames. */
function reportArch(frames: readonly Frame[], functions: PlaceContext['functions']): string | null {
  for (const f of frames) {
    const files = functions?.get(f.function) ?? [];
    const arch = files.map(archOf).find((a) => a !== null);
    if (arch) return arch;
  }
  const names = frames.map((f) => f.function).join(' ');
  if (/\b(?:__x64_sys_\w+|x64_sys_call|do_syscall_64|entry_SYSCALL_64\w*)\b/.test(names)) return 'x86';
  if (/\b(?:__arm64_sys_\w+|el0_svc\w*|el0t_64_sync\w*)\b/.test(names)) return 'arm64';
  return null;
}

function treeFunctions(frames: readonly Frame[], ctx: PlaceContext, arch: string | null): { functions: TreeFunction[]; notInTree: string[] } {
  const functions: TreeFunction[] = [];
  const notInTree: string[] = [];
  const seen = new Set<string>();
  for (const f of frames) {
    if (seen.has(f.function) || MACHINERY.test(f.function)) continue;
    seen.add(f.function);
    const files = ctx.functions?.get(f.function) ?? [];
    const file = files.find((p) => archOf(p) === arch) ?? files.find((p) => archOf(p) === null) ?? files[0];
    if (file) functions.push({ function: f.function, file });
    else notInTree.push(f.function);
  }
  return { functions, notInTree };
}

function verb(op: EdgeOp): string {
  return op === 'sync' ? 'calls synchronize_srcu() on' : op === 'read' ? 'enters a read-side section of' : 'takes';
}

function where(s: FindingSite): string {
  const chain = s.chain.length > 1 ? ` via ${s.chain.slice(1).map((c) => `${c.function}()`).join(' -> ')}` : '';
  return `${s.function}() (${s.file}:${s.line})${chain}`;
}

function score(s: FindingSite, stack: ReadonlySet<string>): number {
  return (stack.has(s.function) ? 2 : 0) + s.chain.filter((c) => c.function !== s.function && stack.has(c.function)).length;
}

function bestSite(sites: readonly FindingSite[], stack: ReadonlySet<string>): { site: FindingSite; score: number } | null {
  let best: { site: FindingSite; score: number } | null = null;
  for (const site of sites) {
    const sc = score(site, stack);
    if (!best || sc > best.score) best = { site, score: sc };
  }
  return best;
}

/** The sites of an observed edge that the report's architecture builds: generic code and its own arch/<a>/. */
function sitesFor(e: ObservedSummary, arch: string | null): FindingSite[] {
  if (!arch) return e.sites;
  return e.sites.filter((s) => [s.file, ...s.chain.map((c) => c.file)].every((f) => archOf(f) === null || archOf(f) === arch));
}

function placeSite(
  outer: ClassMapping,
  inner: ClassMapping,
  op: EdgeOp,
  stack: ReadonlySet<string>,
  inTree: number,
  ctx: PlaceContext,
  arch: string | null,
): { site: FindingSite | null; reason: string } {
  if (!outer.class || !inner.class) {
    const missing = !outer.class ? outer : inner;
    return { site: null, reason: `not placed: ${missing.lockdep} has ${missing.reason.replace(/^no class here: /, 'no class here (')})` };
  }
  if (!ctx.functions) return { site: null, reason: 'not placed: no kernel tree given (--tree DIR)' };
  const innerOp = op === 'sync' ? 'sync' : 'acquire';
  const observed = ctx.observed.find((e) => e.outer === outer.class && e.inner === inner.class && e.innerOp === innerOp && (!arch || e.archs.includes(arch)));
  if (observed) {
    const sites = sitesFor(observed, arch);
    const best = bestSite(sites, stack);
    if (best && best.score > 0) {
      return { site: best.site, reason: `${where(best.site)} ${verb(op)} ${inner.class} while holding ${outer.class}, as the report's stack does` };
    }
    const first = sites[0] ?? null;
    return {
      site: first,
      reason: `the tree ${verb(op)} ${inner.class} inside ${outer.class} at ${observed.count} site${observed.count === 1 ? '' : 's'}${observed.count > sites.length ? ` (${sites.length} kept as evidence)` : ''}, none ${observed.count > sites.length ? 'of those kept ' : ''}in this stack${inTree === 0 ? ' (no function of the stack is in the tree: another version?)' : ''}; e.g. ${first ? where(first) : 'an unknown site'}`,
    };
  }
  // Not this order: does the stack take the inner lock under something else in this tree?
  for (const e of ctx.observed) {
    if (e.inner !== inner.class || e.innerOp !== innerOp) continue;
    const best = bestSite(sitesFor(e, arch), stack);
    if (best && best.score > 0) {
      return { site: null, reason: `not placed: the tree never ${verb(op)} ${inner.class} inside ${outer.class}; this stack's ${where(best.site)} does it under ${e.outer} instead` };
    }
  }
  if (inTree === 0) return { site: null, reason: 'not placed: no function of its stack is in the tree (another version?)' };
  return { site: null, reason: `not placed: the tree never ${verb(op)} ${inner.class} inside ${outer.class} (another version?)` };
}

function quoteOf(path: readonly OrderEdge[]): Quote {
  const [first] = path;
  if (path.length === 1 && first) return { line: first.line, text: first.text };
  return { line: first?.line ?? 0, text: path.map((p, i) => (i === 0 ? p.text : `and locking.rst:${p.line}: ${p.text}`)).join('; ') };
}

/** The documented rule an edge follows or breaks, and how strongly (1 direct, 2 through a path, 3 the leaf claim). */
function ruleOf(outer: LockClass, inner: LockClass, op: EdgeOp, arch: string | null, doc: DocumentedOrder): { rule: EdgeRule; rank: number } | null {
  if (outer === inner) return null;
  const a = arch ?? undefined;
  const srcuOuter = SRCU.test(outer);
  const fwd = orderPath(doc.edges, outer, inner, a);
  if (fwd) return { rule: { ...quoteOf(fwd), verdict: 'follows' }, rank: fwd.length === 1 ? 1 : 2 };
  const back = orderPath(doc.edges, inner, outer, a);
  if (back) return { rule: { ...quoteOf(back), verdict: 'breaks' }, rank: back.length === 1 ? 1 : 2 };
  // "Everything else is a leaf": a documented lock no statement puts outside another takes nothing inside it.
  const edges = edgesFor(doc.edges, a);
  const documented = new Set([...edges.flatMap((e) => [e.outer, e.inner]), ...doc.locks.map((l) => l.name), ...doc.srcu.map((s) => s.lock)]);
  if (doc.leafClaim && !srcuOuter && op !== 'read' && documented.has(outer) && !edges.some((e) => e.outer === outer)) {
    return { rule: { line: doc.leafClaim.line, text: doc.leafClaim.text, verdict: 'breaks' }, rank: 3 };
  }
  return null;
}

/** Classes the document and the tree's code use: what lockdep names are mapped onto. */
export function knownClasses(ctx: PlaceContext): Set<LockClass> {
  const out = new Set<LockClass>();
  for (const e of ctx.doc.edges) out.add(e.outer).add(e.inner);
  for (const l of ctx.doc.locks) out.add(l.name);
  for (const s of ctx.doc.srcu) out.add(s.lock);
  for (const e of ctx.observed) out.add(e.outer).add(e.inner);
  return out;
}

/** Places one report. */
export function placeReport(r: SplatReport, ctx: PlaceContext, known: ReadonlySet<LockClass> = knownClasses(ctx)): PlacedReport {
  const mappings = new Map<string, ClassMapping>();
  const mapped = (name: string): ClassMapping => {
    let m = mappings.get(name);
    if (!m) mappings.set(name, (m = mapLockdepClass(name, known)));
    return m;
  };
  // Every class the report names, the held-locks list included, in the order it names them.
  for (const l of [r.acquiring, r.held, ...r.chain, ...r.heldLocks]) if (l) mapped(l.lockdep);

  const raw = reportEdges(r);
  const arch = reportArch([...raw.flatMap((e) => e.frames), ...r.backtrace], ctx.functions);
  const all = lockLines(r);
  // Same-class nesting is annotated with the _nested() variant of the lock's own primitive: say which, from the report and the code.
  const nestingOf = (e: RawEdge, cls: LockClass | null, subclass: number | null, functions: readonly TreeFunction[]): ReturnType<typeof nestingAdvice> => {
    const recursive = r.kind === 'recursive' && e.n === 0;
    const line = (name: string): LockLine | null => [...all].reverse().find((l) => l.lockdep === name) ?? null;
    return nestingAdvice({
      annotated: recursive ? annotatedAt(r, cls, subclass, functions, ctx.annotations, arch) : undefined,
      lock: cls ?? e.inner,
      cls,
      inner: recursive ? r.acquiring : line(e.inner),
      outer: recursive ? r.held : line(e.outer),
      frames: recursive ? r.backtrace : [],
      all,
      kinds: ctx.kinds,
      tree: ctx.functions !== null,
    });
  };
  let nesting: NestingAdvice | null = null;
  const ranks = new Map<number, number>();
  const edges: PlacedEdge[] = raw.map((e) => {
    const outer = mapped(e.outer);
    const inner = mapped(e.inner);
    const op = opOf(inner.class, e.frames);
    const { functions, notInTree } = treeFunctions(e.frames, ctx, arch);
    const stack = new Set(functions.map((f) => f.function));
    const { site, reason } = placeSite(outer, inner, op, stack, functions.length, ctx, arch);
    const found = outer.class && inner.class ? ruleOf(outer.class, inner.class, op, arch, ctx.doc) : null;
    if (found) ranks.set(e.n, found.rule.verdict === 'breaks' ? found.rank : 0);
    // One class on both sides: by the project's class, or by lockdep's name when kvm-review has no class for it.
    const selfEdge = outer.class !== null ? outer.class === inner.class : inner.class === null && same(e.outer.replace(/\/\d+$/, ''), e.inner.replace(/\/\d+$/, ''));
    const advice = selfEdge || (r.kind === 'recursive' && e.n === 0) ? nestingOf(e, inner.class, inner.subclass, functions) : null;
    if (advice && r.kind === 'recursive' && e.n === 0) nesting = { lock: advice.lock, primitive: advice.primitive, evidence: advice.evidence, advice: advice.advice };
    return {
      n: e.n,
      outer: outer.class,
      inner: inner.class,
      outerLockdep: e.outer,
      innerLockdep: e.inner,
      functions,
      notInTree,
      // A copy: --repo adds the commit to it, the check result stays as it was.
      site: site ? { ...site } : null,
      reason: selfEdge && advice ? `${reason}; same class nested: ${advice.short}` : reason,
      rule: found?.rule ?? null,
      wrong: false,
      op,
    };
  });
  const gaps = r.kind === 'circular' ? chainGaps(r) : null;
  const chain = r.kind === 'circular' ? chainLocks(r) : null;
  const incomplete = unreadLocks(r) ?? incompleteText(chain, gaps, r.held?.lockdep ?? '');
  const wrongEdge = chooseWrong(edges, ranks, incomplete === null);
  return { kind: r.kind, locks: [...mappings.values()], edges, wrongEdge, report: r, arch, chain, incomplete, nesting };
}

/**
 * What the tree already annotates for a recursive report's lock: the
 * _nested() calls of the function that takes the inner lock (lockdep's
 * `at:`, else the innermost function of the stack the tree defines), and
 * the lockdep_set_*() calls that give it the class the report names.
 */
function annotatedAt(
  r: SplatReport,
  cls: LockClass | null,
  subclass: number | null,
  functions: readonly TreeFunction[],
  src: AnnotationSources | undefined,
  arch: string | null,
): Omit<AnnotatedInput, 'lock' | 'nested'> | undefined {
  if (!src || !r.acquiring) return undefined;
  const fn = r.acquiring.at ?? functions[0]?.function;
  return {
    acquiring: r.acquiring.lockdep,
    subclass: subclass ?? 0,
    kernel: reportKernel(r.text),
    calls: fn ? nestedAcquisitions(src, fn, cls, arch) : [],
    setters: settersFor(src, r.acquiring.lockdep),
  };
}

/**
 * The edge to break, by the document: the one that breaks a rule (a direct
 * statement before a path, a path before the leaf claim); else, when the
 * document orders every other edge of the cycle, the one it does not
 * (only when the report prints the whole cycle).
 */
function chooseWrong(edges: PlacedEdge[], ranks: ReadonlyMap<number, number>, whole: boolean): number | null {
  const breaking = edges.filter((e) => e.rule?.verdict === 'breaks').sort((a, b) => (ranks.get(a.n) ?? 9) - (ranks.get(b.n) ?? 9));
  const pick = breaking[0];
  if (pick) {
    pick.wrong = true;
    pick.why = `locking.rst:${pick.rule?.line} says "${pick.rule?.text}"; this dependency takes ${pick.inner} inside ${pick.outer}`;
    return pick.n;
  }
  const cycle = edges.filter((e) => e.outer !== e.inner);
  const open = cycle.filter((e) => !e.rule);
  const only = open[0];
  if (whole && cycle.length > 1 && open.length === 1 && only && only.outer && only.inner) {
    only.wrong = true;
    only.why = 'locking.rst orders every other dependency of the cycle, so this is the one that closes it';
    return only.n;
  }
  return null;
}
