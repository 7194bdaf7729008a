/**
 * A locking.rst hunk that starts inside a sentence or list item, reviewed
 * without a tree: the rule's first line is above the hunk's context, so
 * what the patch changes in its lines further down cannot be read. It is a
 * doc-unrecognized warning at the hunk's first line saying so, never
 * silence, nor a reading of its end as if it were the whole. The texts
 * patched are corpus revision 25, read at test time, and that text with a
 * rule rewrapped or rewritten as a list; the patches are written here.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReviewFinding } from '../../analyzers/review/model.js';
import { review } from '../../analyzers/review/review.js';
import { formatPatchMail } from '../helpers/format-patch.js';
import { corpusRevision } from '../helpers/paths.js';

const DOC = 'Documentation/virt/kvm/locking.rst';

const work = mkdtempSync(join(tmpdir(), 'kvm-review-doc-hunk-begins-above-'));

/** TEXT with the line that is exactly FROM replaced by TO; throws when the text no longer has it. */
function rewrite(text: string, from: string, to: string[]): string {
  const all = text.split('\n');
  const at = all.indexOf(from);
  if (at < 0) throw new Error(`the text no longer has "${from}"`);
  all.splice(at, 1, ...to);
  return all.join('\n');
}

async function reviewed(before: string, after: string, name: string): Promise<ReviewFinding[]> {
  const input = join(work, `${name}.mbx`);
  const subject = '[PATCH] Documentation: KVM: extend a rule';
  writeFileSync(input, formatPatchMail({ file: DOC, before, after, subject, messageId: `${name}@example.org`, body: 'A change written for the test.', git: true }));
  const r = await review({ input, tree: null, cache: { dir: join(work, 'cache') } });
  expect(r.mode).toBe('hunk-only');
  return r.patches[0]?.findings ?? [];
}

const lineOf = (text: string, line: string): number => text.split('\n').indexOf(line) + 1;
const BEGINS_ABOVE = (line: number): string => `line ${line}, the hunk's first, goes on from a sentence or list item whose first line is above the hunk's context`;

describe('a hunk that starts inside a rule, without a tree', () => {
  const rev25 = (): string => readFileSync(corpusRevision('25-'), 'utf8');

  it('a lock added to the last line of an item wrapped over five lines is reported at the hunk\'s first line, saying the item begins above it', async () => {
    // The x86 rule with more locks, one a line: its first line is four lines above its last.
    const before = rewrite(rev25(), '- vcpu->mutex is taken outside kvm->arch.hyperv.hv_lock and kvm->arch.xen.xen_lock', [
      '- vcpu->mutex is taken outside kvm->arch.hyperv.hv_lock,',
      '  kvm->arch.xen.xen_lock,',
      '  kvm->arch.tdp_mmu_pages_lock,',
      '  kvm->arch.apic_map_lock and',
      '  kvm->arch.pvclock_gtod_sync_lock',
    ]);
    // "vcpu->mutex is taken outside ... kvm->lock": what the item now says reverses a generic rule, and only its end is in the hunk.
    const after = rewrite(before, '  kvm->arch.pvclock_gtod_sync_lock', ['  kvm->arch.pvclock_gtod_sync_lock and kvm->lock']);
    const found = await reviewed(before, after, 'wrapped-item');
    const first = lineOf(after, '  kvm->arch.xen.xen_lock,');
    expect(found.map((f) => `${f.kind} ${f.severity} ${f.line} ${f.placement}`)).toEqual([`doc-unrecognized warning ${first} changed`]);
    expect(found[0]?.message).toContain(BEGINS_ABOVE(first));
    expect(found[0]?.rule?.text).toBe('kvm->arch.xen.xen_lock, kvm->arch.tdp_mmu_pages_lock, kvm->arch.apic_map_lock and kvm->arch.pvclock_gtod_sync_lock and kvm->lock');
  });

  it('a changed last line of a five-line rule whose end reads as a rule of its own is reported, not read as that rule', async () => {
    // Revision 14's x86 item with a third lock, rewrapped: from its second line on, it reads as "... are taken inside kvm->arch.mmu_lock",
    // which leaves kvm->arch.tdp_mmu_pages_lock out.
    const rev14 = readFileSync(corpusRevision('14-'), 'utf8');
    const before = rewrite(rewrite(rev14, '- kvm->arch.mmu_lock is an rwlock.  kvm->arch.tdp_mmu_pages_lock and', [
      '- kvm->arch.mmu_lock is an rwlock.  kvm->arch.tdp_mmu_pages_lock,',
      '  kvm->arch.mmu_unsync_pages_lock and',
    ]), '  kvm->arch.mmu_unsync_pages_lock are taken inside kvm->arch.mmu_lock, and', ['  kvm->arch.possible_nx_huge_pages_lock are taken inside kvm->arch.mmu_lock, and']);
    const after = rewrite(before, '  ``read_lock`` for the TDP MMU, thus the need for additional spinlocks).', ['  ``read_lock`` for the TDP MMU and the shadow MMU alike).']);
    const found = await reviewed(before, after, 'recognized-tail');
    const first = lineOf(after, '  kvm->arch.mmu_unsync_pages_lock and');
    expect(found.map((f) => `${f.kind} ${f.line}`)).toEqual([`doc-unrecognized ${first}`]);
    expect(found[0]?.message).toContain(BEGINS_ABOVE(first));
  });

  it('the last line of vendor_module_lock\'s five-line :Comment: sentence changed: reported as begun above, not as a wording not understood', async () => {
    const before = rev25();
    const after = rewrite(before, '    updating static calls.', ['    updating static calls or enabling virtualization under kvm_usage_lock.']);
    const found = await reviewed(before, after, 'comment');
    const first = lineOf(after, '    updating static calls or enabling virtualization under kvm_usage_lock.') - 3;
    expect(found.map((f) => `${f.kind} ${f.line}`)).toEqual([`doc-unrecognized ${first}`]);
    expect(found[0]?.message).toContain(BEGINS_ABOVE(first));
    expect(found[0]?.message).not.toContain('wording not understood');
  });

  it('an item added to a list after the end of an item begun above the hunk is reported as its parent line is not seen', async () => {
    // "kvm->lock is taken outside vcpu->mutex" as a list whose first item wraps over three lines.
    const before = rewrite(rev25(), '- kvm->lock is taken outside vcpu->mutex', [
      '- kvm->lock is taken outside:',
      '',
      '  - vcpu->mutex, which every vCPU ioctl takes',
      "    before it looks at the vCPU's state, and which",
      '    the VM ioctls take for each vCPU in turn',
      '  - kvm->slots_lock',
    ]);
    const after = rewrite(before, '  - kvm->slots_lock', ['  - kvm->slots_lock', '  - kvm->arch.new_lock']);
    const found = await reviewed(before, after, 'after-item-tail');
    expect(found.map((f) => `${f.kind} ${f.line} ${f.rule?.text}`)).toEqual([`doc-unrecognized ${lineOf(after, '  - kvm->arch.new_lock')} kvm->arch.new_lock`]);
    expect(found[0]?.message).toMatch(/parent line .* is outside the hunk's context/);
  });
});
