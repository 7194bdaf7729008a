/**
 * A watcher killed and restarted must write what an uninterrupted run
 * writes, and the restarted one reads the index cache the first one wrote:
 * lock facts read back from the cache must be the facts computed, path
 * conditions and call arguments included (without them a warm review was
 * context-insensitive: another call site in a chain, another removed edge).
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgetCache } from '../../analyzers/index/cache.js';
import { indexedFiles } from '../../analyzers/index/files.js';
import { indexTree } from '../../analyzers/index/index-tree.js';
import { kernelTree } from '../helpers/paths.js';

describe('index cache round trip', () => {
  it('generic KVM code of 6.1 indexed cold and then from the cache gives the same facts', async () => {
    const tree = kernelTree('6.1');
    const files = (await indexedFiles(tree)).filter((f) => !f.startsWith('arch/'));
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-warm-'));
    const cold = await indexTree(tree, { cache: { dir }, files });
    expect(cold.cache.misses).toBe(files.length);
    // What a restarted process sees: the entries on disk, validated, not this process's memory.
    forgetCache();
    const warm = await indexTree(tree, { cache: { dir }, files });
    expect(warm.cache.hits).toBe(files.length);
    const withPaths = cold.files.flatMap((f) => f.functions).filter((fn) => fn.calls.some((c) => c.args || c.when) || fn.acquires.some((a) => a.when));
    expect(withPaths.length).toBeGreaterThan(0);
    expect(warm.files).toEqual(cold.files);
  }, 300_000);
});
