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

/** Apply `diff` to a tree of a.c and b.c (`files` says what they hold; null: absent). */
async function applyOnDisk(diff: string[], files: Record<'a.c' | 'b.c', string | null> = { 'a.c': 'int a;\n', 'b.c': 'int b;\n' }): Promise<{ a: string | null; b: string | null; failures: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'kvm-review-mail-apply-'));
  for (const [name, text] of Object.entries(files)) if (text !== null) writeFileSync(join(dir, name), text);
  const overlay = new OverlayTree(new DirectoryTree(dir));
  const failures = await applyFiles(overlay, diffsOf(diff));
  const line = (f: (typeof failures)[number]): string => (f.alreadyApplied ? ` [already applied at ${f.alreadyApplied.line}]` : '');
  return { a: await overlay.readText('a.c'), b: await overlay.readText('b.c'), failures: failures.map((f) => `${f.file} ${f.hunk}: ${f.reason}${line(f)}`) };
}

describe('a diff onto a file the tree has', () => {
  it('refuses a new file whose path exists and leaves the file alone', async () => {
    expect(await applyOnDisk(NEW_A)).toEqual({ a: 'int a;\n', b: 'int b;\n', failures: ['a.c null: a.c already exists in the tree with other content: not created, left as it is'] });
  });

  it('refuses a rename or a copy onto an existing file and leaves both alone', async () => {
    expect(await applyOnDisk(RENAME_B_TO_A)).toEqual({ a: 'int a;\n', b: 'int b;\n', failures: ['a.c null: a.c already exists in the tree, and so does b.c: not renamed onto, left as it is'] });
    expect(await applyOnDisk(COPY_B_TO_A)).toEqual({ a: 'int a;\n', b: 'int b;\n', failures: ['a.c null: a.c already exists in the tree with other content: not copied onto, left as it is'] });
  });

  // git apply -R --check finds the new file and the rename; for the copy it reverses into a copy onto b.c,
  // which exists, and refuses: its target holding what the copy makes is still a change the tree has.
  it('a new file, a rename or a copy the tree already has: already applied, both files left', async () => {
    const made = { 'a.c': 'int replaced;\nint too;\n', 'b.c': 'int b;\n' };
    expect(await applyOnDisk(NEW_A, made)).toEqual({ a: made['a.c'], b: 'int b;\n', failures: ['a.c null: the tree has a.c, with the content the patch creates [already applied at 1]'] });
    expect(await applyOnDisk(RENAME_B_TO_A, { 'a.c': 'int b;\n', 'b.c': null })).toEqual({ a: 'int b;\n', b: null, failures: ['a.c null: the tree has a.c, not b.c [already applied at 1]'] });
    expect(await applyOnDisk(COPY_B_TO_A, { 'a.c': 'int b;\n', 'b.c': 'int b;\n' })).toEqual({ a: 'int b;\n', b: 'int b;\n', failures: ['a.c null: the tree has a.c, with the content the patch copies there [already applied at 1]'] });
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
    expect(patch?.applyFailures).toEqual([{ file: 'virt/kvm/eventfd.c', hunk: null, reason: 'virt/kvm/eventfd.c already exists in the tree with other content: not created, left as it is' }]);
    expect(patch?.removedEdges).toEqual([]);
  });
});
