/**
 * A locking.rst patch reviewed without a tree that adds "A is taken inside
 * of:" as a paragraph with its list after it: the review read that line as
 * a label ("For SRCU:") and said nothing of it, then reported it as a
 * sentence not understood. The hunk shows the parent line, so each item is
 * read as the rule the two make, and checked against the embedded order,
 * as `kvm-review doc` reads them. The 6.12 tree's locking.rst, patched at
 * test time.
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
// The paragraph after the acquisition-order list: a list added before it ends there.
const ANCHOR = 'cpus_read_lock() vs kvm_lock:';
const PARENT = 'kvm->lock is taken inside of:';

describe('a rule with its locks listed after it, in a patch reviewed without a tree', () => {
  let r: ReviewResult;
  let line = 0;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-doc-hunk-list-'));
    const before = readFileSync(join(kernelTree('6.12'), DOC), 'utf8');
    const lines = before.split('\n');
    const at = lines.indexOf(ANCHOR);
    if (at < 0 || lines[at - 1] !== '') throw new Error(`6.12 locking.rst no longer has "${ANCHOR}" after a blank line`);
    lines.splice(at, 0, PARENT, '', '- kvm->arch.new_lock', '- vcpu->mutex', '');
    line = at + 4;
    const mail = formatPatchMail({
      file: DOC,
      before,
      after: lines.join('\n'),
      subject: '[PATCH] Documentation: KVM: list what kvm->lock is taken inside of',
      messageId: 'doc-hunk-list-rule@example.org',
      body: 'A documentation change written to exercise the review without a tree.',
    });
    const path = join(dir, 'patch.mbx');
    writeFileSync(path, mail);
    r = await review({ input: path, tree: null, cache: { dir: join(dir, 'cache') } });
  });

  it('each item is read as its rule, "kvm->lock is taken inside of: vcpu->mutex" a doc-conflict; the parent line is neither a label nor reported', () => {
    expect(r.mode).toBe('hunk-only');
    const found = r.patches[0]?.findings ?? [];
    expect(found.map((f) => [f.kind, f.line, f.outer, f.inner])).toEqual([['doc-conflict', line, 'vcpu->mutex', 'kvm->lock']]);
    expect(found[0]?.rule?.text).toBe(`${PARENT.slice(0, -1)}: vcpu->mutex`);
  });
});
