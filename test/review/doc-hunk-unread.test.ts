/**
 * A locking.rst patch reviewed without a tree reports what the document
 * reader reports and does not read as rules: a rule written in an RST
 * comment, and rules under an architecture label it does not know. Patches
 * on the 6.12 document, made at test time.
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
const RULE = 'kvm->irq_lock is taken outside kvm->mn_invalidate_lock';

/** The findings of a one-patch series turning the 6.12 document into EDIT(it), reviewed without a tree. */
async function findingsOf(edit: (text: string) => string): Promise<{ findings: ReviewFinding[]; after: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'kvm-review-doc-hunk-unread-'));
  const before = readFileSync(join(kernelTree('6.12'), DOC), 'utf8');
  const after = edit(before);
  expect(after).not.toBe(before);
  const mail = formatPatchMail({ file: DOC, before, after, subject: '[PATCH] Documentation: KVM: edit the lock order', messageId: 'doc-unread@example.org', body: 'An edit written for the test.' });
  const path = join(dir, 'patch.mbx');
  writeFileSync(path, mail);
  const r = await review({ input: path, tree: null, cache: { dir: join(dir, 'cache') } });
  expect(r.mode).toBe('hunk-only');
  return { findings: r.patches[0]?.findings ?? [], after: after.split('\n') };
}

describe('without a tree', () => {
  it('a rule the patch writes in a comment is a doc-unrecognized warning at its line', async () => {
    const { findings, after } = await findingsOf((t) => t.replace('\nFor SRCU:\n', `\n.. ${RULE}.\n\nFor SRCU:\n`));
    const line = after.indexOf(`.. ${RULE}.`) + 1;
    expect(findings.map((f) => `${f.kind} ${f.severity} ${f.line} ${f.rule?.text}`)).toEqual([`doc-unrecognized warning ${line} ${RULE}`]);
    expect(findings[0]?.message).toContain('in an RST comment');
  });

  it('rules the patch puts under "On x68:" are doc-unrecognized warnings naming the label and its line', async () => {
    const { findings, after } = await findingsOf((t) => t.replace('\nOn x86:\n', '\nOn x68:\n- kvm->lock is taken outside kvm->irq_lock\n'));
    const label = after.indexOf('On x68:') + 1;
    expect(findings.map((f) => `${f.kind} ${f.line}`)).toEqual([`doc-unrecognized ${label + 1}`]);
    expect(findings[0]?.message).toMatch(new RegExp(`^this rule is read as x68's \\(under "On x68:" at line ${label}, which names no architecture kvm-review knows; it knows x86`));
  });
});
