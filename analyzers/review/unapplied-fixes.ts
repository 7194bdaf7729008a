/**
 * A finding whose code a hunk of the series meant to change, when that hunk
 * did not apply. Paolo's Jan 2025 kvm_lock RFC is the case: 1/2 rewrites
 * set_nx_huge_pages() so that it no longer takes kvm->slots_lock inside
 * kvm_lock, 2/2 documents that no mutex is taken inside kvm_lock. Against a
 * tree where 1/2's hunk does not apply, 2/2's new rule is contradicted by
 * set_nx_huge_pages() as the tree has it: true of the tree, and the error
 * stands, but a maintainer reading it must be told that the series has the
 * fix, which could not be placed, or he answers the author with a bug the
 * series already fixes.
 *
 * Which functions a hunk changes is hunk-functions.ts's answer.
 */
import { listed } from '../counted.js';
import type { ApplyFailure } from './apply.js';
import { failedHunk, hunkFunctions } from './hunk-functions.js';
import type { PatchReview, ReviewFinding } from './model.js';

interface Unplaced {
  patch: PatchReview;
  file: string;
  fn: string;
  failure: ApplyFailure;
}

/** The functions of a finding: where its sites are and the calls that lead there. */
function functionsOf(f: ReviewFinding): { file: string; fn: string }[] {
  return f.sites.flatMap((s) => [{ file: s.file, fn: s.function }, ...s.chain.map((c) => ({ file: c.file, fn: c.function }))]);
}

/**
 * Add a note to each finding of a reviewed patch whose code a hunk of the
 * same or an earlier patch changes, when that hunk did not apply (and the
 * tree does not already have it). `total`: M of [PATCH k/M].
 */
export function noteUnappliedFixes(patches: readonly PatchReview[], total: number): void {
  const unplaced: Unplaced[] = [];
  for (const p of [...patches].sort((a, b) => a.index - b.index)) {
    for (const failure of p.applyFailures) {
      if (failure.alreadyApplied || failure.hunk === null) continue;
      for (const fn of hunkFunctions(failure.hunk, failedHunk(p.files, failure).hunk)) unplaced.push({ patch: p, file: failure.file, fn, failure });
    }
    if (p.status !== 'reviewed') continue;
    for (const f of p.findings) {
      const fns = functionsOf(f);
      const hits = unplaced.filter((u) => fns.some((x) => x.file === u.file && x.fn === u.fn));
      if (!hits.length) continue;
      // One clause per function, naming every patch whose hunk there failed.
      const byFn = new Map<string, Unplaced[]>();
      for (const u of hits) {
        const k = `${u.file}\u0000${u.fn}`;
        const list = byFn.get(k) ?? [];
        if (!list.some((x) => x.patch === u.patch)) list.push(u);
        byFn.set(k, list);
      }
      const said = [...byFn.values()].map((list) => {
        const u = list[0] as Unplaced;
        const who = list.map((x) => (x.patch === p ? 'this patch' : `${x.patch.index}/${total}`));
        if (list.length === 1) {
          const one = u.patch === p ? 'this patch' : `patch ${u.patch.index}/${total}`;
          return `${one} changes ${u.fn}() (${u.file}), but that hunk did not apply to this tree (${u.failure.reason})`;
        }
        return `patches ${listed(who)} change ${u.fn}() (${u.file}) in hunks that did not apply to this tree`;
      });
      const note = `${said.join('; ')}: the finding is about the code as the tree has it, which the series may fix`;
      f.note = f.note ? `${f.note}; ${note}` : note;
    }
  }
}
