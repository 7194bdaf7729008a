/**
 * How many cases a property runs, and from which seed. The test line (and so
 * CI) replays a fixed seed per property: a red run there is a regression that
 * reruns the same way, not a new random find that blocks an unrelated change.
 * `npm run fuzz` explores instead: FUZZ_SEED=random gives each property a
 * fresh seed (fast-check prints it, with the shrunk counterexample, when it
 * fails) and FUZZ_SCALE multiplies the number of cases. A find becomes a fixed
 * regression case beside the property, as in test/fuzz/review.test.ts.
 */
import type { Parameters } from 'fast-check';

/** FUZZ_SEED: unset for `fixed`, `random`, or an integer to replay a reported seed. */
function seed(fixed: number): number | undefined {
  const raw = process.env.FUZZ_SEED;
  if (raw === undefined || raw === '') return fixed;
  if (raw === 'random') return undefined;
  if (!/^-?\d+$/.test(raw)) throw new Error(`FUZZ_SEED=${raw}: expected an integer or "random"`);
  return Number(raw);
}

/** FUZZ_SCALE: a positive integer, 1 when unset. */
function scale(): number {
  const raw = process.env.FUZZ_SCALE;
  if (raw === undefined || raw === '') return 1;
  if (!/^[1-9]\d{0,3}$/.test(raw)) throw new Error(`FUZZ_SCALE=${raw}: expected a positive integer`);
  return Number(raw);
}

/** fast-check parameters for a property of `numRuns` cases whose test-line seed is `fixed`. */
export function fuzzRuns<T>(numRuns: number, fixed: number): Parameters<T> {
  const s = seed(fixed);
  return s === undefined ? { numRuns: numRuns * scale() } : { numRuns: numRuns * scale(), seed: s };
}
