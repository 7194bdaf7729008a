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
import type { DiffLine, FileDiff, Hunk } from '../../analyzers/series/diff-model.js';
import { DirectoryTree } from '../../analyzers/trees/directory-tree.js';
import { OverlayTree } from '../../analyzers/trees/overlay-tree.js';

/** A hunk from unified-diff body lines (`' x'`, `'-x'`, `'+x'`) whose header says `oldStart`. */
function hunk(oldStart: number, body: string[]): Hunk {
  const lines: DiffLine[] = body.map((l) => ({ type: l[0] === '+' ? 'add' : l[0] === '-' ? 'del' : 'normal', content: l.slice(1) }));
  const oldLines = lines.filter((l) => l.type !== 'add').length;
  const newLines = lines.filter((l) => l.type !== 'del').length;
  return { header: `@@ -${oldStart},${oldLines} +${oldStart},${newLines} @@`, oldStart, oldLines, newStart: oldStart, newLines, bodyLine: 1, lines };
}

function fileDiff(path: string, hunks: Hunk[]): FileDiff {
  return { oldPath: path, newPath: path, path, isNew: false, isDeleted: false, isRenamed: false, isCopied: false, isBinary: false, additions: 0, deletions: 0, hunks, bodyLine: 1 };
}

async function applyOnDisk(text: string, hunks: Hunk[]): Promise<{ text: string | null; failures: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'kvm-review-apply-'));
  writeFileSync(join(dir, 'a.c'), text);
  const overlay = new OverlayTree(new DirectoryTree(dir));
  const failures = await applyFiles(overlay, [fileDiff('a.c', hunks)]);
  return { text: await overlay.readText('a.c'), failures: failures.map((f) => `${f.hunk}: ${f.reason}`) };
}

// Five lines of context moved and one changed since the hunk was written: only jsdiff's fuzzy search places it.
const FILE = ['x', 'y', 'z', 'w', 'v', 'a', 'b', 'c', 'changed', 'e', 'f'];
const MOVED = hunk(1, [' a', '-b', '+B', ' c', ' d', ' e']);

describe('applyFiles', () => {
  it('places a hunk written against another base where jsdiff does, on an LF file', async () => {
    const text = FILE.join('\n') + '\n';
    const out = await applyOnDisk(text, [MOVED]);
    expect(out.failures).toEqual([]);
    expect(out.text).toBe(text.replace('\nb\n', '\nB\n'));
  });

  it('places an LF hunk on a CRLF file as jsdiff does (its line ends converted), not refused for its removed line', async () => {
    const text = FILE.join('\r\n') + '\r\n';
    const jsdiff = applyPatch(text, { oldFileName: 'a.c', newFileName: 'a.c', oldHeader: undefined, newHeader: undefined, hunks: [{ ...MOVED, lines: [' a', '-b', '+B', ' c', ' d', ' e'] }] }, { fuzzFactor: 2 });
    expect(jsdiff).toBe(text.replace('\r\nb\r\n', '\r\nB\r\n'));
    const out = await applyOnDisk(text, [MOVED]);
    expect(out.failures).toEqual([]);
    expect(out.text).toBe(jsdiff);
  });

  it('reports a hunk whose removed line is not in the file and applies the next one', async () => {
    const text = FILE.join('\n') + '\n';
    const out = await applyOnDisk(text, [hunk(1, [' x', '-gone', '+new', ' y']), hunk(9, [' changed', '-e', '+E', ' f'])]);
    expect(out.failures).toEqual(['@@ -1,3 +1,3 @@: a line the hunk removes is not in the file']);
    expect(out.text).toBe(text.replace('\ne\n', '\nE\n'));
  });
});
