/**
 * The functions the patches of a series change, and whether each change is
 * in the state reviewed. A finding about code the series itself changes is
 * answered with that change in mind: asking the author to "change
 * set_nx_huge_pages() in this series" when 1/2 does exactly that is the
 * answer of a reviewer who did not read 1/2 (Paolo's Jan 2025 kvm_lock RFC).
 *
 * A hunk changes the function its header names (git's funcname context,
 * which a hunk that did not apply has only) and, when it applied, every
 * function of the patched state whose lines it adds or removes.
 */
import type { FunctionFacts } from '../locks/model.js';
import type { FileDiff, Hunk } from '../series/model.js';
import type { ApplyFailure } from './apply.js';
import { hunkFunctions } from './hunk-functions.js';

export interface FunctionChange {
  /** k of the patch whose hunk changes the function. */
  patch: number;
  file: string;
  fn: string;
  /** False when the hunk did not apply to the tree: the state reviewed has the function as the tree has it. */
  applied: boolean;
}

/** New-side lines a hunk adds, or where it removes lines: where its changes stand in the patched file. */
function changedLines(h: Hunk): number[] {
  const out: number[] = [];
  let at = h.newStart;
  for (const l of h.lines) {
    if (l.type === 'add') out.push(at++);
    else if (l.type === 'del') out.push(at);
    else at++;
  }
  return out;
}

/**
 * The functions patch `index` changes. `failures`: its hunks that did not
 * apply (a hunk the tree already has counts as applied: the code is as the
 * patch leaves it). `functions`: the patched state's functions in the
 * patch's files, [] when the state was not analysed (a patch of no C file).
 */
export function functionChanges(index: number, files: readonly FileDiff[], failures: readonly ApplyFailure[], functions: readonly Pick<FunctionFacts, 'file' | 'name' | 'line' | 'endLine'>[]): FunctionChange[] {
  const out = new Map<string, FunctionChange>();
  const add = (file: string, fn: string, applied: boolean): void => {
    const k = `${file}\u0000${fn}`;
    const had = out.get(k);
    // One hunk there that did not apply is enough: the function is not as the series leaves it.
    if (!had || (had.applied && !applied)) out.set(k, { patch: index, file, fn, applied });
  };
  for (const f of files) {
    if (f.isBinary) continue;
    const file = f.newPath ?? f.path;
    const wholeFile = failures.find((x) => x.file === f.path && x.hunk === null);
    for (const h of f.hunks) {
      const failure = wholeFile ?? failures.find((x) => x.file === f.path && x.hunk === h.header);
      const applied = !failure || failure.alreadyApplied !== undefined;
      for (const named of hunkFunctions(h.header, h)) add(file, named, applied);
      if (!applied) continue;
      const lines = changedLines(h);
      for (const fn of functions) {
        if (fn.file === file && lines.some((l) => l >= fn.line && l <= fn.endLine)) add(file, fn.name, true);
      }
    }
  }
  return [...out.values()];
}
