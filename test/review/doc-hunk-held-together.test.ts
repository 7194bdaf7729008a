/**
 * A locking.rst patch reviewed without a tree that adds a prohibition over
 * locks held together ("A must not be taken while holding all of the
 * following:" and its list): as in `kvm-review doc`, it may forbid only
 * holding them together, so it is reported saying so, never read as one
 * prohibition per lock (which made a doc-conflict of a rule the author may
 * not have written). A positive rule over "both of:" holds for each lock
 * and is read. The 6.12 tree's locking.rst, patched at test time.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReviewFinding, ReviewResult } from '../../analyzers/review/model.js';
import { review } from '../../analyzers/review/review.js';
import { formatPatchMail } from '../helpers/format-patch.js';
import { kernelTree } from '../helpers/paths.js';

const DOC = 'Documentation/virt/kvm/locking.rst';
// The paragraph after the acquisition-order list: a list added before it ends there.
const ANCHOR = 'cpus_read_lock() vs kvm_lock:';

/** The findings of a patch adding PARENT, its list after it, before ANCHOR; and PARENT's line. */
async function reviewAdding(parent: string, items: string[], id: string): Promise<{ found: ReviewFinding[]; line: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'kvm-review-doc-hunk-together-'));
  const before = readFileSync(join(kernelTree('6.12'), DOC), 'utf8');
  const lines = before.split('\n');
  const at = lines.indexOf(ANCHOR);
  if (at < 0 || lines[at - 1] !== '') throw new Error(`6.12 locking.rst no longer has "${ANCHOR}" after a blank line`);
  lines.splice(at, 0, parent, '', ...items.map((i) => `- ${i}`), '');
  const mail = formatPatchMail({
    file: DOC,
    before,
    after: lines.join('\n'),
    subject: '[PATCH] Documentation: KVM: document a lock taken with others held',
    messageId: `${id}@example.org`,
    body: 'A documentation change written to exercise the review without a tree.',
  });
  const path = join(dir, 'patch.mbx');
  writeFileSync(path, mail);
  const r: ReviewResult = await review({ input: path, tree: null, cache: { dir: join(dir, 'cache') } });
  expect(r.mode).toBe('hunk-only');
  return { found: r.patches[0]?.findings ?? [], line: at + 1 };
}

describe('a rule over locks held together, in a patch reviewed without a tree', () => {
  it('"kvm->slots_lock must not be taken while holding all of the following:" is reported at its line, saying why; no doc-conflict from reading it per lock', async () => {
    const parent = 'kvm->slots_lock must not be taken while holding all of the following:';
    const { found, line } = await reviewAdding(parent, ['kvm->lock', 'kvm->arch.new_lock'], 'doc-hunk-held-together');
    expect(found.map((f) => [f.kind, f.line, f.rule?.text])).toEqual([['doc-unrecognized', line, parent]]);
    expect(found[0]?.message).toContain(
      '"all of the following" after a prohibition may forbid only holding the locks listed together, not each one on its own, and kvm-review does not model a rule about locks held together',
    );
  });

  it('"vcpu->mutex is taken outside both of:" holds for each lock: read, its kvm->lock item a doc-conflict', async () => {
    const parent = 'vcpu->mutex is taken outside both of:';
    const { found, line } = await reviewAdding(parent, ['kvm->arch.new_lock', 'kvm->lock'], 'doc-hunk-positive-together');
    expect(found.map((f) => [f.kind, f.line, f.outer, f.inner, f.rule?.text])).toEqual([['doc-conflict', line + 3, 'vcpu->mutex', 'kvm->lock', `${parent.slice(0, -1)}: kvm->lock`]]);
  });
});
