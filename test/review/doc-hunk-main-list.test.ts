/**
 * A locking.rst patch reviewed without a tree that puts a parent paragraph
 * ("kvm->slots_lock is taken outside:") in the middle of the main list of
 * rules, with the bullets after it at the main list's indentation. As the
 * document reader reads it (knowledge/doc/reader.ts), those bullets are the
 * main list's, each read as its own rule, and the paragraph is reported:
 * no list is indented under it. The hunk review read them as the
 * paragraph's items ("kvm->slots_lock is taken outside: vcpu->mutex is taken
 * outside kvm->lock", not understood) and lost the rule. The 6.12 tree's
 * locking.rst, patched at test time.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { review } from '../../analyzers/review/review.js';
import { NO_LIST_UNDER } from '../../knowledge/doc/list-rules.js';
import { readLockingDoc } from '../../knowledge/doc/reader.js';
import { formatPatchMail } from '../helpers/format-patch.js';
import { kernelTree } from '../helpers/paths.js';

const DOC = 'Documentation/virt/kvm/locking.rst';
const ANCHOR = '- kvm->lock is taken outside vcpu->mutex';
const PARENT = 'kvm->slots_lock is taken outside:';
const INVERTED = '- vcpu->mutex is taken outside kvm->lock';

describe('a parent paragraph in the main list, its bullets at the main list\'s indentation, in a patch reviewed without a tree', () => {
  let r: ReviewResult;
  let after = '';
  const at = { parent: 0, inverted: 0, lock: 0 };
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-doc-hunk-main-'));
    const before = readFileSync(join(kernelTree('6.12'), DOC), 'utf8');
    const lines = before.split('\n');
    const i = lines.indexOf(ANCHOR);
    if (i < 0) throw new Error(`6.12 locking.rst no longer has "${ANCHOR}"`);
    lines.splice(i + 1, 0, '', PARENT, '', INVERTED, '- kvm->irq_lock');
    Object.assign(at, { parent: i + 3, inverted: i + 5, lock: i + 6 });
    after = lines.join('\n');
    const mail = formatPatchMail({
      file: DOC,
      before,
      after,
      subject: '[PATCH] Documentation: KVM: what kvm->slots_lock is taken outside of',
      messageId: 'doc-hunk-main-list@example.org',
      body: 'A documentation change written to exercise the review without a tree.',
    });
    const path = join(dir, 'patch.mbx');
    writeFileSync(path, mail);
    r = await review({ input: path, tree: null, cache: { dir: join(dir, 'cache') } });
  });

  it('the bullet after the paragraph is read as its own rule (a doc-conflict), the paragraph and the bare lock reported, as the reader reports them', () => {
    expect(r.mode).toBe('hunk-only');
    const found = r.patches[0]?.findings ?? [];
    const conflict = found.find((f) => f.kind === 'doc-conflict');
    expect([conflict?.line, conflict?.outer, conflict?.inner, conflict?.rule?.text]).toEqual([at.inverted, 'vcpu->mutex', 'kvm->lock', INVERTED.slice(2)]);
    const unread = found.filter((f) => f.kind === 'doc-unrecognized').map((f) => [f.line, f.message]);
    expect(unread).toEqual([
      [at.parent, expect.stringContaining(NO_LIST_UNDER)],
      [at.lock, expect.stringContaining(`is not one of the locks of "${PARENT}" (line ${at.parent})`)],
    ]);
    // The document reader, on the whole patched text, reports the same two lines for the same reasons.
    const doc = readLockingDoc(Buffer.from(after), DOC, 'file');
    expect(doc.unrecognized.filter((u) => u.line === at.parent || u.line === at.lock).map((u) => [u.line, u.reason])).toEqual([
      [at.parent, NO_LIST_UNDER],
      [at.lock, expect.stringContaining(`is not one of the locks of "${PARENT}" (line ${at.parent})`)],
    ]);
  });
});
