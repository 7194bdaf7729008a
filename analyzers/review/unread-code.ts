/**
 * Whether a new version's review read the code of a finding of the previous
 * version. A finding v2 no longer has is fixed only if v2's code was read
 * where it was: a hunk of v2 that did not apply to the tree (and that the
 * tree does not already have) leaves the functions it changes as the tree
 * has them, not as v2 wrote them, and a file whose change was refused whole
 * (binary, missing from the tree, already there with other content) leaves
 * the whole file so. A v1 finding in such a function or file is gone from
 * v2's review only because nobody read v2's code there: not compared,
 * never "fixed in v2". A patch reviewed in part is the case: its other
 * hunks applied, so it counts as reviewed. So is a file v2's review could
 * not index (over the size cap, unreadable): whatever v2 did there, its
 * locks were not seen. And so is a patch of v2 whose analysis of one
 * architecture failed: that build's findings are missing from all of v2
 * (a finding of v1 may have moved to that patch), so a v1 finding of that
 * build, or of several (generic code: which of them v2 ran is not kept),
 * or of a record without its build, is not known to be fixed.
 */
import type { ApplyFailure } from './apply.js';
import type { PatchReview, PriorFinding, UnindexedFile } from './model.js';
import { failedHunk, hunkFunctions } from './hunk-functions.js';

/** A function (null: anywhere in the file) a finding is about. */
interface Place {
  file: string;
  function: string | null;
}

/**
 * Where the finding is: the functions of its chain. Without them (a record written before they were kept,
 * a finding with no chain), and for a finding on a file that is not C (a locking.rst rule), its file,
 * anywhere in it.
 */
function placesOf(f: PriorFinding): Place[] {
  const places: Place[] = [...(f.functions ?? [])];
  if (!f.functions?.length || !/\.[ch]$/.test(f.file)) places.push({ file: f.file, function: null });
  return places;
}

/** "patch 2/3 of v2", or "the patch of v2" for a lone one. */
function whichPatch(p: PatchReview, total: number, version: number): string {
  return total > 1 ? `patch ${p.index}/${total} of v${version}` : `the patch of v${version}`;
}

/** The clause saying why `f` was not read, for one failure of `p` that covers it; null when it does not. */
function covers(f: Place[], p: PatchReview, failure: ApplyFailure, total: number, version: number): string | null {
  const { diff, hunk } = failedHunk(p.files, failure);
  const paths = new Set([failure.file, diff?.oldPath, diff?.newPath].filter((x): x is string => Boolean(x)));
  const mine = f.filter((x) => paths.has(x.file));
  if (!mine.length) return null;
  const who = whichPatch(p, total, version);
  const name = diff?.newPath ?? failure.file;
  if (failure.hunk === null) return `${who} changes ${name}, but that change was not applied (${failure.reason})`;
  const fns = hunkFunctions(failure.hunk, hunk);
  const hit = mine.find((x) => x.function === null || fns.includes(x.function));
  if (!hit) return null;
  return hit.function !== null
    ? `${who} changes ${hit.function}() (${name}), but that hunk did not apply to the tree (${failure.reason})`
    : `${who} changes ${name} in a hunk that did not apply to the tree (${failure.reason})`;
}

/**
 * Why the new version's review did not read the code of `f`, a finding of the previous version: the first
 * hunk or file of its patches, in order, that did not apply where `f` is, else the first file of `f` that
 * review could not index (`unindexed`, the review's: files, and directories it could not list), else the first patch whose analysis of `f`'s build
 * failed; null when its code was read.
 * `total`: M of [PATCH k/M]; `version`: the new version.
 */
export function unreadCode(f: PriorFinding, patches: readonly PatchReview[], total: number, version: number, unindexed: readonly UnindexedFile[] = []): string | null {
  const places = placesOf(f);
  for (const p of [...patches].sort((a, b) => a.index - b.index)) {
    for (const failure of p.applyFailures) {
      if (failure.alreadyApplied) continue;
      const why = covers(places, p, failure, total, version);
      if (why) return why;
    }
  }
  // A file it could not read, or a directory it could not list that holds the file.
  for (const x of places) {
    const u = unindexed.find((m) => m.file === x.file || x.file.startsWith(`${m.file}/`));
    if (u?.file === x.file) return `v${version}'s review could not index ${x.file} (${u.reason})`;
    if (u) return `v${version}'s review could not index ${x.file}: it could not list ${u.file}/ (${u.reason})`;
  }
  return archFailed(f, patches, total, version);
}

/** The first patch of the new version (in order) whose analysis of `f`'s build failed, as a clause; null when none did. */
function archFailed(f: PriorFinding, patches: readonly PatchReview[], total: number, version: number): string | null {
  for (const p of [...patches].sort((a, b) => a.index - b.index)) {
    // null: several builds reported it; undefined: the record predates `arch`. Either may be the failed one.
    const failed = p.failedArchs?.find((x) => typeof f.arch !== 'string' || x.arch === f.arch);
    if (failed) return `the ${failed.arch} analysis of ${whichPatch(p, total, version)} failed (${failed.reason})`;
  }
  return null;
}
