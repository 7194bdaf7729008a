/**
 * Fuzz: the mbox reader and the series stage on mutated real mail (corpus
 * messages and small threads, the seed patches as plain diffs). Whatever the
 * bytes, the input is either refused as a whole with a SourceError naming
 * it, or every message comes back accounted for, every patch with a status
 * and a reason, every path normalised.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { fuzzRuns } from '../helpers/fuzz-runs.js';
import { readBytes } from '../../analyzers/sources/file-source.js';
import { isSourceError } from '../../analyzers/sources/errors.js';
import { assemble } from '../../analyzers/series/read-series.js';
import { expectAccounted } from './invariants.js';
import { mutate, mutations } from './mutate.js';
import { corpusMessages, seedPatches } from './seeds.js';

const threads = corpusMessages();
const seeds = seedPatches();

/** Reads `text` as a file would be read; resolves to true when it was refused as a whole (a SourceError), which is a valid answer. */
async function readAndCheck(text: string, file: string): Promise<boolean> {
  let read;
  try {
    read = await readBytes(Buffer.from(text, 'utf8'), file);
  } catch (e) {
    if (!isSourceError(e)) throw e;
    expect(e.file).toBe(file);
    expect(e.message.startsWith(`${file}`)).toBe(true);
    return true;
  }
  const r = assemble(read);
  expectAccounted(r, read.messages.map((m) => m.messageId));
  return false;
}

describe('fuzz: mbox reader and series assembly', () => {
  it('corpus messages and threads, mutated (500 cases)', async () => {
    expect(threads.flat().length).toBeGreaterThan(300);
    const window = fc.record({ file: fc.nat(), start: fc.nat(), count: fc.integer({ min: 1, max: 3 }) });
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(window, mutations, async (w, muts) => {
        const thread = threads[w.file % threads.length] ?? [];
        const start = w.start % Math.max(1, thread.length);
        const text = mutate(thread.slice(start, start + w.count).join(''), muts);
        if (await readAndCheck(text, 'fuzz.mbx')) refused++;
      }),
      fuzzRuns(500, 20230224),
    );
    // Most mutations leave mail that is still mail: the property must have exercised the series stage.
    expect(refused).toBeLessThan(250);
  });

  it('seed patches as plain diffs, mutated (200 cases)', async () => {
    expect(seeds.length).toBeGreaterThan(0);
    await fc.assert(
      fc.asyncProperty(fc.nat(), mutations, async (n, muts) => {
        await readAndCheck(mutate(seeds[n % seeds.length] ?? '', muts), 'fuzz.patch');
      }),
      fuzzRuns(200, 20230310),
    );
  });
});
