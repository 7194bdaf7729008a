/**
 * An order that locking.rst states only in a lock's :Comment: is part of
 * the embedded order a patch is reviewed against without a tree:
 * vendor_module_lock's comment says "many operations need to take
 * cpu_hotplug_lock when loading a vendor module", what the lock protects,
 * so vendor_module_lock is taken outside cpu_hotplug_lock, and a patch
 * documenting the reverse order is a doc-conflict. The 6.12 tree's
 * locking.rst, patched at test time.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { review } from '../../analyzers/review/review.js';
import { formatPatchMail } from '../helpers/format-patch.js';
import { kernelTree } from '../helpers/paths.js';

const DOC = 'Documentation/virt/kvm/locking.rst';
const AFTER = '- kvm_usage_lock is taken outside cpus_read_lock()';
const ADDED = '- cpus_read_lock() is taken outside vendor_module_lock';

describe('an order stated in a :Comment:, in a patch reviewed without a tree', () => {
  it('"cpus_read_lock() is taken outside vendor_module_lock" conflicts with vendor_module_lock\'s comment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-doc-hunk-comment-'));
    const before = readFileSync(join(kernelTree('6.12'), DOC), 'utf8');
    const lines = before.split('\n');
    const at = lines.indexOf(AFTER);
    if (at < 0 || lines[at + 1] !== '') throw new Error(`6.12 locking.rst no longer has "${AFTER}" before a blank line`);
    lines.splice(at + 1, 0, '', ADDED);
    const mail = formatPatchMail({
      file: DOC,
      before,
      after: lines.join('\n'),
      subject: '[PATCH] Documentation: KVM: cpus_read_lock() vs vendor_module_lock',
      messageId: 'doc-hunk-comment-order@example.org',
      body: 'A documentation change written to exercise the review without a tree.',
    });
    const path = join(dir, 'patch.mbx');
    writeFileSync(path, mail);
    const r: ReviewResult = await review({ input: path, tree: null, cache: { dir: join(dir, 'cache') } });
    expect(r.mode).toBe('hunk-only');
    const found = r.patches[0]?.findings ?? [];
    expect(found.map((f) => [f.kind, f.severity, f.line, f.outer, f.inner])).toEqual([['doc-conflict', 'error', at + 3, 'cpus_read_lock()', 'vendor_module_lock']]);
    expect(found[0]?.message).toContain('the embedded order puts vendor_module_lock before cpus_read_lock()');
  });
});
