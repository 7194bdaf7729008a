/**
 * What parsing less could give the cold `check` at best (issue 15). The README's plan for the cold
 * target was a lexical pre-filter: find the definitions from which no lock can be reached and
 * leave their bodies out of the parse and the walk. Here the answer is taken from the facts of a
 * full index instead of guessed from the text, so the figure is the ceiling of any such filter
 * before the cost of its own pass: the bench times a cold check with those bodies blanked
 * (blank-bodies.ts) next to the plain one, and checks that the findings are the same.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandRuntimeTables } from '../../analyzers/c/ops-tables.js';
import { preprocess } from '../../analyzers/c/preprocess.js';
import type { FileFacts } from '../../analyzers/index/index-tree.js';
import type { FunctionFacts } from '../../analyzers/locks/model.js';
import { externalLocks } from '../../knowledge/external-locks.js';
import { REFCOUNT_PUTS } from '../../knowledge/refcount-puts.js';
import { lineStarts } from '../../analyzers/index/file-facts.js';
import { bodyInside, textKey, type BlankPlan } from './blank-bodies.js';

/** The list `map` holds under `key`, made empty the first time. */
function listIn<T>(map: Map<string, T[]>, key: string): T[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}

const PUTS = new Set(REFCOUNT_PUTS.map((p) => p.put));

/** Whether the function's own facts touch a lock, or say the walk did not see all of it. */
function touchesLock(f: FunctionFacts): boolean {
  return f.acquires.length > 0 || f.requires.length > 0 || f.releasesCallers.length > 0 || f.unresolved.length > 0 || f.damaged || f.notAnalysed !== undefined;
}

/**
 * The functions from which no lock can be reached, over every file given (every architecture's:
 * the check analyses each). A function reaches a lock when it touches one (touchesLock()), when
 * its body fills a table slot (those entries come from the body), or when it calls, by name or
 * through a slot, a function that does, an external function that takes locks, or a refcount put.
 * Every definition of a name counts, static or not: the answer may keep too many, never too few.
 */
export function bodiesReachingNoLock(files: readonly FileFacts[]): FunctionFacts[] {
  const functions = files.flatMap((f) => f.functions);
  const byName = new Map<string, FunctionFacts[]>();
  for (const f of functions) listIn(byName, f.name).push(f);
  const slots = new Map<string, string[]>();
  for (const o of expandRuntimeTables(files.flatMap((f) => f.ops))) {
    const key = `ops:${o.struct}.${o.field}`;
    listIn(slots, key).push(o.fn);
  }
  const reaches = new Set(functions.filter(touchesLock));
  for (const file of files) {
    for (const f of file.functions) if (file.ops.some((o) => o.line >= f.line && o.line <= f.endLine)) reaches.add(f);
  }
  const targets = (callee: string): FunctionFacts[] =>
    callee.startsWith('ops:') ? (slots.get(callee) ?? []).flatMap((n) => byName.get(n) ?? []) : (byName.get(callee) ?? []);
  const reachesThrough = (callee: string): boolean => PUTS.has(callee) || externalLocks(callee) !== undefined || targets(callee).some((g) => reaches.has(g));
  for (let grew = true; grew; ) {
    grew = false;
    for (const f of functions) {
      if (!reaches.has(f) && f.calls.some((c) => reachesThrough(c.callee))) {
        reaches.add(f);
        grew = true;
      }
    }
  }
  return functions.filter((f) => !reaches.has(f));
}

export interface CeilingPlan {
  plan: BlankPlan;
  /** Bodies blanked, and the functions indexed. */
  bodies: number;
  functions: number;
  /** Lines of the blanked functions, and of all functions. */
  lines: number;
  functionLines: number;
  /** Definitions whose body could not be found on their lines (left as they are). */
  unplaced: number;
}

/** The plan that blanks the bodies reaching no lock, for the files of `tree` (a directory) in `files`. */
export function ceilingPlan(tree: string, files: readonly FileFacts[]): CeilingPlan {
  const skipped = bodiesReachingNoLock(files);
  const byFile = new Map<string, FunctionFacts[]>();
  for (const f of skipped) listIn(byFile, f.file).push(f);
  const plan: BlankPlan = {};
  let bodies = 0;
  let lines = 0;
  let unplaced = 0;
  for (const [file, fns] of byFile) {
    // The text parseC() is given: the pre-blanked source, as the index decodes it.
    const text = preprocess(readFileSync(join(tree, file)).toString('utf8')).text;
    const starts = lineStarts(text);
    const ranges: [number, number][] = [];
    for (const f of [...fns].sort((a, b) => a.line - b.line)) {
      const inside = bodyInside(text, starts, f.line, f.endLine);
      const last = ranges[ranges.length - 1];
      if (!inside || (last && inside[0] < last[1])) {
        unplaced++;
        continue;
      }
      ranges.push(inside);
      bodies++;
      lines += f.endLine - f.line + 1;
    }
    if (ranges.length) plan[textKey(text)] = ranges;
  }
  const all = files.flatMap((f) => f.functions);
  return { plan, bodies, functions: all.length, lines, functionLines: all.reduce((n, f) => n + f.endLine - f.line + 1, 0), unplaced };
}

/** Write the plan for blank-bodies-hook.ts to read; what it holds, without the plan. */
export function writeCeilingPlan(tree: string, files: readonly FileFacts[], out: string): Omit<CeilingPlan, 'plan'> {
  const { plan, ...counts } = ceilingPlan(tree, files);
  writeFileSync(out, JSON.stringify(plan));
  return counts;
}

/** Whether two `check --format json` outputs say the same: findings, the documented and the observed order (not the stats). */
export function sameAnalysis(a: string, b: string): boolean {
  const parts = (text: string): string => {
    const { findings, documented, observed, doc } = JSON.parse(text) as Record<string, unknown>;
    return JSON.stringify([findings, documented, observed, doc]);
  };
  return parts(a) === parts(b);
}
