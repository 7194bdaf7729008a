/**
 * noteUnappliedFixes(): a finding about code a hunk of the series meant to
 * change, when that hunk did not apply, says so (the real case, Paolo's
 * kvm_lock RFC against 6.12, is in doc-leaf-rule.test.ts). Here: the
 * function a hunk header names, and how several failed hunks are worded.
 */
import { describe, expect, it } from '@jest/globals';
import type { ApplyFailure } from '../../analyzers/review/apply.js';
import type { PatchReview, ReviewFinding } from '../../analyzers/review/model.js';
import { hunkFunction, hunkFunctions } from '../../analyzers/review/hunk-functions.js';
import { noteUnappliedFixes } from '../../analyzers/review/unapplied-fixes.js';
import type { DiffLine, FileDiff, Hunk } from '../../analyzers/series/diff-model.js';

const MMU = 'arch/x86/kvm/mmu/mmu.c';

function patch(index: number, failures: ApplyFailure[], findings: ReviewFinding[] = []): PatchReview {
  return { index, subject: `[PATCH ${index}/5] x`, messageId: null, author: null, date: null, status: 'reviewed', warnings: [], findings, removedEdges: [], applyFailures: failures, files: [], references: [] };
}

function finding(fn: string, chain: string[] = []): ReviewFinding {
  return {
    kind: 'undocumented-order', severity: 'info', outer: 'kvm_lock', inner: 'kvm->slots_lock', message: 'm', rule: null, rulePath: [],
    sites: [{ file: MMU, line: 10, function: fn, chain: chain.map((c, i) => ({ function: c, file: MMU, line: i + 1 })) }],
    suggestion: 's', arch: 'x86', fingerprint: 'f', patch: { index: 5, subject: 'x' }, file: MMU, line: 10, placement: 'added', chain: [],
  };
}

/** A hunk that adds demo_zap() after kvm_vm_ioctl_check_extension(): git's header names the function before it. */
const ADDING = '@@ -100,6 +100,14 @@ static int kvm_vm_ioctl_check_extension(long ext)';
const addingLines: DiffLine[] = [
  { type: 'normal', content: '}' },
  { type: 'add', content: 'static void demo_zap(struct kvm *kvm)' },
  { type: 'add', content: '{' },
  { type: 'add', content: '\tmutex_lock(&kvm->slots_lock);' },
  { type: 'add', content: 'EXPORT_SYMBOL_GPL(demo_zap);' },
];
const adding: Hunk = { header: ADDING, oldStart: 100, oldLines: 1, newStart: 100, newLines: 5, bodyLine: 1, lines: addingLines };
const addingFile: FileDiff = { oldPath: MMU, newPath: MMU, path: MMU, isNew: false, isDeleted: false, isRenamed: false, isCopied: false, isBinary: false, additions: 4, deletions: 0, hunks: [adding], bodyLine: 1 };

const failed = (fn: string, reason = 'the context does not match the tree'): ApplyFailure => ({ file: MMU, hunk: `@@ -7143,16 +7141,19 @@ static int ${fn}(const char *val, const struct kernel_param *kp)`, reason });

describe('hunkFunction', () => {
  it('reads the function git names in the hunk header', () => {
    expect(hunkFunction('@@ -7143,16 +7141,19 @@ static int set_nx_huge_pages(const char *val, const struct kernel_param *kp)')).toBe('set_nx_huge_pages');
    expect(hunkFunction('@@ -637,7 +696,29 @@ static void kvm_mmu_notifier_invalidate_range_end(struct mmu_notifier *mn,')).toBe('kvm_mmu_notifier_invalidate_range_end');
    expect(hunkFunction('@@ -1,3 +1,4 @@')).toBeNull();
    expect(hunkFunction('@@ -10,3 +10,4 @@ struct kvm_x86_ops {')).toBeNull();
    expect(hunkFunction(null)).toBeNull();
  });

  it('with the hunk, also the functions whose definition lines it holds (a hunk adding a function names the one before it)', () => {
    expect(hunkFunctions(ADDING, adding)).toEqual(['kvm_vm_ioctl_check_extension', 'demo_zap', 'EXPORT_SYMBOL_GPL']);
    expect(hunkFunctions(ADDING)).toEqual(['kvm_vm_ioctl_check_extension']);
  });
});

describe('noteUnappliedFixes', () => {
  it('names each patch whose hunk in the function failed, once per function, and leaves other findings alone', () => {
    const hit = finding('kvm_zap_gfn_range');
    const viaChain = finding('mmu_shrink_scan', ['kvm_mmu_zap_all']);
    const other = finding('kvm_mmu_page_fault');
    const patches = [patch(2, [failed('kvm_zap_gfn_range')]), patch(4, [failed('kvm_zap_gfn_range'), failed('kvm_mmu_zap_all', 'a line the hunk removes is not in the file')]), patch(5, [failed('kvm_zap_gfn_range')], [hit, viaChain, other])];
    noteUnappliedFixes(patches, 5);
    expect(hit.note).toBe(`patches 2/5, 4/5 and this patch change kvm_zap_gfn_range() (${MMU}) in hunks that did not apply to this tree: the finding is about the code as the tree has it, which the series may fix`);
    expect(viaChain.note).toBe(`patch 4/5 changes kvm_mmu_zap_all() (${MMU}), but that hunk did not apply to this tree (a line the hunk removes is not in the file): the finding is about the code as the tree has it, which the series may fix`);
    expect(other.note).toBeUndefined();
  });

  it('a finding in a function a failed hunk adds (its header naming the function before) gets the note', () => {
    const added = finding('demo_zap');
    const p1 = { ...patch(1, [{ file: MMU, hunk: ADDING, reason: 'the context does not match the tree' }]), files: [addingFile] };
    noteUnappliedFixes([p1, patch(2, [], [added])], 2);
    expect(added.note).toBe(`patch 1/2 changes demo_zap() (${MMU}), but that hunk did not apply to this tree (the context does not match the tree): the finding is about the code as the tree has it, which the series may fix`);
  });

  it('a hunk the tree already has fixes nothing, and a later patch does not speak for an earlier one', () => {
    const early = finding('set_nx_huge_pages');
    const patches = [patch(1, [{ ...failed('set_nx_huge_pages'), alreadyApplied: { line: 7141 } }]), patch(2, [], [early]), patch(3, [failed('set_nx_huge_pages')])];
    noteUnappliedFixes(patches, 3);
    expect(early.note).toBeUndefined();
  });
});
