/**
 * Two wordings a maintainer reads first: the review's summary line counts
 * in number ("1 error", not "1 errors"), and a cycle's synchronize_srcu()
 * link is "called", not "taken", right there, and an undocumented
 * synchronize_srcu() under a lock is told and suggested as the SRCU rule
 * locking.rst would state, not as "kvm->srcu is taken inside X". Real
 * inputs: the Dec 2022 SRCU doc patch (one doc-conflict, hunk-only) and
 * check on the 6.12 and 6.1 trees.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckResult } from '../../analyzers/findings/check-result.js';
import { kernelTree, SHARED } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';

const cache = mkdtempSync(join(tmpdir(), 'kvm-review-wording-'));

describe('wording', () => {
  it('the review summary is singular for one finding', async () => {
    const r = await runCli(['mbox', join(SHARED, 'corpus', 'lore', 'kvm', 'srcu-locking-order-doc.mbx'), '--no-cache']);
    expect(r.stdout).toMatch(/^1 error, 0 warnings, 0 info in \d+ patch(es)?$/m);
    expect(r.stdout).not.toMatch(/\b1 errors\b/);
  });

  it("a cycle's synchronize_srcu() step made in the function itself is called right there", async () => {
    const r = await runCli(['check', '--tree', kernelTree('6.12'), '--cache-dir', cache]);
    const steps = [...r.stdout.matchAll(/#\d+ \S+ -> (synchronize_srcu\(&kvm->srcu\)|\S+)\n((?: {9}.*\n)*?) {9}(taken|called) right there/g)];
    const sync = steps.filter((m) => m[1]?.startsWith('synchronize_srcu'));
    expect(sync.length).toBeGreaterThan(0);
    for (const m of sync) expect(m[3]).toBe('called');
    expect(steps.filter((m) => !m[1]?.startsWith('synchronize_srcu')).every((m) => m[3] === 'taken')).toBe(true);
  }, 120_000);

  it('an undocumented synchronize_srcu() under a lock is worded as the SRCU rule', async () => {
    const r = await runCli(['check', '--tree', kernelTree('6.1'), '--format', 'json', '--cache-dir', cache]);
    const found = (JSON.parse(r.stdout) as CheckResult).findings.filter((f) => f.kind === 'undocumented-order' && f.inner === 'kvm->srcu');
    expect(found.length).toBeGreaterThan(0);
    for (const f of found) {
      expect(f.message).toMatch(new RegExp(`^synchronize_srcu\\(&kvm->srcu\\) is called inside ${f.outer?.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} at .*; locking\\.rst does not say so$`));
      expect(f.suggestion).toContain(`"synchronize_srcu(&kvm->srcu) is called inside critical sections for ${f.outer}"`);
      expect(f.suggestion).not.toContain('is taken outside kvm->srcu');
    }
  }, 120_000);
});

describe('subjects', () => {
  it('every leading bracket group is dropped before the patch is named: "[RFC][PATCH 2/3] x" is "[PATCH 2/3] x", not "[PATCH 2/3] [PATCH 2/3] x"', async () => {
    const { fixtureResult } = await import('./helpers.js');
    const { renderReviewText } = await import('../../bot/render/review/text.js');
    const { renderReviewMarkdown } = await import('../../bot/render/review/markdown.js');
    const result = fixtureResult('demo-series');
    const first = result.patches[0];
    if (!first) throw new Error('demo-series has no patch');
    const title = 'KVM: x86: a title';
    const r = { ...result, patches: [{ ...first, subject: `[RFC][PATCH v2 1/3] ${title}` }, ...result.patches.slice(1)] };
    const text = renderReviewText(r);
    expect(text).toContain(`[PATCH 1/${Math.max(r.series.total, 1)}] ${title}`);
    expect(text).not.toContain('[PATCH v2 1/3]');
    expect(renderReviewMarkdown(r)).toContain(`1/${r.series.total}: ${title}`);
  });
});
