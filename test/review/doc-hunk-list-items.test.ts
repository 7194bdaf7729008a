/**
 * Items of a list of locks ("vcpu->mutex is taken outside:" over a nested
 * list) in a locking.rst patch reviewed without a tree: an item added under
 * a parent line the hunk shows is read as the rule the two make, and
 * checked against the embedded order; an item added under a parent line
 * above the hunk's context is reported, saying so, never passed over. The
 * 6.12 tree's locking.rst, its rules rewritten as lists at test time.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReviewFinding, ReviewResult } from '../../analyzers/review/model.js';
import { review } from '../../analyzers/review/review.js';
import { formatPatchMail } from '../helpers/format-patch.js';
import { kernelTree } from '../helpers/paths.js';

const DOC = 'Documentation/virt/kvm/locking.rst';

/** TEXT with the line that is exactly FROM replaced by TO (several lines); throws when the tree no longer has it. */
const rewrite = (text: string, from: string, to: string[]): string => {
  const lines = text.split('\n');
  const at = lines.indexOf(from);
  if (at < 0) throw new Error(`6.12 locking.rst no longer has "${from}"`);
  lines.splice(at, 1, ...to);
  return lines.join('\n');
};

/** The 1-based line of the line that is exactly LINE, after the line that is exactly AFTER. */
const lineAfter = (text: string, after: string, line: string): number => {
  const lines = text.split('\n');
  const at = lines.indexOf(line, lines.indexOf(after));
  if (at < 0) throw new Error(`no line "${line}" after "${after}"`);
  return at + 1;
};

async function reviewChange(before: string, after: string, id: string): Promise<ReviewFinding[]> {
  const dir = mkdtempSync(join(tmpdir(), 'kvm-review-doc-hunk-items-'));
  const mail = formatPatchMail({
    file: DOC,
    before,
    after,
    subject: '[PATCH] Documentation: KVM: add a lock to a list',
    messageId: `${id}@example.org`,
    body: 'A documentation change written to exercise the review without a tree.',
  });
  const path = join(dir, 'patch.mbx');
  writeFileSync(path, mail);
  const r: ReviewResult = await review({ input: path, tree: null, cache: { dir: join(dir, 'cache') } });
  expect(r.mode).toBe('hunk-only');
  return r.patches[0]?.findings ?? [];
}

describe('an item added to a list of locks, without a tree', () => {
  const X86_RULE = '- vcpu->mutex is taken outside kvm->arch.hyperv.hv_lock and kvm->arch.xen.xen_lock';
  const KVM_LOCK = '- kvm->lock is taken outside vcpu->mutex';
  const SLOTS = '- kvm->lock is taken outside kvm->slots_lock and kvm->irq_lock';
  let v0 = '';
  beforeAll(() => {
    const tree = readFileSync(join(kernelTree('6.12'), DOC), 'utf8');
    // The x86 rule and the kvm->lock rules as lists: "vcpu->mutex is taken outside:" and "kvm->lock is taken outside:".
    v0 = rewrite(rewrite(rewrite(tree, X86_RULE, ['- vcpu->mutex is taken outside:', '', '  - kvm->arch.hyperv.hv_lock', '  - kvm->arch.xen.xen_lock']), SLOTS, []), KVM_LOCK, [
      '- kvm->lock is taken outside:',
      '',
      '  - vcpu->mutex',
      '  - kvm->slots_lock',
      '  - kvm->irq_lock',
    ]);
  });

  it('under a parent the hunk shows, it is read as its rule: "vcpu->mutex is taken outside: kvm->lock" reverses kvm->lock -> vcpu->mutex', async () => {
    const v1 = rewrite(v0, '  - kvm->arch.hyperv.hv_lock', ['  - kvm->lock', '  - kvm->arch.hyperv.hv_lock']);
    const found = await reviewChange(v0, v1, 'doc-hunk-item-conflict');
    const line = lineAfter(v1, '- vcpu->mutex is taken outside:', '  - kvm->lock');
    // "On x86:" is above the hunk, but the items of its context are x86's in the embedded order: so is the new one.
    expect(found.map((f) => [f.kind, f.line, f.outer, f.inner, f.placement, f.arch])).toEqual([['doc-conflict', line, 'vcpu->mutex', 'kvm->lock', 'added', 'x86']]);
    expect(found[0]?.rule?.text).toBe('vcpu->mutex is taken outside: kvm->lock');
  });

  it('under a parent above the hunk\'s context, it is reported at its line, naming why', async () => {
    const v1 = rewrite(v0, '  - kvm->irq_lock', ['  - kvm->irq_lock', '  - kvm->arch.new_lock']);
    const found = await reviewChange(v0, v1, 'doc-hunk-item-orphan');
    const line = lineAfter(v1, '- kvm->lock is taken outside:', '  - kvm->arch.new_lock');
    expect(found.map((f) => [f.kind, f.line, f.placement])).toEqual([['doc-unrecognized', line, 'added']]);
    expect(found[0]?.message).toMatch(/parent line .* is outside the hunk's context/);
  });
});
