/**
 * A mail's diff that would replace a file the tree has: a "new file" for a
 * path that exists, a rename or copy onto one. git apply refuses these
 * ("already exists"); applying them would swap the whole file for the
 * mail's text and report its locking as removed.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyFiles } from '../../analyzers/review/apply.js';
import { review } from '../../analyzers/review/review.js';
import { parseSection } from '../../analyzers/series/diff-parse.js';
import type { FileDiff } from '../../analyzers/series/diff-model.js';
import { scanDiff } from '../../analyzers/series/diff-sections.js';
import { DirectoryTree } from '../../analyzers/trees/directory-tree.js';
import { OverlayTree } from '../../analyzers/trees/overlay-tree.js';
import { kernelTree } from '../helpers/paths.js';

/** The file diffs of `diff`, read as a mail's diff is. */
function diffsOf(diff: string[]): FileDiff[] {
  const scan = scanDiff([...diff, ''].join('\n'));
  return scan.sections.map((s) => {
    const file = parseSection(scan.lines, s);
    if ('message' in file) throw new Error(`the test's diff did not parse: ${file.message}`);
    return file;
  });
}

const NEW_A = ['diff --git a/a.c b/a.c', 'new file mode 100644', '--- /dev/null', '+++ b/a.c', '@@ -0,0 +1,2 @@', '+int replaced;', '+int too;'];
const RENAME_B_TO_A = ['diff --git a/b.c b/a.c', 'similarity index 100%', 'rename from b.c', 'rename to a.c'];
const COPY_B_TO_A = ['diff --git a/b.c b/a.c', 'similarity index 100%', 'copy from b.c', 'copy to a.c'];

async function applyOnDisk(diff: string[]): Promise<{ a: string | null; b: string | null; failures: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'kvm-review-mail-apply-'));
  writeFileSync(join(dir, 'a.c'), 'int a;\n');
  writeFileSync(join(dir, 'b.c'), 'int b;\n');
  const overlay = new OverlayTree(new DirectoryTree(dir));
  const failures = await applyFiles(overlay, diffsOf(diff));
  return { a: await overlay.readText('a.c'), b: await overlay.readText('b.c'), failures: failures.map((f) => `${f.file} ${f.hunk}: ${f.reason}`) };
}

describe('a diff onto a file the tree has', () => {
  it('refuses a new file whose path exists and leaves the file alone', async () => {
    expect(await applyOnDisk(NEW_A)).toEqual({ a: 'int a;\n', b: 'int b;\n', failures: ['a.c null: a.c already exists in the tree: not created, left as it is'] });
  });

  it('refuses a rename or a copy onto an existing file and leaves both alone', async () => {
    expect(await applyOnDisk(RENAME_B_TO_A)).toEqual({ a: 'int a;\n', b: 'int b;\n', failures: ['a.c null: a.c already exists in the tree: not renamed onto, left as it is'] });
    expect(await applyOnDisk(COPY_B_TO_A)).toEqual({ a: 'int a;\n', b: 'int b;\n', failures: ['a.c null: a.c already exists in the tree: not copied onto, left as it is'] });
  });

  it('still creates a new file, and renames onto a free path', async () => {
    expect(await applyOnDisk(NEW_A.map((l) => l.replace(/a\.c/g, 'c.c')))).toMatchObject({ failures: [] });
    expect(await applyOnDisk(RENAME_B_TO_A.map((l) => l.replace(/a\.c/g, 'c.c')))).toEqual({ a: 'int a;\n', b: null, failures: [] });
  });

  it('on a kernel tree: a new virt/kvm/eventfd.c is a failure, not a review that removes its lock edges', async () => {
    const tree = kernelTree('6.1');
    expect(readFileSync(join(tree, 'virt/kvm/eventfd.c'), 'utf8')).toContain('mutex_lock(&kvm->irqfds.resampler_lock)');
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-mail-apply-'));
    const input = join(dir, 'new-eventfd.patch');
    const diff = NEW_A.map((l) => l.replace(/a\.c/g, 'virt/kvm/eventfd.c'));
    writeFileSync(input, ['From: Jane Hacker <jane@example.org>', 'Subject: [PATCH] KVM: a new file that exists', '', 'Why.', '---', ...diff, ''].join('\n'));
    const r = await review({ input, tree, cache: { dir: join(dir, 'cache') } });
    const patch = r.patches[0];
    expect(patch?.applyFailures).toEqual([{ file: 'virt/kvm/eventfd.c', hunk: null, reason: 'virt/kvm/eventfd.c already exists in the tree: not created, left as it is' }]);
    expect(patch?.removedEdges).toEqual([]);
  });
});
