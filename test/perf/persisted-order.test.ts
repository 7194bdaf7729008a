/**
 * The observed order and the tree state are persisted in the cache, keyed by
 * the fact keys of the files they were derived from: a warm run loads them
 * instead of recomputing. What it loads must be what a run that recomputes
 * derives, to the site, whichever entries are there, damaged or missing.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditTree } from '../../analyzers/audit.js';
import type { CheckResult } from '../../analyzers/findings/check-result.js';
import { forgetCache } from '../../analyzers/index/cache.js';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { review } from '../../analyzers/review/review.js';
import { loadDocumentedOrder } from '../../knowledge/doc/load.js';
import { makeSeries } from '../bench/review-bench.js';
import { kernelTree } from '../helpers/paths.js';

/** Everything but the timings and the cache counters. */
const answer = (r: CheckResult): unknown => ({ ...r, stats: { ...r.stats, ms: null, cache: null } });

describe('check on Linux 6.1 (x86): persisted edges and tree state', () => {
  it('loads, recomputes from facts, survives damaged entries and reads no fact when nothing changed', async () => {
    const tree = kernelTree('6.1');
    const doc = loadDocumentedOrder({ tree, cwd: '/' });
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-persisted-'));
    const run = async (): Promise<CheckResult> => {
      // As a new process would: every entry read from disk, through the schema.
      forgetCache();
      return auditTree(tree, { arch: 'x86', doc, cache: { dir } });
    };
    const cold = await run();
    expect(cold.stats.cache.hits).toBe(0);
    expect(readdirSync(join(dir, 'edges')).length).toBe(1);
    expect(readdirSync(join(dir, 'states')).length).toBe(1);

    // No persisted order: derived again from the cached facts.
    rmSync(join(dir, 'edges'), { recursive: true });
    rmSync(join(dir, 'states'), { recursive: true });
    const fromFacts = await run();
    expect(fromFacts.stats.cache.misses).toBe(0);
    expect(answer(fromFacts)).toEqual(answer(cold));

    // A damaged edges entry is ignored, recomputed and written again.
    const [entry] = readdirSync(join(dir, 'edges'));
    writeFileSync(join(dir, 'edges', entry ?? ''), '{}');
    const repaired = await run();
    expect(answer(repaired)).toEqual(answer(cold));
    expect(JSON.parse(readFileSync(join(dir, 'edges', entry ?? ''), 'utf8'))).toMatchObject({ format: 2 });

    // Nothing changed: the state and the edges alone answer; the facts are not needed.
    rmSync(join(dir, 'facts'), { recursive: true });
    rmSync(join(dir, 'structs'), { recursive: true });
    const warm = await run();
    expect(warm.stats.cache.misses).toBe(0);
    expect(answer(warm)).toEqual(answer(cold));
    // The severities are applied on the loaded edges, not cached with them.
    forgetCache();
    const lowered = await auditTree(tree, { arch: 'x86', doc, cache: { dir }, severities: { 'order-inversion': 'info' } });
    const inversions = lowered.findings.filter((f) => f.kind === 'order-inversion');
    expect(inversions.length).toBeGreaterThan(0);
    expect(inversions.every((f) => f.severity === 'info')).toBe(true);
  }, 600_000);
});

describe('review on Linux 6.12: states observed before load their edges', () => {
  it('a warm review of a generated 3-patch series equals the cold one and an uncached one', async () => {
    const tree = kernelTree('6.12');
    const work = mkdtempSync(join(tmpdir(), 'kvm-review-persisted-review-'));
    const made = makeSeries(tree, work, 3);
    const dir = join(work, 'cache');
    const patches = (r: ReviewResult): unknown => r.patches.map((p) => ({ index: p.index, status: p.status, findings: p.findings, removedEdges: p.removedEdges }));
    forgetCache();
    const cold = await review({ input: made.mbox, tree, cache: { dir } });
    forgetCache();
    const warm = await review({ input: made.mbox, tree, cache: { dir } });
    forgetCache();
    const uncached = await review({ input: made.mbox, tree, cache: { disabled: true } });
    expect(cold.patches.map((p) => p.status)).toEqual(['reviewed', 'reviewed', 'reviewed']);
    expect(readdirSync(join(dir, 'edges')).length).toBeGreaterThan(1);
    expect(patches(warm)).toEqual(patches(cold));
    expect(patches(uncached)).toEqual(patches(cold));
  }, 600_000);
});
