/** Applying a series in memory: hunks that do not apply, files the tree lacks, paths that leave the tree, binary diffs. */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { review } from '../../analyzers/review/review.js';
import { kernelTree } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'kvm-review-apply-'));
const cache = { dir: join(dir, 'cache') };

function diffFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('applying patches to a tree in memory', () => {
  it('reports a file the tree lacks and a hunk whose context does not match, and with nothing applied does not review the patch; never writes the tree', async () => {
    const tree = kernelTree('6.12');
    const mainBefore = readFileSync(join(tree, 'virt/kvm/kvm_main.c'), 'utf8');
    const input = diffFile(
      'bad.diff',
      [
        'diff --git a/virt/kvm/no_such_file.c b/virt/kvm/no_such_file.c',
        '--- a/virt/kvm/no_such_file.c',
        '+++ b/virt/kvm/no_such_file.c',
        '@@ -1,2 +1,3 @@',
        ' int a;',
        '+int b;',
        ' int c;',
        'diff --git a/virt/kvm/kvm_main.c b/virt/kvm/kvm_main.c',
        '--- a/virt/kvm/kvm_main.c',
        '+++ b/virt/kvm/kvm_main.c',
        '@@ -10,3 +10,4 @@',
        ' this context is not in the file',
        '+int z;',
        ' nor is this',
        ' or this',
        '',
      ].join('\n'),
    );
    const r = await review({ input, tree, cache });
    const failures = r.patches[0]?.applyFailures.map((f) => `${f.file}: ${f.reason}`) ?? [];
    expect(failures).toEqual([
      'virt/kvm/no_such_file.c: virt/kvm/no_such_file.c does not exist in the tree',
      'virt/kvm/kvm_main.c: the context does not match the tree',
    ]);
    // Neither hunk landed: the tree after the patch is the tree before it, and "no findings" would pass it.
    expect(r.patches[0]?.status).toBe('not-applied');
    expect(r.patches[0]?.reason).toBe('no hunk of virt/kvm/no_such_file.c, virt/kvm/kvm_main.c applies to the tree');
    expect(r.patches[0]?.alreadyApplied).toBeUndefined();
    expect(readFileSync(join(tree, 'virt/kvm/kvm_main.c'), 'utf8')).toBe(mainBefore);
  });

  it('a patch whose path leaves the tree fails, naming the path, before anything is applied', async () => {
    const tree = kernelTree('6.12');
    const input = diffFile('outside.diff', ['diff --git a/../outside.c b/../outside.c', '--- a/../outside.c', '+++ b/../outside.c', '@@ -1,1 +1,2 @@', ' int x;', '+int y;', ''].join('\n'));
    const r = await review({ input, tree, cache });
    expect(r.patches[0]?.status).toBe('failed');
    expect(r.patches[0]?.reason).toContain('../outside.c');
    expect(r.patches[0]?.applyFailures).toEqual([]);
  });
});
