/**
 * A locking.rst patch reviewed without a tree that adds "A is taken
 * outside:" as a paragraph before a list: the review reads labels with the
 * document reader's labelScope(), which read that line as a label ("For
 * SRCU:") and so said nothing of it. It is a rule the hunk review does not
 * read whole, so it is reported. The 6.12 tree's locking.rst, patched at
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
const ANCHOR = '- kvm->lock is taken outside vcpu->mutex';
const PARENT = 'kvm->lock is taken outside of:';

describe('a rule with its locks listed after it, in a patch reviewed without a tree', () => {
  let r: ReviewResult;
  let line = 0;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-doc-hunk-list-'));
    const before = readFileSync(join(kernelTree('6.12'), DOC), 'utf8');
    const lines = before.split('\n');
    const at = lines.indexOf(ANCHOR);
    if (at < 0 || lines[at + 1] !== '') throw new Error(`6.12 locking.rst no longer has "${ANCHOR}" followed by a blank line`);
    lines.splice(at + 2, 0, PARENT, '', '- kvm->arch.new_lock', '');
    line = at + 3;
    const mail = formatPatchMail({
      file: DOC,
      before,
      after: lines.join('\n'),
      subject: '[PATCH] Documentation: KVM: list what kvm->lock is taken outside of',
      messageId: 'doc-hunk-list-rule@example.org',
      body: 'A documentation change written to exercise the review without a tree.',
    });
    const path = join(dir, 'patch.mbx');
    writeFileSync(path, mail);
    r = await review({ input: path, tree: null, cache: { dir: join(dir, 'cache') } });
  });

  it('the parent line is reported as not understood, not taken for a label', () => {
    expect(r.mode).toBe('hunk-only');
    const found = (r.patches[0]?.findings ?? []).filter((f) => f.kind === 'doc-unrecognized');
    expect(found.map((f) => [f.line, f.rule?.text ?? f.message])).toEqual([[line, expect.stringContaining(PARENT)]]);
  });
});
