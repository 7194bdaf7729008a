/**
 * The bound apply.ts checks before jsdiff's fuzzy search (mayFit) must never
 * refuse a hunk jsdiff would place: over many generated files and hunks cut
 * from them (moved, with lines substituted, dropped or added), every hunk
 * jsdiff applies with the same fuzz factor passes the bound, and the bound
 * refuses most that jsdiff refuses (or it spares nothing). And jsdiff given
 * only the lines where a hunk can start (applyFuzzy) places every hunk as it
 * does on the whole file.
 */
import { describe, expect, it } from '@jest/globals';
import { applyPatch, type StructuredPatch } from 'diff';
import { applyFuzzy, mayFit, startSpan } from '../../analyzers/review/apply.js';
import type { DiffLine, FileDiff, Hunk } from '../../analyzers/series/diff-model.js';

/** A small deterministic generator: the same cases on every run. */
function generator(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.floor((s / 2147483648) * n);
  };
}

// Few distinct lines, so that lines repeat as braces and blank lines do in C.
const WORDS = ['{', '}', '', 'a();', 'b();', 'c();', 'return 0;', 'x = 1;', 'mutex_lock(&kvm->lock);', 'mutex_unlock(&kvm->lock);'];

/** A file of `length` lines: the repeating WORDS, and in `unique` of every 10 lines a line of its own, as most C lines are. */
function makeCase(rnd: (n: number) => number, length = 30 + rnd(40), unique = 0): { lines: string[]; hunk: Hunk } {
  const lines = Array.from({ length }, (_, i) => (rnd(10) < unique ? `f${i}(${rnd(3)});` : (WORDS[rnd(WORDS.length)] as string)));
  const at = rnd(lines.length - 8);
  const old = lines.slice(at, at + 3 + rnd(6));
  const body: DiffLine[] = old.map((content) => ({ type: rnd(4) === 0 ? 'del' : 'normal', content }));
  body.splice(1 + rnd(body.length - 1), 0, { type: 'add', content: 'added();' });
  // A second run of added lines, one or two, in half the cases (after a removed line as often as not).
  if (rnd(2)) body.splice(rnd(body.length + 1), 0, ...Array.from({ length: 1 + rnd(2) }, () => ({ type: 'add' as const, content: 'also();' })));
  // Up to five errors against the file (more than the fuzz factor, as a hunk written against another
  // base has): a context line changed, a hunk line dropped, a line that is not there.
  for (let e = rnd(6); e > 0; e--) {
    const i = rnd(body.length);
    const k = rnd(5);
    if (k === 0 && body[i]?.type === 'normal') body[i] = { type: 'normal', content: WORDS[rnd(WORDS.length)] as string };
    else if (k === 1 && body.length > 2) body.splice(i, 1);
    else body.splice(i, 0, { type: 'normal', content: `not_in_file_${e}();` });
  }
  const oldLines = body.filter((l) => l.type !== 'add').length;
  const newLines = body.filter((l) => l.type !== 'del').length;
  const oldStart = Math.max(1, at + 1 + rnd(11) - 5);
  return { lines, hunk: { header: `@@ -${oldStart},${oldLines} +${oldStart},${newLines} @@`, oldStart, oldLines, newStart: oldStart, newLines, bodyLine: 1, lines: body } };
}

/** The hunk as jsdiff takes it, written here rather than with apply.ts's own conversion. */
function jsdiffPatch(hunk: Hunk): StructuredPatch {
  const lines = hunk.lines.map((l) => (l.type === 'add' ? '+' : l.type === 'del' ? '-' : ' ') + l.content);
  return { oldFileName: 'a.c', newFileName: 'a.c', oldHeader: undefined, newHeader: undefined, hunks: [{ ...hunk, lines }] };
}

describe('the bound before the fuzzy search', () => {
  it('never refuses a hunk jsdiff places with the same fuzz factor, and refuses some it does not', () => {
    const rnd = generator(7);
    let placed = 0;
    let refused = 0;
    let fuzzy = 0;
    for (let n = 0; n < 8000; n++) {
      const { lines, hunk } = makeCase(rnd);
      const patch = jsdiffPatch(hunk);
      const jsdiff = applyPatch(lines.join('\n'), patch, { fuzzFactor: 2 }) !== false;
      const bound = mayFit(lines, hunk, 2);
      if (jsdiff) {
        placed++;
        expect({ n, bound }).toEqual({ n, bound: true });
        if (applyPatch(lines.join('\n'), patch, { fuzzFactor: 0 }) === false) fuzzy++;
      } else if (!bound) refused++;
    }
    // The cases are worth something: hunks placed only with errors, and hunks the bound spares jsdiff.
    expect(placed).toBeGreaterThan(1000);
    expect(fuzzy).toBeGreaterThan(500);
    // Most of what jsdiff refuses: its lines around an addition are not two lines of the file.
    expect(refused).toBeGreaterThan(2000);
  });

  it('jsdiff given only the lines where the hunk can start places it as on the whole file', () => {
    const rnd = generator(11);
    let placed = 0;
    let fuzzy = 0;
    let narrowed = 0;
    for (let n = 0; n < 3000; n++) {
      const { lines, hunk } = makeCase(rnd, 200 + rnd(400), rnd(10));
      const file = { oldPath: 'a.c', newPath: 'a.c', path: 'a.c' } as FileDiff;
      const patch = jsdiffPatch(hunk);
      const text = lines.join('\n');
      const whole = applyPatch(text, patch, { fuzzFactor: 2 });
      const bounded = applyFuzzy(text, lines, file, hunk);
      expect({ n, out: bounded === false ? false : bounded.join('\n') }).toEqual({ n, out: whole });
      if (whole !== false) placed++;
      if (whole !== false && applyPatch(text, patch, { fuzzFactor: 0 }) === false) fuzzy++;
      const span = startSpan(lines, hunk, 2);
      if (span.last - span.first < lines.length / 2) narrowed++;
    }
    // The cases are many of each kind: hunks placed, placed only with errors, and searches cut to under half the file.
    expect(placed).toBeGreaterThan(500);
    expect(fuzzy).toBeGreaterThan(300);
    expect(narrowed).toBeGreaterThan(1500);
  });
});
