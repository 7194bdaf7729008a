/**
 * v1 -> v2 when v2's review could not index the file a v1 finding is in: the
 * finding is unknown, never "fixed in v2". v1, two patches against the
 * Debian 6.1 tree, adds a function taking kvm->lock under vcpu->mutex
 * (against locking.rst's "kvm->lock is taken outside vcpu->mutex") at the
 * end of arch/x86/kvm/x86.c, and another in virt/kvm/eventfd.c; it is
 * reviewed against the whole tree. v2, one patch that moved patch 1's change
 * to virt/kvm/vfio.c, is reviewed against the same tree read with a size cap
 * x86.c is over (a watcher configured with a smaller
 * KVM_REVIEW_MAX_FILE_BYTES sees it so, as it sees a file it cannot read):
 * v2's review never read x86.c, so v1's finding there is not compared;
 * eventfd.c was read, so v1's finding there is fixed.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareVersions, priorOf } from '../../analyzers/review/compare-versions.js';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { review } from '../../analyzers/review/review.js';
import { DirectoryTree } from '../../analyzers/trees/directory-tree.js';
import { formatPatchMail } from '../helpers/format-patch.js';
import { kernelTree, lineOf } from '../helpers/paths.js';
import { INVERTING } from '../git/repo.js';

const tree = kernelTree('6.1');
const dir = mkdtempSync(join(tmpdir(), 'kvm-review-unindexed-v2-'));
const cache = { dir: join(dir, 'cache') };
const X86 = 'arch/x86/kvm/x86.c';
const EVENTFD = 'virt/kvm/eventfd.c';
const VFIO = 'virt/kvm/vfio.c';
const SUBJECT1 = 'KVM: x86: reset the vCPU under its mutex';
const read = (file: string): string => readFileSync(join(tree, file), 'utf8');

/** Patch k of version v: `file` with `after` made from the tree's text, as git writes it; a reply to the cover letter. */
function patch(v: number, k: number, total: number, subject: string, file: string, after: string): string {
  const tag = `PATCH${v > 1 ? ` v${v}` : ''}${total > 1 ? ` ${k}/${total}` : ''}`;
  const mail = formatPatchMail({ file, before: read(file), after, subject: `[${tag}] ${subject}`, messageId: `v${v}-${k}@example.org`, body: 'Demo.', date: `Mon, ${16 + v} Nov 2026 10:00:0${k} +0000`, git: true });
  return total > 1 ? mail.replace(/\nMessage-ID: /, `\nIn-Reply-To: <v${v}-0@example.org>\nReferences: <v${v}-0@example.org>\nMessage-ID: `) : mail;
}

const v1Input = join(dir, 'v1.mbx');
writeFileSync(
  v1Input,
  [
    ['From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001', 'From: Test Author <test@example.org>', 'Date: Mon, 17 Nov 2026 10:00:00 +0000', 'Subject: [PATCH 0/2] KVM: vCPU reset locking', 'Message-ID: <v1-0@example.org>', '', 'Two patches.', ''].join('\n'),
    patch(1, 1, 2, SUBJECT1, X86, read(X86) + INVERTING),
    patch(1, 2, 2, 'KVM: eventfd: reset resamplers under the vCPU mutex', EVENTFD, read(EVENTFD) + INVERTING.replace('demo_vcpu_reset', 'demo_irqfd_reset')),
  ].join('\n'),
);
const vfio = read(VFIO).split('\n');
vfio.splice(lineOf(tree, VFIO, 'struct kvm_vfio {') - 1, 0, '/* The vCPU reset takes kvm->lock before vcpu->mutex. */');
const v2Input = join(dir, 'v2.mbx');
writeFileSync(v2Input, patch(2, 1, 1, SUBJECT1, VFIO, vfio.join('\n')));

// Over x86.c's size, and no other file's it reads here.
const cap = statSync(join(tree, X86)).size - 1;

let reviews: Promise<{ v1: ReviewResult; v2: ReviewResult }> | null = null;
function both(): Promise<{ v1: ReviewResult; v2: ReviewResult }> {
  reviews ??= (async () => {
    const v1 = await review({ input: v1Input, tree: new DirectoryTree(tree), cache });
    const v2 = await review({ input: v2Input, tree: new DirectoryTree(tree, { maxFileBytes: cap }), cache });
    return { v1, v2 };
  })();
  return reviews;
}

describe('v2 reviewed without arch/x86/kvm/x86.c, which v1\'s finding on patch 1 is in', () => {
  it('v1 has a finding on each patch; v2\'s review lists x86.c among the files it could not index, with why, and keeps its note', async () => {
    const { v1, v2 } = await both();
    expect(v1.patches.map((p) => p.findings.length > 0)).toEqual([true, true]);
    expect(v2.patches.map((p) => p.status)).toEqual(['reviewed']);
    const x86 = v2.unindexed?.find((u) => u.file === X86);
    expect(x86?.reason).toContain(`larger than the ${cap}-byte cap`);
    // The tree skipped it (it never listed it for the index); the note says so as before.
    expect(v2.notes).toContain(`${X86}: skipped (${x86?.reason ?? '?'})`);
    expect(v2.unindexed?.map((u) => u.file)).not.toContain(EVENTFD);
  });

  it('v1\'s finding in x86.c is not compared, with the reason and a note; the one in eventfd.c is fixed', async () => {
    const { v1, v2 } = await both();
    const compared = compareVersions(v2, priorOf(v1, 'v1-0@example.org'));
    const onX86 = (v1.patches[0]?.findings ?? []).map((f) => f.fingerprint).sort();
    const reason = `v2's review could not index ${X86} (${v2.unindexed?.find((u) => u.file === X86)?.reason ?? '?'})`;
    expect(compared.notCompared.map((f) => f.fingerprint).sort()).toEqual(onX86);
    expect(compared.notCompared.map((f) => f.reason)).toEqual(onX86.map(() => reason));
    expect(compared.fixed.map((f) => f.fingerprint).sort()).toEqual((v1.patches[1]?.findings ?? []).map((f) => f.fingerprint).sort());
    const n = onX86.length;
    expect(compared.notes).toContain(`${reason}, so v1's ${n === 1 ? 'finding' : `${n} findings`} there ${n === 1 ? 'is' : 'are'} not compared`);
  });
});
