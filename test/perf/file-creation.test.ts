/**
 * The bench's file-creation probe (test/bench/file-creation.ts) does what the cache's put() does
 * to each entry, so that its time stands for the cold check's writes: a file written under a
 * temporary name, then renamed, none left behind under the temporary name.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeFileCreation, fileCreationMs } from '../bench/file-creation.js';

describe('bench: file creation probe', () => {
  it('creates the entries it times, renamed from temporary names, and leaves them', () => {
    const parent = mkdtempSync(join(tmpdir(), 'kvm-review-probe-'));
    try {
      const ms = fileCreationMs(parent, 40);
      expect(Number.isFinite(ms)).toBe(true);
      const names = readdirSync(join(parent, 'file-creation-probe')).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
      expect(names).toEqual(Array.from({ length: 40 }, (_, i) => `${i}.json`));
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it("words a slow figure as the file system's, with the count", () => {
    expect(describeFileCreation(38, 545)).toBe("  file creation in the cache's file system: 545 entries written and renamed in 38 ms");
    expect(describeFileCreation(340, 545)).toMatch(/in 340 ms \(slow: inodes deleted in the last minutes, .* the cold check writes as many entries and pays the same\)$/);
  });
});
