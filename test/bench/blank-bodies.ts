/**
 * Function bodies blanked before the parse, for the bench's measure of what parsing less could
 * save (prefilter-ceiling.ts): a plan names, by the digest of a pre-blanked text, the character
 * ranges to turn into spaces. Newlines stay, so every line and every other offset is where it was
 * and the parse sees each function with an empty body.
 */
import { sha256 } from '../../analyzers/index/cache.js';

/** The environment variable naming the plan file (read by the wrapper blank-bodies-loader.ts puts around parseC). */
export const BLANK_PLAN_ENV = 'KVM_REVIEW_BENCH_BLANK_PLAN';

/** Pre-blanked text digest -> [from, to) ranges to blank, sorted and apart. */
export type BlankPlan = Record<string, [number, number][]>;

/** What a plan's entries are keyed by: the text parseC() is given. */
export function textKey(text: string): string {
  return sha256(text);
}

/** `text` with every character of `ranges` but newlines made a space. */
export function blankRanges(text: string, ranges: readonly (readonly [number, number])[]): string {
  const out: string[] = [];
  let at = 0;
  for (const [from, to] of ranges) {
    out.push(text.slice(at, from), text.slice(from, to).replace(/[^\n]/g, ' '));
    at = to;
  }
  out.push(text.slice(at));
  return out.join('');
}

/**
 * The inside of the body of the definition on lines `line`..`endLine` (1-based; `starts` is the
 * text's lineStarts() of file-facts.ts): from after the first `{` at or after the definition's
 * first line to the last `}` on or before its last line. Null when there is no such pair there.
 */
export function bodyInside(text: string, starts: readonly number[], line: number, endLine: number): [number, number] | null {
  const first = starts[line - 1];
  const lastStart = starts[endLine - 1];
  if (first === undefined || lastStart === undefined) return null;
  const end = starts[endLine] ?? text.length;
  const open = text.indexOf('{', first);
  const close = text.lastIndexOf('}', end - 1);
  if (open < 0 || close < lastStart || close <= open) return null;
  return [open + 1, close];
}
