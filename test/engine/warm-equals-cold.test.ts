/**
 * A warm run reads the index from the cache; its answer must be the cold
 * run's, to the site. The cache schema once named fewer fields than the walk
 * writes, and zod drops keys a schema does not name: warm runs lost the
 * constant-argument conditions, the releasing callees and the invariants'
 * facts, and reported edges the cold run had pruned.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditTree } from '../../analyzers/audit.js';
import { parseFile } from '../../analyzers/c/parse-file.js';
import { mergeStructTypes } from '../../analyzers/c/struct-types.js';
import { forgetCache } from '../../analyzers/index/cache.js';
import { fileFactsSchema } from '../../analyzers/index/cache-schema.js';
import { factsOf } from '../../analyzers/index/file-facts.js';
import type { FileFacts } from '../../analyzers/index/index-tree.js';
import { loadDocumentedOrder } from '../../knowledge/doc/load.js';
import { FIXTURES, kernelTree } from '../helpers/paths.js';

describe('the cache keeps every fact the walk records', () => {
  it('facts with conditions, arguments, releasing callees and invariant facts survive the schema unchanged', async () => {
    const text = readFileSync(join(FIXTURES, 'order', 'generic.c'), 'utf8');
    const parsed = await parseFile('arch/x86/kvm/demo_x86.c', text);
    let entry: FileFacts;
    try {
      // What the index writes: every field factsOf() records.
      entry = factsOf(parsed, mergeStructTypes([]), text.length);
    } finally {
      parsed.dispose();
    }
    const functions = entry.functions;
    const sites = functions.flatMap((f) => [...f.acquires, ...f.calls]);
    // The fixture exercises each optional field, or this test proves nothing.
    expect(sites.some((s) => s.when?.some((c) => c.fact))).toBe(true);
    expect(sites.some((s) => s.when?.some((c) => c.fact === undefined))).toBe(true);
    expect(functions.some((f) => f.calls.some((c) => c.args))).toBe(true);
    expect(sites.some((s) => s.after?.length)).toBe(true);
    expect(entry.lookups.length).toBe(functions.length);
    expect(entry.blanks.length).toBe(functions.length);
    const roundTrip = fileFactsSchema.parse(JSON.parse(JSON.stringify(entry)));
    expect(roundTrip).toEqual(JSON.parse(JSON.stringify(entry)));
  });
});

describe.each(['6.1', '6.12'] as const)('Linux %s, every architecture: warm equals cold', (version) => {
  it('the same observed order and the same findings from a fresh cache and from the cache it wrote', async () => {
    const tree = kernelTree(version);
    const doc = loadDocumentedOrder({ tree, cwd: '/' });
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-warm-cold-'));
    const cold = await auditTree(tree, { arch: 'all', doc, cache: { dir } });
    // As a new process would: every entry read from disk, through the schema.
    forgetCache();
    const warm = await auditTree(tree, { arch: 'all', doc, cache: { dir } });
    expect(cold.stats.cache.hits).toBe(0);
    expect(warm.stats.cache.misses).toBe(0);
    expect(warm.observed).toEqual(cold.observed);
    expect(warm.findings).toEqual(cold.findings);
    expect(warm.stats.invariants).toEqual(cold.stats.invariants);
  }, 300_000);
});
