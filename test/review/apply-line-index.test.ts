/**
 * The searches apply.ts makes for a hunk that did not apply exactly read an
 * index of the file's lines instead of scanning it. Where a hunk's new side
 * stands (newSideAt) must still be the place nearest the header's line, the
 * earlier one on a tie, with a file's CRs ignored; checked against a scan
 * written here, over generated files whose lines repeat as C's braces and
 * blank lines do.
 */
import { describe, expect, it } from '@jest/globals';
import { newSideAt } from '../../analyzers/review/apply.js';
import type { DiffLine, Hunk } from '../../analyzers/series/diff-model.js';

function generator(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.floor((s / 2147483648) * n);
  };
}

const WORDS = ['{', '}', '', 'a();', 'b();', 'return 0;', 'mutex_lock(&kvm->lock);', 'mutex_unlock(&kvm->lock);'];

/** Every offset from the header's line outwards, before it first: the search as a reader states it. */
function nearestScan(lines: readonly string[], now: readonly string[], expected: number): number {
  const at = (i: number): boolean => i >= 0 && i + now.length <= lines.length && now.every((l, k) => (lines[i + k] as string).replace(/\r$/, '') === l);
  for (let d = 0; d <= lines.length + expected; d++) {
    if (at(expected - d)) return expected - d;
    if (at(expected + d)) return expected + d;
  }
  return -1;
}

describe('where a hunk already in the tree stands', () => {
  it('is the place nearest the header, the earlier on a tie, CRs or not', () => {
    const rnd = generator(5);
    let found = 0;
    let crFiles = 0;
    for (let c = 0; c < 3000; c++) {
      const cr = rnd(4) === 0;
      const lines = Array.from({ length: 20 + rnd(200) }, () => (WORDS[rnd(WORDS.length)] as string) + (cr && rnd(2) ? '\r' : ''));
      if (cr) crFiles++;
      const at = rnd(lines.length - 4);
      const body: DiffLine[] = lines.slice(at, at + 1 + rnd(4)).map((l) => ({ type: rnd(3) ? 'normal' : 'add', content: l.replace(/\r$/, '') }));
      body.splice(rnd(body.length + 1), 0, { type: 'del', content: 'gone();' });
      const newStart = Math.max(1, at + 1 + rnd(41) - 20);
      const hunk: Hunk = { header: '@@', oldStart: newStart, oldLines: 0, newStart, newLines: 0, bodyLine: 1, lines: body };
      const now = body.filter((l) => l.type !== 'del').map((l) => l.content);
      const want = now.length && body.some((l) => l.type !== 'normal') ? nearestScan(lines, now, newStart - 1) : -1;
      expect(newSideAt(lines, hunk)).toBe(want);
      if (want >= 0) found++;
    }
    // The cases exercise what they claim: most new sides are found, some in files with CRs.
    expect(found).toBeGreaterThan(2000);
    expect(crFiles).toBeGreaterThan(500);
  });
});
