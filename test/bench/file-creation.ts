/**
 * What creating a cache entry costs on this file system at the moment, printed next to the cold
 * `check` (which writes one file per entry: 545 on 6.12, each written under a temporary name and
 * renamed, as cache.ts's put() does).
 *
 * Why it is measured: ext4 without a journal (this machine's disk) does not reuse an inode deleted
 * in the last 60 s, or 360 s while its inode table block is dirty (`recently_deleted()` in
 * fs/ext4/ialloc.c), and it finds that out by scanning past every such inode for each new file.
 * Right after a test run or a bench deleted its thousands of temporary files, a new file cost 0.5
 * ms instead of 0.03 ms here, 0.3-0.4 s of a cold check (2026-12-05, `perf record`: the time was in
 * `find_inode_bit()` and `recently_deleted()`). The figure tells the program's cost from the file
 * system's recent history; a journalled file system does not scan.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The entries a cold `check --tree` of 6.12 writes (facts, structs, edges and the rest). */
export const COLD_CHECK_ENTRIES = 545;

/**
 * Create `count` files of a few kB in a new directory under `parent`, as put() does (write a
 * temporary name, rename): the milliseconds it took. The files stay: deleting them now would be
 * more recently deleted inodes for what the bench times next (the bench's directory goes at its end).
 */
export function fileCreationMs(parent: string, count = COLD_CHECK_ENTRIES): number {
  const dir = join(parent, 'file-creation-probe');
  mkdirSync(dir, { recursive: true });
  const body = Buffer.alloc(4096, 0x20);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const tmp = join(dir, `${i}.tmp`);
    writeFileSync(tmp, body);
    renameSync(tmp, join(dir, `${i}.json`));
  }
  return performance.now() - t0;
}

/** The line the bench prints: the figure, and what a slow one means. */
export function describeFileCreation(ms: number, count = COLD_CHECK_ENTRIES): string {
  // 15-45 ms on a quiet file system here; 10x that right after thousands of deletions.
  const slow = ms > 100;
  return `  file creation in the cache's file system: ${count} entries written and renamed in ${ms.toFixed(0)} ms${
    slow ? ' (slow: inodes deleted in the last minutes, which a new file scans past here; the cold check writes as many entries and pays the same)' : ''
  }`;
}
