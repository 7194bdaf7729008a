/**
 * Mails that were read wrongly without a word: each input is a corpus mbox
 * read at test time and changed here the way a mailer or a hand edit does
 * (a hunk header's counts, a BOM, a diff split across parts), or a small mail
 * written here. Every part of a patch is read, or the patch fails saying why.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSeries } from '../../analyzers/series/index.js';
import { LORE, tempDir } from './paths.js';

const tmp = tempDir();

function write(name: string, content: string | Buffer): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}

/** The corpus mbox `name` (under lore/kvm), as text. */
function corpus(name: string): string {
  return readFileSync(join(LORE, 'kvm', name), 'latin1');
}

describe('a hunk header whose counts are too small', () => {
  const ORIGINAL = corpus('arm64-vcpu-mutex-kvm-lock-inversion-v3.mbx');
  const HEADER = '@@ -2045,6 +2045,13 @@';

  it("fails the patch at the next hunk header of the file, which no file header precedes, instead of dropping the file's later hunks", async () => {
    expect(ORIGINAL.split(HEADER)).toHaveLength(2);
    const path = write('undercount.mbx', ORIGINAL.replace(HEADER, '@@ -2045,5 +2045,12 @@'));
    const lines = readFileSync(path, 'latin1').split('\n');
    const edited = lines.findIndex((l) => l.startsWith('@@ -2045,5 +2045,12 @@'));
    // The next hunk header: the edited hunk ends one line early, so this one follows text, not a hunk.
    const orphan = lines.findIndex((l, i) => i > edited && l.startsWith('@@ '));
    expect(lines.slice(edited, orphan).some((l) => l.startsWith('diff --git'))).toBe(false);

    const r = await readSeries(path);
    const patch = r.chosen?.patches.find((p) => p.index === 4);
    expect(patch?.status).toBe('failed');
    expect(patch?.reason).toMatch(/^line \d+ is a hunk header without a file header: the previous hunk's counts may be too small \(/);
    expect(patch?.reason).toContain(`(${path}:${orphan + 1})`);
    // The others are untouched.
    expect(r.chosen?.patches.map((p) => p.status)).toEqual(['ok', 'ok', 'ok', 'failed']);

    const clean = await readSeries(write('clean.mbx', ORIGINAL));
    expect(clean.chosen?.patches.map((p) => p.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('reports only where an overcounted hunk ends early, not the next hunk header as well', async () => {
    const path = write('overcount.mbx', ORIGINAL.replace(HEADER, '@@ -2045,7 +2045,14 @@'));
    const r = await readSeries(path);
    const reason = r.chosen?.patches.find((p) => p.index === 4)?.reason;
    expect(reason).toMatch(/^the hunk at body line \d+ ends early: line \d+ is not a diff line \(1 old and 1 new line\(s\) still expected\) \([^;]*\)$/);
  });
});
