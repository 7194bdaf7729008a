/**
 * unreadCode(): which of a v1 finding's code v2's review did not read, from
 * v2's hunks as git writes them and as applyFiles() refuses them on the
 * Debian 6.1 tree. A hunk is about the function its header names and the
 * functions defined in its lines; a file whose change was refused whole is
 * unread everywhere; a record without the finding's functions stands for
 * its whole file.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyFiles } from '../../analyzers/review/apply.js';
import type { PatchReview, PriorFinding } from '../../analyzers/review/model.js';
import { unreadCode } from '../../analyzers/review/unread-code.js';
import { parseSection } from '../../analyzers/series/diff-parse.js';
import type { FileDiff } from '../../analyzers/series/diff-model.js';
import { scanDiff } from '../../analyzers/series/diff-sections.js';
import { DirectoryTree } from '../../analyzers/trees/directory-tree.js';
import { OverlayTree } from '../../analyzers/trees/overlay-tree.js';
import { formatPatchMail } from '../helpers/format-patch.js';
import { kernelTree, lineOf } from '../helpers/paths.js';
import { INVERTING } from '../git/repo.js';

const tree = kernelTree('6.1');
const MAIN = 'virt/kvm/kvm_main.c';
const main = readFileSync(join(tree, MAIN), 'utf8');

/** The file diffs of a git-made patch mail, read as the series reader reads them. */
function diffsOf(mail: string): FileDiff[] {
  const scan = scanDiff(mail.slice(mail.indexOf('diff --git'), mail.lastIndexOf('\n-- \n') + 1));
  return scan.sections.map((section) => {
    const file = parseSection(scan.lines, section);
    if ('message' in file) throw new Error(`the test's diff did not parse: ${file.message}`);
    return file;
  });
}

/** Patch 1/2 of v2 changing `file` from `before` to `after`, applied to 6.1 as the review applies it. */
async function v2Patch(file: string, before: string, after: string): Promise<PatchReview> {
  const files = diffsOf(formatPatchMail({ file, before, after, subject: '[PATCH v2 1/2] KVM: demo', messageId: 'v2-1@example.org', body: 'Demo.', git: true }));
  const applyFailures = await applyFiles(new OverlayTree(new DirectoryTree(tree)), files);
  return { index: 1, subject: '[PATCH v2 1/2] KVM: demo', messageId: 'v2-1@example.org', author: null, date: null, status: 'reviewed', warnings: [], findings: [], removedEdges: [], applyFailures, files, references: [] };
}

function prior(file: string, functions: PriorFinding['functions']): PriorFinding {
  return { fingerprint: 'f', kind: 'order-inversion', severity: 'error', outer: 'vcpu->mutex', inner: 'kvm->lock', message: 'm', file, line: 1, patch: { index: 1, subject: '[PATCH 1/2] KVM: demo' }, since: 1, ...(functions ? { functions } : {}) };
}

/** kvm_main.c as another tree has it just above kvm_vcpu_ioctl(): a hunk made there has no 6.1 context. */
function rebased(): { text: string; at: number } {
  const lines = main.split('\n');
  const at = lineOf(tree, MAIN, 'kvm_vcpu_ioctl(', 'kvm_vcpu_ioctl') - 1;
  for (let i = at - 4; i <= at + 3; i++) lines[i] = `${lines[i]} /* rebased */`;
  return { text: lines.join('\n'), at };
}

describe('unreadCode', () => {
  it('a refused hunk that adds a function is about it, though its header names the function before', async () => {
    const { text, at } = rebased();
    const lines = text.split('\n');
    lines.splice(at, 0, ...INVERTING.split('\n'));
    const p = await v2Patch(MAIN, text, lines.join('\n'));
    expect(p.applyFailures).toHaveLength(1);
    expect(p.applyFailures[0]?.hunk).not.toContain('demo_vcpu_reset');
    const why = unreadCode(prior(MAIN, [{ file: MAIN, function: 'demo_vcpu_reset' }]), [p], 2, 2);
    expect(why).toBe(`patch 1/2 of v2 changes demo_vcpu_reset() (${MAIN}), but that hunk did not apply to the tree (${p.applyFailures[0]?.reason ?? '?'})`);
    // Code the hunk does not touch was read.
    expect(unreadCode(prior(MAIN, [{ file: MAIN, function: 'kvm_vm_ioctl' }]), [p], 2, 2)).toBeNull();
    // Without the finding's functions (a record written before they were kept), its file stands for them.
    expect(unreadCode(prior(MAIN, undefined), [p], 2, 2)).toBe(`patch 1/2 of v2 changes ${MAIN} in a hunk that did not apply to the tree (${p.applyFailures[0]?.reason ?? '?'})`);
  });

  it('a file v2\'s review could not index is unread everywhere, after the hunks that did not apply', async () => {
    const { text, at } = rebased();
    const lines = text.split('\n');
    lines.splice(at, 0, ...INVERTING.split('\n'));
    const p = await v2Patch(MAIN, text, lines.join('\n'));
    const eventfd = 'virt/kvm/eventfd.c';
    const unindexed = [{ file: eventfd, reason: 'EACCES: permission denied' }];
    expect(unreadCode(prior(eventfd, [{ file: eventfd, function: 'irqfd_resampler_ack' }]), [p], 2, 2, unindexed)).toBe(`v2's review could not index ${eventfd} (EACCES: permission denied)`);
    // A chain through it, from a file that was read.
    expect(unreadCode(prior(MAIN, [{ file: MAIN, function: 'kvm_vm_ioctl' }, { file: eventfd, function: 'kvm_irqfd' }]), [p], 2, 2, unindexed)).toBe(`v2's review could not index ${eventfd} (EACCES: permission denied)`);
    // A record without its functions: its file stands for them.
    expect(unreadCode(prior(eventfd, undefined), [p], 2, 2, unindexed)).toBe(`v2's review could not index ${eventfd} (EACCES: permission denied)`);
    // The hunk that did not apply says it first; code elsewhere was read.
    expect(unreadCode(prior(MAIN, [{ file: MAIN, function: 'demo_vcpu_reset' }, { file: eventfd, function: 'kvm_irqfd' }]), [p], 2, 2, unindexed)).toContain('but that hunk did not apply');
    expect(unreadCode(prior(MAIN, [{ file: MAIN, function: 'kvm_vm_ioctl' }]), [p], 2, 2, unindexed)).toBeNull();
  });

  it('a file the tree does not have is unread everywhere; a lone patch is "the patch of v2"', async () => {
    const file = 'virt/kvm/demo_missing.c';
    const p = await v2Patch(file, '/* demo */\n', `/* demo */\n${INVERTING}`);
    expect(p.applyFailures.map((a) => a.hunk)).toEqual([null]);
    expect(unreadCode(prior(file, [{ file, function: 'demo_vcpu_reset' }]), [p], 1, 2)).toBe(`the patch of v2 changes ${file}, but that change was not applied (${file} does not exist in the tree)`);
    expect(unreadCode(prior(MAIN, [{ file: MAIN, function: 'kvm_vcpu_ioctl' }]), [p], 1, 2)).toBeNull();
  });
});
