/**
 * `npm run bench`, the mail reader on a 10 MB patch (test/helpers/huge-patch.ts):
 * read linearly, it takes seconds; fed to the mbox splitter as one chunk it
 * took 70 s (quadratic). Bound: under 30 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSeries } from '../../analyzers/series/index.js';
import { writeHugePatchMbox } from '../helpers/huge-patch.js';

export async function mboxBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kvm-review-mbox-bench-'));
  try {
    const path = writeHugePatchMbox(join(dir, 'huge.mbx'));
    const t0 = performance.now();
    const read = await readSeries(path);
    const ms = performance.now() - t0;
    const ok = read.chosen?.patches[0]?.status === 'ok';
    console.log(`mbox reader, one 10 MB patch: ${(ms / 1000).toFixed(1)} s${ok ? '' : ' (NOT read as one patch)'} (bound < 30 s: ${ok && ms < 30_000 ? 'yes' : 'no'})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
