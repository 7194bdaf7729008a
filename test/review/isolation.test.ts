/**
 * Failure isolation: a patch whose review throws is `failed` with the
 * reason and the next patch is still reviewed. The throw comes from a real
 * tree (a small kernel tree on disk, locking.rst read from the 6.1 tree at
 * test time) whose read of one file fails with an I/O error.
 */
import { describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { review } from '../../analyzers/review/review.js';
import { DirectoryTree } from '../../analyzers/trees/directory-tree.js';
import type { Tree } from '../../analyzers/trees/model.js';
import { formatPatchMail } from '../helpers/format-patch.js';
import { kernelTree } from '../helpers/paths.js';
import { INVERTING } from '../git/repo.js';

const MAIN = 'static int kvm_demo_init(struct kvm *kvm)\n{\n\treturn 0;\n}\n';

class FailingRead extends DirectoryTree {
  override async read(path: string): Promise<Buffer | null> {
    if (path === 'Documentation/broken.txt') throw new Error('EIO: i/o error, read');
    return super.read(path);
  }
}

describe('a patch that throws', () => {
  it('is failed with the reason; the next patch is reviewed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-isolation-'));
    const root = join(dir, 'tree');
    mkdirSync(join(root, 'virt/kvm'), { recursive: true });
    // One architecture: generic code is reviewed as the architectures of the tree build it.
    mkdirSync(join(root, 'arch/x86/kvm'), { recursive: true });
    writeFileSync(join(root, 'arch/x86/kvm/x86.c'), 'int kvm_arch_demo(void)\n{\n\treturn 0;\n}\n');
    mkdirSync(join(root, 'Documentation/virt/kvm'), { recursive: true });
    copyFileSync(join(kernelTree('6.1'), 'Documentation/virt/kvm/locking.rst'), join(root, 'Documentation/virt/kvm/locking.rst'));
    writeFileSync(join(root, 'virt/kvm/kvm_main.c'), MAIN);
    writeFileSync(join(root, 'Documentation/broken.txt'), 'text\n');
    const mails = [
      formatPatchMail({ file: 'Documentation/broken.txt', before: 'text\n', after: 'text\nmore\n', subject: '[PATCH 1/2] Documentation: more text', messageId: 'iso-1@example.org', body: 'More.' }),
      formatPatchMail({ file: 'virt/kvm/kvm_main.c', before: MAIN, after: MAIN + INVERTING, subject: '[PATCH 2/2] KVM: demo: reset', messageId: 'iso-2@example.org', body: 'Reset.' }),
    ];
    const input = join(dir, 'series.mbx');
    writeFileSync(input, mails.join('\n'));
    const tree: Tree = new FailingRead(root);
    const r = await review({ input, tree, cache: { disabled: true } });
    expect(r.patches.map((p) => [p.index, p.status])).toEqual([[1, 'failed'], [2, 'reviewed']]);
    expect(r.patches[0]?.reason).toMatch(/internal error while reviewing this patch: EIO/);
    expect(r.patches[1]?.findings.map((f) => [f.kind, f.outer, f.inner])).toContainEqual(['order-inversion', 'vcpu->mutex', 'kvm->lock']);
  }, 300_000);
});
