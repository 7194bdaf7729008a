/**
 * A pack is written in pack-codec.ts's encoding (tables, empty lists left
 * out) to load faster in a fresh process: on the facts of a real tree, what
 * a warm index loads from the pack must be what the cold index stored, JSON
 * text for JSON text, and a pack of the plain layout before it must be a
 * miss, never read as facts.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FactCache, forgetCache } from '../../analyzers/index/cache.js';
import { indexedFiles } from '../../analyzers/index/files.js';
import { indexTree } from '../../analyzers/index/index-tree.js';
import { packFacts, unpackFacts } from '../../analyzers/index/pack-codec.js';
import { kernelTree } from '../helpers/paths.js';

describe('pack codec on the 6.12 tree', () => {
  it('loads what was stored, and a plain-layout pack at its key is a miss', async () => {
    const tree = kernelTree('6.12');
    const files = (await indexedFiles(tree)).filter((f) => !f.startsWith('arch/') || f.startsWith('arch/x86/') || f.startsWith('arch/arm64/'));
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-pack-codec-'));
    forgetCache();
    const cold = await indexTree(tree, { cache: { dir }, files });
    const stored = JSON.stringify(cold.files);
    // Sites with held locks, `after` lists and arguments: the tables are exercised.
    const calls = cold.files.flatMap((f) => f.functions.flatMap((fn) => fn.calls));
    expect(calls.filter((c) => c.held.length).length).toBeGreaterThan(100);
    expect(calls.filter((c) => c.after?.length).length).toBeGreaterThan(100);
    expect(calls.filter((c) => c.args?.length).length).toBeGreaterThan(100);

    const [name, ...others] = readdirSync(join(dir, 'packs'));
    expect(others).toEqual([]);
    const path = join(dir, 'packs', name as string);
    // The encoding is what the pack holds, and smaller than the plain facts.
    expect(readFileSync(path, 'utf8').length).toBeLessThan(stored.length / 2);

    forgetCache();
    const warm = await indexTree(tree, { cache: { dir }, files });
    expect([warm.cache.misses, warm.cache.invalid, warm.read]).toEqual([0, 0, 0]);
    expect(JSON.stringify(warm.files)).toBe(stored);
    // Without the cache: the codec alone, through JSON.
    expect(JSON.stringify(unpackFacts(JSON.parse(JSON.stringify(packFacts(cold.files)))))).toBe(stored);

    // A pack of the layout before (plain facts), written where this layout's pack is, hash and all.
    const key = (name as string).replace(/\.json$/, '');
    const pack = JSON.parse(readFileSync(path, 'utf8').replace(/^.*?,"value":/s, '').slice(0, -1)) as Record<string, unknown>;
    delete pack.facts;
    forgetCache();
    new FactCache<unknown>(join(dir, 'packs'), { safeParse: (v) => ({ success: true, data: v }) }).put(key, { file: 'tree-state', identity: key }, { ...pack, files: cold.files }, { checked: true });
    forgetCache();
    const old = await indexTree(tree, { cache: { dir }, files });
    // Not read as a pack (counted, and the files come from their own entries): the facts are the stored ones.
    expect([old.cache.misses, old.cache.invalid]).toEqual([0, 1]);
    expect(JSON.stringify(old.files)).toBe(stored);
  }, 300_000);

  it('refuses to pack a field it does not know, naming it', async () => {
    const tree = kernelTree('6.12');
    const file = (await indexedFiles(tree)).find((f) => f === 'virt/kvm/kvm_main.c') as string;
    forgetCache();
    const { files } = await indexTree(tree, { cache: { disabled: true }, files: [file] });
    const facts = files[0];
    const fn = facts?.functions.find((f) => f.calls.length);
    expect(fn).toBeDefined();
    if (!facts || !fn) return;
    const call = { ...fn.calls[0], extra: 1 };
    expect(() => packFacts([{ ...facts, functions: [{ ...fn, calls: [call as (typeof fn.calls)[number]] }] }])).toThrow(/kvm_main\.c: .*a call site.*: extra/);
  });
});
