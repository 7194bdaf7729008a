/**
 * applyFiles() on a tree on disk: a hunk written against another base lands
 * where jsdiff places it, on LF and on CRLF files alike, and a hunk that
 * cannot land is reported with its reason while the others still apply.
 */
import { describe, expect, it } from '@jest/globals';
import { applyPatch } from 'diff';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyFiles } from '../../analyzers/review/apply.js';
import { parseSection } from '../../analyzers/series/diff-parse.js';
import type { FileDiff } from '../../analyzers/series/diff-model.js';
import { scanDiff } from '../../analyzers/series/diff-sections.js';
import { DirectoryTree } from '../../analyzers/trees/directory-tree.js';
import { OverlayTree } from '../../analyzers/trees/overlay-tree.js';

/** The diff of a.c whose hunks are `hunks` (header and body lines each), read as a mail's diff is. */
function diffOf(...hunks: string[][]): FileDiff {
  const scan = scanDiff(['diff --git a/a.c b/a.c', '--- a/a.c', '+++ b/a.c', ...hunks.flat(), ''].join('\n'));
  const [section] = scan.sections;
  const file = section && parseSection(scan.lines, section);
  if (!file || 'message' in file) throw new Error(`the test's diff did not parse: ${file?.message ?? 'no section'}`);
  return file;
}

async function applyOnDisk(text: string, diff: FileDiff): Promise<{ text: string | null; failures: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'kvm-review-apply-'));
  writeFileSync(join(dir, 'a.c'), text);
  const overlay = new OverlayTree(new DirectoryTree(dir));
  const failures = await applyFiles(overlay, [diff]);
  return { text: await overlay.readText('a.c'), failures: failures.map((f) => `${f.hunk}: ${f.reason}${f.alreadyApplied ? ` [already applied at ${f.alreadyApplied.line}]` : ''}`) };
}

// Five lines of context moved and one changed since the hunk was written: only jsdiff's fuzzy search places it.
const FILE = ['x', 'y', 'z', 'w', 'v', 'a', 'b', 'c', 'changed', 'e', 'f'];
const MOVED = ['@@ -1,5 +1,5 @@', ' a', '-b', '+B', ' c', ' d', ' e'];

describe('applyFiles', () => {
  it('places a hunk written against another base where jsdiff does, on an LF file', async () => {
    const text = FILE.join('\n') + '\n';
    const out = await applyOnDisk(text, diffOf(MOVED));
    expect(out.failures).toEqual([]);
    expect(out.text).toBe(text.replace('\nb\n', '\nB\n'));
  });

  it('places an LF hunk on a CRLF file as jsdiff does (its line ends converted), not refused for its removed line', async () => {
    const text = FILE.join('\r\n') + '\r\n';
    const jsdiff = applyPatch(text, ['--- a/a.c', '+++ b/a.c', ...MOVED, ''].join('\n'), { fuzzFactor: 2 });
    expect(jsdiff).toBe(text.replace('\r\nb\r\n', '\r\nB\r\n'));
    const out = await applyOnDisk(text, diffOf(MOVED));
    expect(out.failures).toEqual([]);
    expect(out.text).toBe(jsdiff);
  });

  it('reports a hunk whose removed line is not in the file and applies the next one', async () => {
    const text = FILE.join('\n') + '\n';
    const out = await applyOnDisk(text, diffOf(['@@ -1,3 +1,3 @@', ' x', '-gone', '+new', ' y'], ['@@ -9,3 +9,3 @@', ' changed', '-e', '+E', ' f']));
    expect(out.failures).toEqual(['@@ -1,3 +1,3 @@: a line the hunk removes is not in the file']);
    expect(out.text).toBe(text.replace('\ne\n', '\nE\n'));
  });

  it('says a hunk the file already has is already applied, where its new side starts, and applies the next one', async () => {
    // The first hunk's change is in the file (B for b), as after `git apply`; the second is not.
    const text = ['x', 'y', 'a', 'B', 'c', 'changed', 'e', 'f'].join('\n') + '\n';
    const out = await applyOnDisk(text, diffOf(['@@ -1,5 +1,5 @@', ' x', ' y', ' a', '-b', '+B', ' c'], ['@@ -6,3 +6,3 @@', ' changed', '-e', '+E', ' f']));
    expect(out.failures).toEqual(['@@ -1,5 +1,5 @@: the tree has this change (its new side is at a.c:1) [already applied at 1]']);
    expect(out.text).toBe(text.replace('\ne\n', '\nE\n'));
  });

  it('finds an already applied hunk that moved, by its new side, on a CRLF file too', async () => {
    const lines = ['0', '1', '2', '3', 'x', 'y', 'a', 'B', 'c'];
    const hunk = ['@@ -1,4 +1,4 @@', ' y', ' a', '-b', '+B', ' c'];
    expect((await applyOnDisk(lines.join('\n') + '\n', diffOf(hunk))).failures).toEqual(['@@ -1,4 +1,4 @@: the tree has this change (its new side is at a.c:6) [already applied at 6]']);
    expect((await applyOnDisk(lines.join('\r\n') + '\r\n', diffOf(hunk))).failures).toEqual(['@@ -1,4 +1,4 @@: the tree has this change (its new side is at a.c:6) [already applied at 6]']);
  });

  it('does not call a hunk applied when only part of its new side is in the file', async () => {
    // B is there but its context is not: neither side of the hunk is, so it is refused as before.
    const text = ['x', 'y', 'a', 'B', 'other', 'e'].join('\n') + '\n';
    const out = await applyOnDisk(text, diffOf(['@@ -1,4 +1,4 @@', ' y', ' a', '-b', '+B', ' c']));
    expect(out.failures).toEqual(['@@ -1,4 +1,4 @@: a line the hunk removes is not in the file']);
  });
  it('places every hunk of a file written against another base where jsdiff does, one after the other, each with lines of its own', async () => {
    // Ten functions of distinct lines; each hunk changes one, with a context line the file no longer has,
    // so none applies exactly and each is searched in the file as the hunks before it left it.
    const fns = Array.from({ length: 10 }, (_, k) => [`int f${k}(void)`, '{', `\tg${k}();`, `\th${k}();`, `\tk${k}();`, '\treturn 0;', '}', '']);
    const text = fns.flat().join('\n');
    const hunks = fns.map((_, k) => {
      const start = k * 8 + 3;
      return [`@@ -${start},5 +${start},5 @@`, ` int f${k}(void)`, ' {', `-\tg${k}();`, `+\tG${k}();`, `\x20\th${k}();`, `\x20\tstale${k}();`];
    });
    let jsdiff: string | false = text;
    for (const h of hunks) jsdiff = jsdiff === false ? false : applyPatch(jsdiff, ['--- a/a.c', '+++ b/a.c', ...h, ''].join('\n'), { fuzzFactor: 2 });
    expect(jsdiff).not.toBe(false);
    const out = await applyOnDisk(text, diffOf(...hunks));
    expect(out.failures).toEqual([]);
    expect(out.text).toBe(jsdiff);
    expect(out.text).toContain('\tG9();');
  });
});
