/**
 * Lockdep annotations the tree already has for a lock of a recursive report:
 * a `*_nested()` acquisition in the function that takes the inner lock (the
 * report's `at:`), and `lockdep_set_class()`/`lockdep_set_subclass()`/
 * `lockdep_set_class_and_subclass()`/`lockdep_set_class_and_name()` calls
 * that give the lock the class the report names. When one is there,
 * "annotate it with mutex_lock_nested()" is the wrong answer: the annotation
 * exists, and the report means two acquisitions ended up in one class and
 * subclass (place.ts and primitive.ts word it).
 *
 * The calls are read from the tree's text at the lines the index recorded
 * (the index keeps a named subclass only as "non-zero"; the answer quotes
 * the call as written), and the setters by a scan of the indexed files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCK_PRIMITIVES } from '../../knowledge/lock-primitives.js';
import type { LockClass } from '../../knowledge/lock-names.js';
import type { FunctionFacts } from '../locks/model.js';

/** An annotation found in the tree. */
export interface ExistingAnnotation {
  /** `nested`: a _nested() acquisition at the reported site; `class`: a lockdep_set_*() call giving the lock its class or subclass. */
  kind: 'nested' | 'class';
  /** The primitive or setter called: `mutex_lock_killable_nested`, `lockdep_set_class`. */
  call: string;
  /** Its arguments as written, whitespace collapsed. */
  args: string[];
  /** The subclass argument as written; null when the call passes none (lockdep_set_class()). */
  subclassText: string | null;
  /** Its value when the text says it (a number, SINGLE_DEPTH_NESTING); null when only known at run time, or none is passed. */
  subclass: number | null;
  /** The function the call is in, null when the scan found it outside one. */
  function: string | null;
  /** Tree-relative file and 1-based line of the call. */
  file: string;
  line: number;
}

/** What annotations are looked up in: the tree's text and its index. */
export interface AnnotationSources {
  root: string;
  /** The tree's functions by name. */
  functions: ReadonlyMap<string, readonly FunctionFacts[]>;
  /** Every lockdep_set_*() call of the indexed files. */
  setters: readonly ExistingAnnotation[];
}

/** The _nested() acquire primitives, by name: their subclass argument. */
const NESTED: ReadonlyMap<string, number> = new Map(
  LOCK_PRIMITIVES.flatMap((p) => (p.op === 'acquire' && p.subclassArg !== undefined && p.name.endsWith('_nested') ? [[p.name, p.subclassArg] as [string, number]] : [])),
);

/** include/linux/lockdep.h: the setters, with their key, name and subclass arguments. */
const SETTERS: ReadonlyMap<string, { key: number | null; name: number | null; sub: number | null; arity: number }> = new Map([
  ['lockdep_set_class', { key: 1, name: null, sub: null, arity: 2 }],
  ['lockdep_set_class_and_name', { key: 1, name: 2, sub: null, arity: 3 }],
  ['lockdep_set_class_and_subclass', { key: 1, name: null, sub: 2, arity: 3 }],
  ['lockdep_set_subclass', { key: null, name: null, sub: 1, arity: 2 }],
]);

/** How many lines a call's arguments may run over. */
const CALL_LINES = 8;

const norm = (s: string): string => s.replace(/\s+/g, '');

/** The value of a subclass argument when its text says it: a literal, or SINGLE_DEPTH_NESTING (1 in include/linux/lockdep.h). */
export function subclassValue(text: string): number | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number.parseInt(t, 10);
  if (t === 'SINGLE_DEPTH_NESTING') return 1;
  return null;
}

/** The top-level arguments of the call whose `(` is at `open` in `text`; null when it does not close within the text. */
function argsAt(text: string, open: number): string[] | null {
  const out: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) {
        const last = text.slice(start, i).replace(/\s+/g, ' ').trim();
        if (last || out.length) out.push(last);
        return out;
      }
    } else if (c === ',' && depth === 1) {
      out.push(text.slice(start, i).replace(/\s+/g, ' ').trim());
      start = i + 1;
    }
  }
  return null;
}

/** Calls to `names` starting on `line` (1-based) of `lines`, with their arguments. */
function callsOn(lines: readonly string[], line: number, names: ReadonlySet<string>): { call: string; args: string[] }[] {
  const first = lines[line - 1] ?? '';
  const text = lines.slice(line - 1, line - 1 + CALL_LINES).join('\n');
  const out: { call: string; args: string[] }[] = [];
  const re = /\b(\w+)\s*\(/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index >= first.length) break;
    const name = m[1] ?? '';
    if (!names.has(name)) continue;
    const args = argsAt(text, m.index + m[0].length - 1);
    if (args) out.push({ call: name, args });
  }
  return out;
}

function linesOf(root: string, file: string): string[] | null {
  try {
    return readFileSync(join(root, file), 'utf8').split('\n');
  } catch {
    // A file the index read and the tree no longer has: no annotation is read from it.
    return null;
  }
}

/**
 * The _nested() acquisitions of `cls` in `fn` (the function lockdep's `at:`
 * names for the inner acquisition), in the file the report's architecture
 * builds when the tree defines it more than once.
 */
export function nestedAcquisitions(src: AnnotationSources, fn: string, cls: LockClass | null, arch: string | null): ExistingAnnotation[] {
  const defs = src.functions.get(fn) ?? [];
  const archOf = (f: string): string | null => /^arch\/([^/]+)\//.exec(f)?.[1] ?? null;
  const def = defs.find((d) => archOf(d.file) === arch) ?? defs.find((d) => archOf(d.file) === null) ?? defs[0];
  if (!def) return [];
  const lines = linesOf(src.root, def.file);
  if (!lines) return [];
  const out: ExistingAnnotation[] = [];
  const seen = new Set<number>();
  for (const a of def.acquires) {
    if (a.subclass === undefined || a.op !== 'acquire' || seen.has(a.line)) continue;
    if (cls !== null && a.lock.class !== cls) continue;
    seen.add(a.line);
    for (const c of callsOn(lines, a.line, new Set(NESTED.keys()))) {
      const subclassText = c.args[NESTED.get(c.call) ?? -1] ?? null;
      out.push({ kind: 'nested', call: c.call, args: c.args, subclassText, subclass: subclassText === null ? null : subclassValue(subclassText), function: def.name, file: def.file, line: a.line });
    }
  }
  return out;
}

/** Every lockdep_set_*() call in the indexed files: where the tree gives locks a class or subclass of their own. */
export function scanSetters(root: string, files: readonly { file: string; functions: readonly FunctionFacts[] }[]): ExistingAnnotation[] {
  const out: ExistingAnnotation[] = [];
  const names = new Set(SETTERS.keys());
  for (const f of files) {
    const lines = linesOf(root, f.file);
    if (!lines || !lines.some((l) => l.includes('lockdep_set_'))) continue;
    lines.forEach((l, i) => {
      // Definitions and comments name the setters without calling them.
      if (!l.includes('lockdep_set_') || /^\s*(?:#\s*define|\*|\/\/|\/\*)/.test(l)) return;
      for (const c of callsOn(lines, i + 1, names)) {
        const shape = SETTERS.get(c.call);
        if (!shape || c.args.length !== shape.arity) continue;
        const subclassText = shape.sub === null ? null : (c.args[shape.sub] ?? null);
        const fn = f.functions.find((d) => d.line <= i + 1 && i + 1 <= d.endLine)?.name ?? null;
        out.push({ kind: 'class', call: c.call, args: c.args, subclassText, subclass: subclassText === null ? 0 : subclassValue(subclassText), function: fn, file: f.file, line: i + 1 });
      }
    });
  }
  return out;
}

/**
 * The setters that give a lock the class a report prints as `lockdep`
 * (its `/N` and `#N` left out): lockdep names a class set with
 * lockdep_set_class() after the key argument as written (`#key`), one set
 * with lockdep_set_class_and_name() by the name, and lockdep_set_subclass()
 * keeps the init site's name, the lock argument.
 */
export function settersFor(src: AnnotationSources, lockdep: string): ExistingAnnotation[] {
  const bare = norm(lockdep.replace(/\/\d+$/, '').replace(/#\d+$/, ''));
  return src.setters.filter((s) => {
    const shape = SETTERS.get(s.call);
    if (!shape) return false;
    if (shape.key !== null && shape.name === null && norm(s.args[shape.key] ?? '') === bare) return true;
    if (shape.name !== null && norm((s.args[shape.name] ?? '').replace(/^"|"$/g, '')) === bare) return true;
    return s.call === 'lockdep_set_subclass' && norm(s.args[0] ?? '') === bare;
  });
}

/** The call as a maintainer quotes it: `mutex_lock_nested(&vcpu->mutex, role)`. */
export function callText(a: ExistingAnnotation): string {
  return `${a.call}(${a.args.join(', ')})`;
}

/** The kernel release a report was printed by (lockdep's print_kernel_ident() line under its header), null when it does not say. */
export function reportKernel(text: string): string | null {
  for (const l of text.split('\n').slice(0, 4)) {
    const m = /^(\d+\.\d+[\w.+~-]*) #\d+/.exec(l.trim());
    if (m?.[1]) return m[1];
  }
  return null;
}
