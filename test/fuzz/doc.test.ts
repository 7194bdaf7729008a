/**
 * Fuzz: the locking.rst reader on mutated revisions of the real document.
 * It refuses what is not a locking document with a DocInputError naming the
 * file and line, and otherwise returns a model whose every line number
 * points into the document; nothing else escapes.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { fuzzRuns } from '../helpers/fuzz-runs.js';
import { DocInputError, readLockingDoc } from '../../knowledge/doc/reader.js';
import { mutate, mutations } from './mutate.js';
import { docRevisions } from './seeds.js';

const revisions = docRevisions();
const PROBLEM_KINDS = ['cycle', 'srcu-conflict', 'two-names', 'not-in-table', 'not-ordered', 'no-order'];

describe('fuzz: locking.rst reader', () => {
  it('mutated revisions (300 cases)', () => {
    expect(revisions).toHaveLength(25);
    let read = 0;
    fc.assert(
      fc.property(fc.nat(), mutations, (n, muts) => {
        const text = mutate(revisions[n % revisions.length] ?? '', muts);
        let order;
        try {
          order = readLockingDoc(Buffer.from(text, 'utf8'), 'fuzz/locking.rst');
        } catch (e) {
          if (!(e instanceof DocInputError)) throw e;
          expect(e.message).toMatch(/^fuzz\/locking\.rst(?::\d+)?: /);
          return;
        }
        read++;
        const lines = text.split(/\r\n?|\n/).length;
        const inside = (line: number): boolean => Number.isInteger(line) && line >= 1 && line <= lines;
        for (const x of [...order.edges, ...order.srcu, ...order.contexts, ...order.unrecognized]) expect(inside(x.line)).toBe(true);
        for (const p of order.problems) {
          expect(PROBLEM_KINDS).toContain(p.kind);
          expect(p.lines.every(inside)).toBe(true);
        }
      }),
      fuzzRuns(300, 20230111),
    );
    expect(read).toBeGreaterThan(150);
  });
});
