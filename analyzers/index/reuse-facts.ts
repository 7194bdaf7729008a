/**
 * Re-walking a patched file keeps the facts of the functions the patch did
 * not touch. The held-lock walk of a function reads its definition (lines
 * `line`..`endLine`: declarator, annotations, body, as written and as
 * pre-blanked), the file's struct definitions and the tree's struct types,
 * and nothing else of the file. A function of the new text whose lines, as
 * written and as pre-blanked, are those of a function the old text had (the
 * same name, the lines moved as the patch moved them), and whose struct
 * lookups are answered as they were, has the facts it had, with its lines
 * moved. What the patch changed is parsed again: the definitions it touched,
 * and the stretches between definitions where it changed a line (whose
 * structs and function tables must read as they did); or, where that cannot
 * be promised, the whole file. The walk is the judge, this only spares it
 * work it would repeat.
 *
 * Lines are compared as a line diff of the two texts: the stretches it
 * keeps, and how far each moved. Pre-blanked lines are compared by the
 * digest each function's facts keep of them (FileFacts.blanks), so the text
 * before the patch is pre-blanked again only when the patch changed a
 * directive (which may change how kept lines are blanked). The struct types are compared as the walk
 * asked them: each function's facts name the `struct.member` types its walk
 * looked up (FileFacts.lookups), so a header patch that changes a struct
 * walks again only the functions that asked for a member it now types
 * otherwise (TypeChange), in every file, and keeps the rest.
 */
import { diffArrays } from 'diff';
import type { Range } from 'web-tree-sitter';
import { extractFunctions } from '../c/functions.js';
import type { CFunction, CStructDef, StructTypes } from '../c/model.js';
import type { ParsedFile } from '../c/parse-file.js';
import { cParser } from '../c/parser.js';
import { preprocess } from '../c/preprocess.js';
import { readBodyTables, readOpsTables, type COpsEntry } from '../c/ops-tables.js';
import { memberType, mergeStructTypes, readStructs } from '../c/struct-types.js';
import type { FunctionFacts } from '../locks/model.js';
import { structsFromJson, structsToJson, type CachedStructs } from './cached-structs.js';
import { blankDigest, lineStarts, walkWithLookups, type Walked } from './file-facts.js';
import type { FileFacts } from './index-tree.js';

/** A file as the state before the patch had it: its text and the facts walked from it. */
export interface EarlierFile {
  text: string;
  facts: FileFacts;
}

/**
 * A change of the struct types, as the walk sees it: a function's walk asked for `struct.member`
 * types (FileFacts.lookups), from its file's arch; it would walk the same while each answer
 * (memberType()) is the same. A field added to `struct kvm` re-walks only what asked for that field.
 */
export class TypeChange {
  private readonly names: Set<string>;
  private readonly answers = new Map<string, boolean>();

  constructor(
    private readonly before: StructTypes,
    private readonly after: StructTypes,
  ) {
    this.names = before === after ? new Set() : changedStructs(before, after);
  }

  /** Would the walk of the `i`th function of `facts` get another answer to a lookup it made? */
  affects(facts: FileFacts, i: number): boolean {
    if (!this.names.size) return false;
    for (const key of facts.lookups[i] ?? []) {
      const at = key.lastIndexOf('.');
      const struct = key.slice(0, at);
      if (!this.names.has(struct)) continue;
      const k = `${facts.arch ?? ''}\u0000${key}`;
      let other = this.answers.get(k);
      if (other === undefined) {
        const member = key.slice(at + 1);
        other = memberType(this.before, struct, member, facts.arch) !== memberType(this.after, struct, member, facts.arch);
        this.answers.set(k, other);
      }
      if (other) return true;
    }
    return false;
  }
}

const NO_TYPES = mergeStructTypes([]);

/** No change of the struct types. */
const SAME = new TypeChange(NO_TYPES, NO_TYPES);

/** A file's own struct types, as the walk reads them before the tree's (none when the file defines none). */
const fileTypes = (structs: readonly CStructDef[]): StructTypes => (structs.length ? mergeStructTypes(structs) : NO_TYPES);

/** Struct names whose definitions differ between two struct types (as memberType() sees them: arch and members, in order). */
export function changedStructs(before: StructTypes, after: StructTypes): Set<string> {
  const seen = (t: StructTypes, n: string): string => JSON.stringify((t.definitions.get(n) ?? []).map((d) => [d.arch, [...d.members]]));
  // The definitions of a file the patch left alone are the objects they were: only the others are compared as text.
  const same = (a: readonly CStructDef[] | undefined, b: readonly CStructDef[] | undefined): boolean =>
    a !== undefined && b !== undefined && a.length === b.length && a.every((d, i) => d === b[i]);
  const out = new Set<string>();
  for (const n of new Set([...before.definitions.keys(), ...after.definitions.keys()])) {
    if (!same(before.definitions.get(n), after.definitions.get(n)) && seen(before, n) !== seen(after, n)) out.add(n);
  }
  return out;
}

/** A stretch of lines the patch kept: its first line (1-based) in each text, and its length. */
interface Kept {
  before: number;
  after: number;
  length: number;
}

/** The stretches of `after` that are lines of `before`, in order: common ends, then a diff of the middle. */
function keptStretches(before: readonly string[], after: readonly string[]): Kept[] {
  const n = Math.min(before.length, after.length);
  let head = 0;
  while (head < n && before[head] === after[head]) head++;
  let tail = 0;
  while (tail < n - head && before[before.length - 1 - tail] === after[after.length - 1 - tail]) tail++;
  const out: Kept[] = head ? [{ before: 1, after: 1, length: head }] : [];
  let b = head;
  let a = head;
  // Only the middle is diffed: a patch changes a few lines of a file of thousands.
  for (const part of diffArrays(before.slice(head, before.length - tail), after.slice(head, after.length - tail))) {
    const k = part.count ?? part.value.length;
    if (part.added) a += k;
    else if (part.removed) b += k;
    else {
      out.push({ before: b + 1, after: a + 1, length: k });
      b += k;
      a += k;
    }
  }
  if (tail) out.push({ before: before.length - tail + 1, after: after.length - tail + 1, length: tail });
  return out;
}

/** Lines (1-based) of a text of `count` lines outside the kept stretches, on the side `side` names. */
function changedLines(kept: readonly Kept[], count: number, side: 'before' | 'after'): number[] {
  const out: number[] = [];
  let next = 1;
  for (const k of kept) {
    for (let l = next; l < k[side]; l++) out.push(l);
    next = k[side] + k.length;
  }
  for (let l = next; l <= count; l++) out.push(l);
  return out;
}

const DIRECTIVE = /^\s*#/;
const BLANK = /^\s*$/;

/** `facts` with every line moved by `delta` (0 is no line: a precondition, left as it is). */
function moved<T>(facts: T, delta: number): T {
  return delta === 0 ? facts : (shifted(facts, delta) as T);
}

/** A copy of `v` with each `line` and `endLine` above 0 moved by `delta` (for...in: a file's kept functions are copied on every patch). */
function shifted(v: unknown, delta: number): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = shifted(v[i], delta);
    return out;
  }
  const from = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k in from) {
    const x = from[k];
    out[k] = (k === 'line' || k === 'endLine') && typeof x === 'number' ? (x > 0 ? x + delta : x) : shifted(x, delta);
  }
  return out;
}

/**
 * The facts the walk would give each function of `parsed` (the file's new
 * text `text`, parsed whole) that the patch left as it was in `earlier`: by
 * function, to use instead of walking it. Left as it was: the same name and
 * lines as written (moved), the same pre-blanked lines (so a directive the
 * patch changed left them alone), parsed cleanly, and every struct member
 * its walk asked for typed as before, by the tree and by the file.
 */
export function unchangedFacts(earlier: EarlierFile, text: string, parsed: ParsedFile, types: TypeChange = SAME): Map<CFunction, Walked> {
  const out = new Map<CFunction, Walked>();
  if (earlier.facts.file !== parsed.file || !Array.isArray(earlier.facts.structs)) return out;
  const before = earlier.text.split('\n');
  const after = text.split('\n');
  const kept = keptStretches(before, after);
  // The file is parsed whole, so lines changed outside definitions (a prototype, a new function, a
  // directive) change nothing a kept function's walk reads but its file's structs, which it looks
  // up before the tree's: a function that asked for a member they now type otherwise is walked again.
  const local = new TypeChange(fileTypes(structsFromJson(earlier.facts.structs)), fileTypes(parsed.structs));

  const starts = lineStarts(parsed.blanked);
  // Functions that looked up a struct the types changed are walked again.
  const old = new Map<string, Walked & { blank: string }>();
  earlier.facts.functions.forEach((fn, i) => {
    const blank = earlier.facts.blanks[i];
    if (blank !== undefined && !fn.damaged && !types.affects(earlier.facts, i) && !local.affects(earlier.facts, i)) old.set(`${fn.name}\u0000${fn.line}\u0000${fn.endLine}`, { facts: fn, lookups: earlier.facts.lookups[i] ?? [], blank });
  });
  for (const fn of parsed.functions) {
    if (fn.damaged) continue;
    const k = kept.find((s) => s.after <= fn.line && fn.endLine < s.after + s.length);
    if (!k) continue;
    const delta = k.after - k.before;
    const was = old.get(`${fn.name}\u0000${fn.line - delta}\u0000${fn.endLine - delta}`);
    if (!was || was.facts.static !== fn.static) continue;
    // The same lines as written (a kept stretch): the same pre-blanked lines too, or the walk reads another text.
    if (blankDigest(parsed.blanked, starts, fn) === was.blank) out.set(fn, { facts: moved(was.facts, delta), lookups: was.lookups });
  }
  return out;
}

/** The after line of a before line the patch kept, or undefined (it changed). */
function mapLine(kept: readonly Kept[], line: number): number | undefined {
  const k = kept.find((s) => s.before <= line && line < s.before + s.length);
  return k ? line + k.after - k.before : undefined;
}

/** `what` with its lines moved as the stretch each line is in moved (each is in one: it lies where the patch kept lines). */
function movedByLine<T extends { line: number }>(what: readonly T[], kept: readonly Kept[]): T[] | null {
  const out: T[] = [];
  for (const x of what) {
    const to = mapLine(kept, x.line);
    if (to === undefined) return null;
    out.push(moved(x, to - x.line));
  }
  return out;
}

/**
 * Lines `first`..`last` (1-based) of a text whose lineStarts() are `starts`, as a range for the
 * parser's included ranges: the parser reads those characters only, and its nodes keep the
 * offsets and lines of the whole text. (Parsing the text with the other lines emptied instead
 * cost a quarter of a millisecond per thousand lines left out.)
 */
function lineRange(starts: readonly number[], first: number, last: number): Range {
  const startIndex = starts[first - 1] as number;
  const endIndex = (starts[last] as number) - 1;
  return { startIndex, endIndex, startPosition: { row: first - 1, column: 0 }, endPosition: { row: last - 1, column: endIndex - (starts[last - 1] as number) } };
}

/** Lines `first`..`last` and the line break after the last (a stretch between definitions ends at a line's end), of a text of `length`. */
function linesRange(starts: readonly number[], first: number, last: number, length: number): Range {
  const next = starts[last] as number;
  // The text's last line has no line break after it.
  if (next > length) return lineRange(starts, first, last);
  return { startIndex: starts[first - 1] as number, endIndex: next, startPosition: { row: first - 1, column: 0 }, endPosition: { row: last, column: 0 } };
}

/** A function of the text before, placed after the patch: both its first and last lines kept. */
interface Placed {
  fn: FunctionFacts;
  line: number;
  endLine: number;
}

/**
 * Where line `l` of one side is among the placed definitions (in order, not overlapping): inside
 * the `k`th, or in the `k`th stretch between them (before the `k`th; `placed.length`: after the last).
 */
function placeOf(placed: readonly Placed[], l: number, side: 'before' | 'after'): { inside: boolean; k: number } {
  let lo = 0;
  let hi = placed.length;
  // The first definition that ends at or after l.
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const p = placed[mid] as Placed;
    if ((side === 'before' ? p.fn.endLine : p.endLine) < l) lo = mid + 1;
    else hi = mid;
  }
  const p = placed[lo];
  return { inside: p !== undefined && (side === 'before' ? p.fn.line : p.line) <= l, k: lo };
}

/** The lines after the patch of the `k`th stretch between placed definitions (`count` lines in all); empty when first > last. */
function stretch(placed: readonly Placed[], k: number, count: number): { first: number; last: number } {
  const prev = placed[k - 1];
  const next = placed[k];
  return { first: prev ? prev.endLine + 1 : 1, last: next ? next.line - 1 : count };
}

/** Whether every line the patch kept is pre-blanked as it was: what is not parsed again reads the same. */
function keptBlanked(before: string, after: string, kept: readonly Kept[]): boolean {
  const b = before.split('\n');
  const a = after.split('\n');
  return kept.every((k) => {
    for (let i = 0; i < k.length; i++) if (b[k.before - 1 + i] !== a[k.after - 1 + i]) return false;
    return true;
  });
}

/** Whether `after` is `before` with each line moved as the patch moved it (a line it changed is not), compared as `key` gives them. */
function sameMoved<T extends { line: number }>(before: readonly T[], after: readonly T[], kept: readonly Kept[], key: (x: T) => string): boolean {
  return before.length === after.length && before.every((b, i) => mapLine(kept, b.line) === after[i]?.line && key(b) === key(after[i] as T));
}

const structKey = (d: CachedStructs[number]): string => JSON.stringify([d.name, d.file, d.arch, d.members]);
const opsKey = (o: COpsEntry): string => JSON.stringify([o.struct, o.field, o.fn, o.file]);

/** A node's last line (1-based): one whose end is the start of a line ends on the line before. */
function lastLine(node: { startIndex: number; endIndex: number; endPosition: { row: number; column: number } }): number {
  return node.endPosition.column === 0 && node.endIndex > node.startIndex ? node.endPosition.row : node.endPosition.row + 1;
}

/**
 * The new facts of a patched file without parsing the whole file: the definitions the patch
 * touched (and those the parser found damaged, whose reading may depend on more than their
 * text) are parsed alone, as the text's only included ranges, and walked; so is each stretch
 * between definitions where the patch changed a line (a prototype, a declaration, a directive,
 * a definition added, removed or rewritten at its first or last line), with the definition after
 * it, so that the stretch's last declaration meets what it meets in the file. Every other
 * function, the file's tables and its structs keep what they had, moved (a changed stretch's are
 * read again and must be what they were). Null where that cannot be promised (a changed
 * directive that blanks a kept line otherwise, a struct or function table the patch changed, a
 * stretch that does not parse cleanly on its own, a function the walk gave up on, a parse that
 * does not find exactly the definitions expected): the caller parses the file.
 */
export async function rewalkInPlace(earlier: EarlierFile, text: string, types: StructTypes, changedTypes: TypeChange = SAME): Promise<FileFacts | null> {
  const was = earlier.facts;
  if (was.skipped.length || !Array.isArray(was.structs) || was.lookups?.length !== was.functions.length || was.blanks?.length !== was.functions.length) return null;
  const before = earlier.text.split('\n');
  const after = text.split('\n');
  const kept = keptStretches(before, after);
  const changedBefore = changedLines(kept, before.length, 'before');
  const changedAfter = changedLines(kept, after.length, 'after');
  // Pre-blanking blanks directive lines, and the `#if` branches it must (conditionals.ts): a changed
  // directive may blank lines the patch kept otherwise, checked below.
  const directive = [...changedBefore.map((l) => before[l - 1]), ...changedAfter.map((l) => after[l - 1])].some((t) => DIRECTIVE.test(t ?? ''));

  // Each function's place after the patch: both its first and last lines kept, or it is gone from
  // where it was (removed, or rewritten at an end), and its lines lie in a changed stretch.
  const spans = was.functions.map((fn) => ({ fn, line: mapLine(kept, fn.line), endLine: mapLine(kept, fn.endLine) }));
  const placed = spans.filter((s): s is Placed => s.line !== undefined && s.endLine !== undefined);
  const index = new Map(was.functions.map((fn, i) => [fn, i]));
  // Definitions sharing a line (a macro that defines two) have no stretch between them: a file
  // with such a pair is re-walked in place only for changes inside definitions.
  const ordered = placed.every((s, k) => k === 0 || (s.fn.line > (placed[k - 1] as Placed).fn.endLine && s.line > (placed[k - 1] as Placed).endLine));
  if (!ordered && placed.length !== spans.length) return null;
  const touched = new Set<FunctionFacts>();
  /** Stretches between placed definitions (by index: before the kth) with a changed line that is not blank. */
  const dirty = new Set<number>();
  for (const [side, lines, text] of [['before', changedBefore, before] as const, ['after', changedAfter, after] as const]) {
    for (const l of lines) {
      if (!ordered) {
        const inside = placed.filter((s) => (side === 'before' ? s.fn.line <= l && l <= s.fn.endLine : s.line <= l && l <= s.endLine));
        if (!inside.length && !BLANK.test(text[l - 1] ?? '')) return null;
        inside.forEach((s) => touched.add(s.fn));
        continue;
      }
      const at = placeOf(placed, l, side);
      if (at.inside) touched.add((placed[at.k] as Placed).fn);
      else if (!BLANK.test(text[l - 1] ?? '')) dirty.add(at.k);
    }
  }
  // And every function that looked up a struct the types changed.
  was.functions.forEach((fn, i) => {
    if (changedTypes.affects(was, i)) touched.add(fn);
  });
  if (!touched.size && earlier.text === text) return was;
  // The structs and tables of a changed stretch, read again from its parse, must be what they were (moved).
  const inDirty = (line: number): boolean => {
    const at = placeOf(placed, line, 'before');
    return !at.inside && dirty.has(at.k);
  };
  const dirtyStructs = was.structs.filter((d) => inDirty(d.line));
  const dirtyOps = was.ops.filter((o) => inDirty(o.line));
  const again = placed.filter((s, k) => touched.has(s.fn) || s.fn.damaged || dirty.has(k));

  const prep = preprocess(text);
  // Redundant with the checks below as far as we can tell (a blanked branch is contiguous, so one reaching a
  // kept line crosses a definition that reads otherwise), and cheap: kept as the invariant it is.
  if (directive && !keptBlanked(preprocess(earlier.text).text, prep.text, kept)) return null;
  const starts = lineStarts(prep.text);
  // A function kept must be read the same (its pre-blanked lines' digest), or the file is parsed
  // whole. The same text is the same pre-blanked text.
  const redone = new Set(again);
  const sameText = earlier.text === text;
  for (const s of placed) {
    if (redone.has(s)) continue;
    if (!sameText && blankDigest(prep.text, starts, { line: s.line, endLine: s.endLine }) !== was.blanks[index.get(s.fn) as number]) return null;
  }
  const stretches = [...dirty].map((k) => stretch(placed, k, after.length)).filter((g) => g.first <= g.last);
  const ranges = [
    ...again.map((s) => ({ first: s.line, last: s.endLine, range: lineRange(starts, s.line, s.endLine) })),
    ...stretches.map((g) => ({ ...g, range: linesRange(starts, g.first, g.last, prep.text.length) })),
  ].sort((a, b) => a.first - b.first);
  if (ranges.some((r, k) => k > 0 && r.first <= (ranges[k - 1] as { last: number }).last)) return null;
  const structs = movedByLine(was.structs, kept);
  if (!structs) return null;
  // Nothing to walk again (lines moved between definitions only): no parse. An empty list of
  // included ranges would be no restriction at all, the whole file parsed.
  const tree = ranges.length ? (await cParser()).parse(prep.text, null, { includedRanges: ranges.map((r) => r.range) }) : null;
  if (ranges.length && !tree) throw new Error('tree-sitter returned no tree');
  const inStretch = (first: number, last: number): boolean => stretches.some((g) => g.first <= first && last <= g.last);
  const fresh = new Map<FunctionFacts, Walked>();
  const added: Walked[] = [];
  try {
    if (tree) {
      // Each top-level node lies in one range; one in a changed stretch parsed cleanly.
      const rangeOf = (line: number): number => ranges.findIndex((r) => r.first <= line && line <= r.last);
      for (const node of tree.rootNode.children) {
        const first = node.startPosition.row + 1;
        const last = lastLine(node);
        if (rangeOf(first) < 0 || rangeOf(first) !== rangeOf(last)) return null;
        if (inStretch(first, last) && node.hasError) return null;
      }
      const stretchStructs = structsToJson(readStructs(tree, was.file).filter((d) => inStretch(d.line, d.line)));
      const stretchOps = readOpsTables(tree, was.file).filter((o) => inStretch(o.line, o.line));
      if (!sameMoved(dirtyStructs, stretchStructs, kept, structKey) || !sameMoved(dirtyOps, stretchOps, kept, opsKey)) return null;
    }
    const { functions, stats } = tree ? extractFunctions(tree, was.file, text, prep) : { functions: [], stats: { skipped: [] } };
    if (stats.skipped.length) return null;
    // Some table entries are read from function bodies (ops-tables.ts: local initializers, tables
    // filled at run time): those of the definitions walked again must be what they were, or the file
    // is parsed whole.
    const walkedAgain = (line: number): boolean => again.some((s) => s.fn.line <= line && line <= s.fn.endLine);
    const bodyBefore = was.ops.filter((o) => walkedAgain(o.line));
    if (!sameMoved(bodyBefore, readBodyTables(functions, was.file, was.ops), kept, opsKey)) return null;
    const local = structs.length ? mergeStructTypes(structsFromJson(structs)) : null;
    const byLine = new Map(again.map((s) => [s.line, s]));
    for (const fn of functions) {
      const s = byLine.get(fn.line);
      if (s && fn.endLine === s.endLine) {
        // A touched definition must parse cleanly (a brace too many reads otherwise in the whole file).
        // An untouched damaged one must read as it did: its name and its damage; an untouched clean one
        // (after a changed stretch) as it did too.
        if (touched.has(s.fn) ? fn.damaged : fn.name !== s.fn.name || fn.damaged !== s.fn.damaged) return null;
        const walked = walkWithLookups(fn, types, local);
        if (walked.facts.notAnalysed !== undefined) return null;
        fresh.set(s.fn, walked);
      } else if (!fn.damaged && inStretch(fn.line, fn.endLine)) {
        // A definition the patch added (or rewrote at its first or last line).
        const walked = walkWithLookups(fn, types, local);
        if (walked.facts.notAnalysed !== undefined) return null;
        added.push(walked);
      } else return null;
    }
    if (fresh.size !== again.length) return null;
    const out: { facts: FunctionFacts; lookups: string[]; blank: string }[] = [];
    for (const s of placed) {
      const made = fresh.get(s.fn);
      const i = index.get(s.fn) as number;
      out.push(made ? { ...made, blank: blankDigest(prep.text, starts, made.facts) } : { facts: moved(s.fn, s.line - s.fn.line), lookups: was.lookups[i] ?? [], blank: was.blanks[i] as string });
    }
    for (const w of added) out.push({ ...w, blank: blankDigest(prep.text, starts, w.facts) });
    // In the file's order, as a parse of the whole file lists them.
    out.sort((a, b) => a.facts.line - b.facts.line);
    const functions2 = out.map((o) => o.facts);
    const ops = movedByLine(was.ops, kept);
    if (!ops) return null;
    return {
      file: was.file,
      arch: was.arch,
      bytes: Buffer.byteLength(text),
      functions: functions2,
      clean: functions2.filter((f) => !f.damaged).length,
      damaged: functions2.filter((f) => f.damaged).length,
      skipped: [],
      ops,
      structs,
      lookups: out.map((o) => o.lookups),
      blanks: out.map((o) => o.blank),
    };
  } finally {
    tree?.delete();
  }
}
