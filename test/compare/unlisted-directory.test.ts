/**
 * v1 -> v2 when v2's tree could not list a directory a v1 finding is under:
 * the finding is unknown, never "fixed in v2". v1, against the Debian 6.1
 * tree, adds a function taking kvm->lock under vcpu->mutex (against
 * locking.rst's "kvm->lock is taken outside vcpu->mutex") at the end of
 * arch/x86/kvm/mmu/mmu.c. v2 moved the change to virt/kvm/vfio.c and is
 * reviewed against a copy of the tree (virt/, include/, kernel/, arch/x86/
 * and locking.rst) whose arch/x86/kvm/mmu is a symlink leading out of it, as
 * a checkout with a stray link would have: the tree skips the directory, and
 * v2's review never read mmu.c.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { compareVersions, priorOf } from '../../analyzers/review/compare-versions.js';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { review } from '../../analyzers/review/review.js';
import { formatPatchMail } from '../helpers/format-patch.js';
import { kernelTree, lineOf } from '../helpers/paths.js';
import { INVERTING } from '../git/repo.js';

const tree = kernelTree('6.1');
const dir = mkdtempSync(join(tmpdir(), 'kvm-review-unlisted-dir-'));
const cache = { dir: join(dir, 'cache') };
const MMU_DIR = 'arch/x86/kvm/mmu';
const MMU = `${MMU_DIR}/mmu.c`;
const VFIO = 'virt/kvm/vfio.c';
const SUBJECT = 'KVM: x86: reset the vCPU under its mutex';
const read = (file: string): string => readFileSync(join(tree, file), 'utf8');

function patch(v: number, file: string, after: string): string {
  return formatPatchMail({ file, before: read(file), after, subject: `[PATCH${v > 1 ? ` v${v}` : ''}] ${SUBJECT}`, messageId: `v${v}-1@example.org`, body: 'Demo.', date: `Mon, ${16 + v} Nov 2026 10:00:00 +0000`, git: true });
}

const v1Input = join(dir, 'v1.mbx');
writeFileSync(v1Input, patch(1, MMU, read(MMU) + INVERTING));
const vfio = read(VFIO).split('\n');
vfio.splice(lineOf(tree, VFIO, 'struct kvm_vfio {') - 1, 0, '/* The vCPU reset takes kvm->lock before vcpu->mutex. */');
const v2Input = join(dir, 'v2.mbx');
writeFileSync(v2Input, patch(2, VFIO, vfio.join('\n')));

/** The copy v2 is reviewed against: arch/x86/kvm/mmu a symlink to the real tree's, outside the copy. */
function copyWithStrayLink(): string {
  const copy = join(dir, 'tree');
  for (const d of ['virt', 'include', 'kernel', 'arch/x86', 'Documentation/virt/kvm']) cpSync(join(tree, d), join(copy, d), { recursive: true });
  rmSync(join(copy, MMU_DIR), { recursive: true });
  mkdirSync(dirname(join(copy, MMU_DIR)), { recursive: true });
  symlinkSync(join(tree, MMU_DIR), join(copy, MMU_DIR));
  return copy;
}

let reviews: Promise<{ v1: ReviewResult; v2: ReviewResult }> | null = null;
function both(): Promise<{ v1: ReviewResult; v2: ReviewResult }> {
  reviews ??= (async () => {
    const v1 = await review({ input: v1Input, tree, cache });
    const v2 = await review({ input: v2Input, tree: copyWithStrayLink(), cache });
    return { v1, v2 };
  })();
  return reviews;
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("v2 reviewed on a tree whose arch/x86/kvm/mmu could not be listed, where v1's finding is", () => {
  it("lists the directory among what v2's review could not index, with why", async () => {
    const { v1, v2 } = await both();
    expect(v1.patches.map((p) => p.findings.length > 0)).toEqual([true]);
    expect(v1.patches[0]?.findings.every((f) => f.file === MMU)).toBe(true);
    expect(v2.patches.map((p) => p.status)).toEqual(['reviewed']);
    const unlisted = v2.unindexed?.find((u) => u.file === MMU_DIR);
    expect(unlisted?.reason).toContain('leading out of the tree');
  }, 300_000);

  it("does not call v1's finding in mmu.c fixed: it is not compared, and says why", async () => {
    const { v1, v2 } = await both();
    const compared = compareVersions(v2, priorOf(v1, 'v1-1@example.org'));
    const onMmu = (v1.patches[0]?.findings ?? []).map((f) => f.fingerprint).sort();
    expect(compared.fixed).toEqual([]);
    expect(compared.notCompared.map((f) => f.fingerprint).sort()).toEqual(onMmu);
    const reason = v2.unindexed?.find((u) => u.file === MMU_DIR)?.reason ?? '?';
    expect(compared.notCompared.map((f) => f.reason)).toEqual(onMmu.map(() => `v2's review could not index ${MMU}: it could not list ${MMU_DIR}/ (${reason})`));
  }, 300_000);
});
