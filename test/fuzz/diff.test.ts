/**
 * Fuzz: the diff parser (diff-sections.ts counting, diff-parse.ts with
 * parse-diff) on mutated diffs of real patches. Every section parses into a
 * FileDiff whose hunks hold exactly the lines their headers announce and
 * whose paths are normalised, or comes back as a problem with a body line;
 * nothing throws.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { fuzzRuns } from '../helpers/fuzz-runs.js';
import { parseSection } from '../../analyzers/series/diff-parse.js';
import { scanDiff } from '../../analyzers/series/diff-sections.js';
import { expectFileDiff } from './invariants.js';
import { mutate, mutations } from './mutate.js';
import { corpusMessages, seedPatches } from './seeds.js';

/** The diff part of every corpus patch message, and the seeds. */
const diffs = [
  ...corpusMessages()
    .flat()
    .flatMap((m) => {
      const at = m.indexOf('\ndiff --git ');
      return at < 0 || /^Subject: Re:/im.test(m) ? [] : [m.slice(at + 1)];
    }),
  ...seedPatches(),
];

describe('fuzz: diff parser', () => {
  it('mutated real diffs (800 cases)', () => {
    expect(diffs.length).toBeGreaterThan(100);
    let parsed = 0;
    fc.assert(
      fc.property(fc.nat(), mutations, (n, muts) => {
        const body = mutate(diffs[n % diffs.length] ?? '', muts);
        const scan = scanDiff(body);
        expect(scan.descriptionEnd).toBeLessThanOrEqual(scan.lines.length);
        for (const section of scan.sections) {
          const out = parseSection(scan.lines, section);
          if ('message' in out) {
            expect(out.line).toBeGreaterThanOrEqual(1);
            expect(out.message).toEqual(expect.stringMatching(/\S/));
          } else {
            expectFileDiff(out);
            parsed++;
          }
        }
      }),
      fuzzRuns(800, 20221215),
    );
    expect(parsed).toBeGreaterThan(100);
  });
});
