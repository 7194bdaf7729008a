/**
 * Fuzz: the whole review (review() from analyzers/review) on a mutated
 * three-patch series against a tiny real tree on disk, and hunk-only. No
 * exception escapes except a SourceError refusing the input as a whole; the
 * JSON matches the README contract; every patch message of the chosen series
 * is in the review with a status, and a reason when it was not reviewed.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { fuzzRuns } from '../helpers/fuzz-runs.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { review } from '../../analyzers/review/review.js';
import { isSourceError } from '../../analyzers/sources/errors.js';
import { readSeries } from '../../analyzers/series/read-series.js';
import { render } from '../../bot/render/formats/json.js';
import { reviewJson } from './invariants.js';
import { mutate, mutations } from './mutate.js';
import { tinySeries, tinyTree } from './seeds.js';

const tree = tinyTree();
const series = tinySeries(tree);

describe('fuzz: review against a tiny tree', () => {
  it('the unmutated series is reviewed with findings (the seed is meaningful)', async () => {
    const input = join(tree, '..', `${tree.split('/').pop() ?? 'x'}-seed.mbx`);
    writeFileSync(input, series);
    const r = await review({ input, tree, cache: { disabled: true } });
    expect(r.patches.map((p) => [p.index, p.status])).toEqual([[1, 'reviewed'], [2, 'reviewed'], [3, 'reviewed']]);
    expect(r.patches[0]?.findings.map((f) => f.kind)).toContain('srcu-violation');
  });

  it('seed 1333383832 (a stray character and CRLF) yields a doc-unrecognized finding the JSON contract accepts', async () => {
    const input = `${tree}-seed-1333383832.mbx`;
    writeFileSync(input, mutate(series, [{ op: 'char', at: 1158693376, char: 84745990 }, { op: 'crlf' }]));
    const result = await review({ input, tree, cache: { disabled: true } });
    const json = reviewJson.parse(JSON.parse(render({ type: 'review', result }, { failOn: 'error' }).output));
    expect(json.patches.flatMap((p) => p.findings.map((f) => f.kind))).toContain('doc-unrecognized');
  });

  it('a subject with version v99999999999999999999 (CI seed -2022637000) is a tag, and the JSON contract holds', async () => {
    const input = `${tree}-seed-2022637000.mbx`;
    writeFileSync(input, mutate(series, [{ op: 'insert', at: 51752368, line: 194771887 }]));
    const result = await review({ input, tree: null, cache: { disabled: true } });
    const json = reviewJson.parse(JSON.parse(render({ type: 'review', result }, { failOn: 'error' }).output));
    expect(json.series.version).toBe(1);
  });

  it('mutated series, tree and hunk-only (200 cases)', async () => {
    let n = 0;
    let reviewed = 0;
    await fc.assert(
      fc.asyncProperty(mutations, fc.boolean(), async (muts, withTree) => {
        const input = `${tree}-case-${n++}.mbx`;
        writeFileSync(input, mutate(series, muts));
        let result;
        try {
          result = await review({ input, tree: withTree ? tree : null, cache: { disabled: true } });
        } catch (e) {
          if (!isSourceError(e)) throw e;
          return;
        }
        const json = reviewJson.parse(JSON.parse(render({ type: 'review', result }, { failOn: 'error' }).output));
        const read = await readSeries(input);
        const wanted = read.chosen ? [...read.chosen.patches, ...read.chosen.duplicates].map((p) => [p.index, p.messageId]) : [];
        expect(json.patches.map((p) => [p.index, p.messageId]).sort()).toEqual(wanted.sort());
        if (json.patches.some((p) => p.status === 'reviewed')) reviewed++;
      }),
      fuzzRuns(200, 20230421),
    );
    expect(reviewed).toBeGreaterThan(50);
  });
});
