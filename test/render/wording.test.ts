/**
 * Two wordings a maintainer reads first: the review's summary line counts
 * in number ("1 error", not "1 errors"), and a cycle's synchronize_srcu()
 * link is "called", not "taken", right there. Real inputs: the Dec 2022
 * SRCU doc patch (one doc-conflict, hunk-only) and check on the 6.12 tree.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
});
