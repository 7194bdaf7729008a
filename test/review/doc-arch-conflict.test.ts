/**
 * An order rule under "On x86 and arm64:" holds on both architectures: when
 * it reverses a documented rule, or closes a cycle with the documented
 * order, the doc-conflict is said for each architecture where it conflicts,
 * each its own finding, and only there (a rule documented "On x86:" only
 * conflicts on x86). Both reviews: against the 6.12 tree (its locking.rst
 * read before and after the patch) and without a tree (the embedded order).
 * The patches are made at test time from 6.12's locking.rst.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReviewFinding } from '../../analyzers/review/model.js';
import { review } from '../../analyzers/review/review.js';
import { formatPatchMail } from '../helpers/format-patch.js';
import { kernelTree } from '../helpers/paths.js';

const DOC = 'Documentation/virt/kvm/locking.rst';
/** The label after the list of generic orders: what is inserted before it is the list's end, and it ends the new label's reach. */
const NEXT_LABEL = 'cpus_read_lock() vs kvm_lock:';

/** Reverses the generic "kvm->lock is taken outside vcpu->mutex": a conflict on both. */
const BOTH = '- vcpu->mutex is taken outside kvm->lock';
/** Reverses "vcpu->mutex is taken outside ... kvm->arch.xen.xen_lock", which 6.12 documents "On x86:" only. */
const X86_ONLY = '- kvm->arch.xen.xen_lock is taken outside vcpu->mutex';
/** Closes a cycle through two generic rules (kvm_usage_lock -> cpus_read_lock() -> kvm_lock): on both. */
const CYCLE = '- kvm_lock is taken outside kvm_usage_lock';

/** One cache for every review here: the tree is analysed once. */
const work = mkdtempSync(join(tmpdir(), 'kvm-review-doc-arch-conflict-'));

/** 6.12's locking.rst with "On x86 and arm64:" and RULE added at the end of the list of generic orders, reviewed. */
async function reviewAdded(rule: string, mode: 'tree' | 'hunk-only'): Promise<{ findings: ReviewFinding[]; line: number }> {
  const tree = kernelTree('6.12');
  const before = readFileSync(join(tree, DOC), 'utf8');
  const all = before.split('\n');
  const at = all.indexOf(NEXT_LABEL);
  if (at < 0) throw new Error(`6.12 locking.rst no longer has "${NEXT_LABEL}"`);
  const after = [...all.slice(0, at), 'On x86 and arm64:', '', rule, '', ...all.slice(at)].join('\n');
  const name = `${mode}-${[BOTH, X86_ONLY, CYCLE].indexOf(rule)}`;
  const input = join(work, `${name}.mbx`);
  writeFileSync(input, formatPatchMail({ file: DOC, before, after, subject: '[PATCH] Documentation: KVM: an order for x86 and arm64', messageId: `${name}@example.org`, body: 'Both.' }));
  const r = await review({ input, tree: mode === 'tree' ? tree : null, cache: { dir: join(work, 'cache') } });
  expect(r.mode).toBe(mode);
  return { findings: r.patches[0]?.findings ?? [], line: after.split('\n').indexOf(rule) + 1 };
}

const conflicts = (findings: ReviewFinding[]): ReviewFinding[] => findings.filter((f) => f.kind === 'doc-conflict');

for (const mode of ['tree', 'hunk-only'] as const) {
  describe(`an order rule under "On x86 and arm64:" that conflicts with the documented order (${mode})`, () => {
    it('reversing a generic rule is a doc-conflict on x86 and one on arm64, each its own finding', async () => {
      const { findings, line } = await reviewAdded(BOTH, mode);
      const c = conflicts(findings);
      expect(c.map((f) => `${f.arch} ${f.severity} ${f.outer} -> ${f.inner} ${f.line}`)).toEqual([
        `x86 error vcpu->mutex -> kvm->lock ${line}`,
        `arm64 error vcpu->mutex -> kvm->lock ${line}`,
      ]);
      expect(c.every((f) => f.rulePath[1]?.text === 'kvm->lock is taken outside vcpu->mutex')).toBe(true);
      expect(new Set(c.map((f) => f.fingerprint)).size).toBe(2);
    }, 600_000);

    it('reversing a rule documented "On x86:" only is a doc-conflict on x86 only', async () => {
      const { findings, line } = await reviewAdded(X86_ONLY, mode);
      const c = conflicts(findings);
      expect(c.map((f) => `${f.arch} ${f.severity} ${f.outer} -> ${f.inner} ${f.line}`)).toEqual([`x86 error kvm->arch.xen.xen_lock -> vcpu->mutex ${line}`]);
      expect(c[0]?.rulePath[1]?.text).toMatch(/^vcpu->mutex is taken outside (?:kvm->arch\.hyperv\.hv_lock and )?kvm->arch\.xen\.xen_lock$/);
    }, 600_000);

    it('closing a cycle through generic rules is a doc-conflict on x86 and one on arm64', async () => {
      const { findings, line } = await reviewAdded(CYCLE, mode);
      const c = conflicts(findings);
      expect(c.map((f) => `${f.arch} ${f.severity} ${f.line}`)).toEqual([`x86 error ${line}`, `arm64 error ${line}`]);
      // The statements that make the cycle, quoted in each (the embedded order words them as 6.12 does).
      for (const f of c) {
        expect(f.rulePath.map((q) => q.text)).toEqual(expect.arrayContaining([
          CYCLE.slice(2),
          'kvm_usage_lock is taken outside cpus_read_lock()',
          'cpus_read_lock() is taken outside kvm_lock',
        ]));
      }
      expect(new Set(c.map((f) => f.fingerprint)).size).toBe(2);
    }, 600_000);
  });
}

describe('the code against an order rule under "On x86 and arm64:" (tree)', () => {
  it('is a doc-contradicted finding on each architecture, each its own (fingerprints differ: a v2 keeps which is which)', async () => {
    const { findings, line } = await reviewAdded(BOTH, 'tree');
    const c = findings.filter((f) => f.kind === 'doc-contradicted');
    expect(c.map((f) => `${f.arch} ${f.outer} -> ${f.inner} ${f.line}`)).toEqual([`x86 vcpu->mutex -> kvm->lock ${line}`, `arm64 vcpu->mutex -> kvm->lock ${line}`]);
    expect(new Set(c.map((f) => f.fingerprint)).size).toBe(2);
  }, 600_000);
});
