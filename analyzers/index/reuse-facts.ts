/**
 * Re-walking a patched file keeps the facts of the functions the patch did
 * not touch. The held-lock walk of a function reads its definition (lines
 * `line`..`endLine`: declarator, annotations, body, as written and as
 * pre-blanked), the file's struct definitions and the tree's struct types,
 * and nothing else of the file. So when every line the patch changed lies
 * inside a definition that parsed cleanly, before and after (or is blank),
 * and no changed line is a preprocessor directive, the file's scope is what
 * it was: its structs, its macros, its `#if` groups. A function of the new
 * text whose lines, as written and as pre-blanked, are those of a function
 * the old text had (the same name, the lines moved as the patch moved them)
 * then has the facts it had, with its lines moved. Everything else, and
 * every function of a file the patch changed outside definitions, is walked
 * again; the walk is the judge, this only spares it work it would repeat.
 *
 * Lines are compared as a line diff of the two texts: the stretches it
 * keeps, and how far each moved.
 */
import { diffArrays } from 'diff';
import type { CFunction } from '../c/model.js';
import type { ParsedFile } from '../c/parse-file.js';
import { preprocess } from '../c/preprocess.js';
import type { FunctionFacts } from '../locks/model.js';
import type { FileFacts } from './index-tree.js';

/** A file as the state before the patch had it: its text and the facts walked from it. */
export interface EarlierFile {
  text: string;
  facts: FileFacts;
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

/** Is every line in `lines` blank, or inside one of the clean definitions `spans`, and none a directive? */
function insideDefinitions(lines: readonly number[], text: readonly string[], spans: readonly { line: number; endLine: number; damaged: boolean }[]): boolean {
  const clean = spans.filter((s) => !s.damaged);
  return lines.every((l) => {
    const t = text[l - 1] ?? '';
    if (DIRECTIVE.test(t)) return false;
    return BLANK.test(t) || clean.some((s) => s.line <= l && l <= s.endLine);
  });
}

/** `facts` with every line moved by `delta` (0 is no line: a precondition, left as it is). */
function moved<T>(facts: T, delta: number): T {
  if (delta === 0) return facts;
  const copy = (v: unknown, key: string): unknown => {
    if (Array.isArray(v)) return v.map((x) => copy(x, ''));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x, k)]));
    return (key === 'line' || key === 'endLine') && typeof v === 'number' && v > 0 ? v + delta : v;
  };
  return copy(facts, '') as T;
}

/**
 * The facts the walk would give each function of `parsed` (the file's new
 * text `text`) that the patch left as it was in `earlier`: by function, to
 * use instead of walking it. Empty when the patch changed the file's scope.
 */
export function unchangedFacts(earlier: EarlierFile, text: string, parsed: ParsedFile): Map<CFunction, FunctionFacts> {
  const out = new Map<CFunction, FunctionFacts>();
  if (earlier.facts.file !== parsed.file) return out;
  const before = earlier.text.split('\n');
  const after = text.split('\n');
  const kept = keptStretches(before, after);
  if (!insideDefinitions(changedLines(kept, before.length, 'before'), before, earlier.facts.functions)) return out;
  if (!insideDefinitions(changedLines(kept, after.length, 'after'), after, parsed.functions)) return out;

  const blankBefore = preprocess(earlier.text).text.split('\n');
  const blankAfter = parsed.blanked.split('\n');
  const old = new Map<string, FunctionFacts>();
  for (const fn of earlier.facts.functions) if (!fn.damaged) old.set(`${fn.name}\u0000${fn.line}\u0000${fn.endLine}`, fn);
  for (const fn of parsed.functions) {
    if (fn.damaged) continue;
    const k = kept.find((s) => s.after <= fn.line && fn.endLine < s.after + s.length);
    if (!k) continue;
    const delta = k.after - k.before;
    const was = old.get(`${fn.name}\u0000${fn.line - delta}\u0000${fn.endLine - delta}`);
    if (!was || was.static !== fn.static) continue;
    let same = true;
    for (let l = fn.line; same && l <= fn.endLine; l++) same = blankAfter[l - 1] === blankBefore[l - 1 - delta];
    if (same) out.set(fn, moved(was, delta));
  }
  return out;
}
