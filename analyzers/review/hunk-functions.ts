/**
 * Which functions a hunk changes, as far as the hunk's own text tells: all
 * there is to go on for a hunk that did not apply, which has no place in the
 * tree. One answer for every stage that asks (the note on a finding whose
 * fix did not apply, the suggestion for a leaf rule the series itself works
 * on, a v1 finding v2 could not be compared on), so that they never
 * disagree about the same hunk.
 *
 * A hunk is about the function its header names (git's funcname context,
 * "@@ -7143,16 +7141,19 @@ static int set_nx_huge_pages(...)"), and about
 * each function whose definition line is among its lines: a hunk that adds
 * a function names the one before it in its header.
 */
import type { FileDiff, Hunk } from '../series/model.js';
import type { ApplyFailure } from './apply.js';

/** The function a hunk header's context (or a definition line) names, or null (no context, or no function in it). */
export function hunkFunction(header: string | null): string | null {
  const context = header?.replace(/^@@[^@]*@@\s*/, '') ?? '';
  const m = /([A-Za-z_]\w*)\s*\([^()]*(?:\)|$)/.exec(context);
  return m?.[1] ?? null;
}

/** The functions `hunk` changes by its text: the one `header` names, then each whose definition line (at column 0, as git's funcname rule takes them) it holds. */
export function hunkFunctions(header: string | null, hunk?: Hunk): string[] {
  const definitions = (hunk?.lines ?? []).map((l) => l.content).filter((c) => /^[A-Za-z_]/.test(c));
  const named = [header, ...definitions].map(hunkFunction);
  return [...new Set(named.filter((n): n is string => n !== null))];
}

/** The file of `files` a failure is about, and its hunk (undefined for a whole-file failure or one the diff does not have). */
export function failedHunk(files: readonly FileDiff[], failure: ApplyFailure): { diff: FileDiff | undefined; hunk: Hunk | undefined } {
  const diff = files.find((d) => d.path === failure.file);
  return { diff, hunk: failure.hunk === null ? undefined : diff?.hunks.find((h) => h.header === failure.hunk) };
}
