/**
 * v1 -> v2 when v2's analysis of one architecture failed (an internal error:
 * here the rules made to throw for arm64 in v2's review only, the one fault
 * injected; everything else is the real review of the Debian 6.1 tree). v1
 * adds a function taking kvm->lock under vcpu->mutex (against locking.rst's
 * "kvm->lock is taken outside vcpu->mutex") at the end of
 * virt/kvm/eventfd.c, generic code reviewed as x86 and as arm64; v2 is the
 * same change. v2's patch is partial and records the failed build; v1's
 * finding of both builds is still there (x86 has it), and its arm64-only
 * finding is not compared, never "fixed in v2".
 */
import { describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding } from '../../analyzers/findings/model.js';

import type { ReviewResult } from '../../analyzers/review/model.js';
import { formatPatchMail } from '../helpers/format-patch.js';
import { kernelTree } from '../helpers/paths.js';
import { INVERTING } from '../git/repo.js';

const rules = await import('../../analyzers/rules/index.js');
let failArm64 = false;
jest.unstable_mockModule('../../analyzers/rules/index.js', () => ({
  ...rules,
  runRules: (ctx: Parameters<typeof rules.runRules>[0], severities?: Parameters<typeof rules.runRules>[1]): Finding[] => {
    if (failArm64 && ctx.arch === 'arm64') throw new Error('injected fault');
    return rules.runRules(ctx, severities);
  },
}));
const { review } = await import('../../analyzers/review/review.js');
const { compareVersions, priorOf } = await import('../../analyzers/review/compare-versions.js');

const tree = kernelTree('6.1');
const dir = mkdtempSync(join(tmpdir(), 'kvm-review-failed-arch-'));
const cache = { dir: join(dir, 'cache') };
const EVENTFD = 'virt/kvm/eventfd.c';
const read = (file: string): string => readFileSync(join(tree, file), 'utf8');

function input(v: number): string {
  const path = join(dir, `v${v}.mbx`);
  const subject = `[PATCH${v > 1 ? ` v${v}` : ''}] KVM: eventfd: reset resamplers under the vCPU mutex`;
  writeFileSync(path, formatPatchMail({ file: EVENTFD, before: read(EVENTFD), after: read(EVENTFD) + INVERTING, subject, messageId: `v${v}-1@example.org`, body: 'Demo.', date: `Mon, ${16 + v} Nov 2026 10:00:00 +0000`, git: true }));
  return path;
}

let reviews: Promise<{ v1: ReviewResult; v2: ReviewResult }> | null = null;
function both(): Promise<{ v1: ReviewResult; v2: ReviewResult }> {
  reviews ??= (async () => {
    const v1 = await review({ input: input(1), tree, cache });
    failArm64 = true;
    try {
      return { v1, v2: await review({ input: input(2), tree, cache }) };
    } finally {
      failArm64 = false;
    }
  })();
  return reviews;
}

describe("v2's arm64 analysis failed", () => {
  it('v2\'s patch is partial, says which build failed and why, and records it', async () => {
    const { v1, v2 } = await both();
    // v1: the inversion in both builds (one finding, arch null), and arm64's leaf rule broken by it.
    expect(v1.patches[0]?.findings.map((f) => f.arch).sort()).toEqual(['arm64', null]);
    const p = v2.patches[0];
    expect(p?.partial).toBe(true);
    expect(p?.failedArchs).toEqual([{ arch: 'arm64', reason: 'injected fault' }]);
    expect(p?.reason).toContain('the arm64 analysis failed (injected fault): findings for arm64 are missing');
    expect(p?.findings.every((f) => f.arch !== 'arm64')).toBe(true);
  }, 300_000);

  it("v1's arm64-only finding is not compared, with the reason; none is fixed", async () => {
    const { v1, v2 } = await both();
    const compared = compareVersions(v2, priorOf(v1, 'v1-1@example.org'));
    const arm64 = (v1.patches[0]?.findings ?? []).filter((f) => f.arch === 'arm64').map((f) => f.fingerprint).sort();
    expect(arm64.length).toBeGreaterThan(0);
    expect(compared.fixed).toEqual([]);
    expect(compared.notCompared.map((f) => f.fingerprint).sort()).toEqual(arm64);
    expect(new Set(compared.notCompared.map((f) => f.reason))).toEqual(new Set(['the arm64 analysis of the patch of v2 failed (injected fault)']));
  }, 300_000);
});
