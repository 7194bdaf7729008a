/**
 * A locking.rst patch made at test time from the 6.12 tree's own file (no
 * kernel text is kept in the repository): it adds a rule the code
 * contradicts, a rule no code follows, and removes one the code relies on.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { review } from '../../analyzers/review/review.js';
import { formatPatchMail } from '../helpers/format-patch.js';
import { kernelTree } from '../helpers/paths.js';

const DOC = 'Documentation/virt/kvm/locking.rst';

function makeDocPatch(tree: string, dir: string): string {
  const before = readFileSync(join(tree, DOC), 'utf8');
  const lines = before.split('\n');
  const drop = lines.indexOf('- kvm->lock is taken outside vcpu->mutex');
  if (drop < 0) throw new Error('6.12 locking.rst no longer has the line this test removes');
  const added = ['- kvm->mmu_lock is taken outside kvm->slots_lock', '', '- kvm->arch.tsc_write_lock is taken outside kvm_usage_lock'];
  const after = [...lines.slice(0, drop), ...added, ...lines.slice(drop + 1)].join('\n');
  const mail = formatPatchMail({
    file: DOC,
    before,
    after,
    subject: '[PATCH] Documentation: KVM: reorder a few locks',
    messageId: 'doc-test@example.org',
    body: 'A documentation change written to exercise the doc-patch review.',
  });
  const path = join(dir, 'doc.patch');
  writeFileSync(path, mail);
  return path;
}

describe('a locking.rst patch against 6.12', () => {
  let r: ReviewResult;
  beforeAll(async () => {
    const tree = kernelTree('6.12');
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-doc-patch-'));
    r = await review({ input: makeDocPatch(tree, dir), tree, cache: { dir: join(dir, 'cache') } });
  });

  const kinds = (): string[] => (r.patches[0]?.findings ?? []).map((f) => `${f.kind} ${f.outer} -> ${f.inner}`).sort();

  it('finds the three problems and nothing else', () => {
    expect(r.patches[0]?.applyFailures).toEqual([]);
    expect(kinds()).toEqual([
      'doc-contradicted kvm->mmu_lock -> kvm->slots_lock',
      'doc-removed kvm->lock -> vcpu->mutex',
      'doc-unsupported kvm->arch.tsc_write_lock -> kvm_usage_lock',
    ]);
  });

  it('doc-contradicted cites the sites that take the locks the other way, on the added line', () => {
    const f = r.patches[0]?.findings.find((x) => x.kind === 'doc-contradicted');
    expect(f).toMatchObject({ severity: 'error', file: DOC, placement: 'added' });
    expect(f?.evidence?.against.count).toBeGreaterThan(5);
    expect(f?.evidence?.agreeing.count).toBe(0);
    expect(f?.suggestion).toMatch(/document that order instead/);
  });

  it('doc-removed names code that still follows the removed rule', () => {
    const f = r.patches[0]?.findings.find((x) => x.kind === 'doc-removed');
    expect(f?.severity).toBe('warning');
    expect(f?.sites.length).toBeGreaterThan(0);
  });
});
