/**
 * Tree.children(): one level of a directory, on each tree kind, must be what
 * the tree's own recursive listing implies (treeChildren() without it), and
 * the indexed files read through it must be those a listing finds. On a real
 * tree, from a directory, a git revision of it, and a series in memory.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexedFiles } from '../../analyzers/index/files.js';
import { DirectoryTree } from '../../analyzers/trees/directory-tree.js';
import { GitTree } from '../../analyzers/trees/git-tree.js';
import { treeChildren, type Tree } from '../../analyzers/trees/model.js';
import { OverlayTree } from '../../analyzers/trees/overlay-tree.js';
import { copyKernelFiles, git, initRepo } from '../git/repo.js';
import { kernelTree } from '../helpers/paths.js';

/** The tree without its children(): what treeChildren() derives from list(). */
function listingOnly(tree: Tree): Tree {
  return { label: tree.label, kind: tree.kind, list: (d) => tree.list(d), isDirectory: (p) => tree.isDirectory(p), read: (p) => tree.read(p), identity: (p) => tree.identity(p), notes: () => tree.notes() };
}

const DIRS = ['', 'arch', 'arch/x86', 'arch/x86/kvm', 'arch/x86/include/asm', 'include/linux', 'virt/kvm', 'no/such/dir'];

async function sameAsListing(make: () => Promise<Tree> | Tree): Promise<void> {
  for (const d of DIRS) {
    const [a, b] = [await make(), await make()];
    expect({ d, children: await treeChildren(a, d) }).toEqual({ d, children: await treeChildren(listingOnly(b), d) });
  }
  expect(await indexedFiles(await make())).toEqual(await indexedFiles(listingOnly(await make())));
}

describe('Tree.children', () => {
  it('lists one level as the recursive listing implies: a directory, a git revision, a series in memory', async () => {
    const top = mkdtempSync(join(tmpdir(), 'kvm-review-children-'));
    try {
      const base = join(top, 'base');
      await copyKernelFiles(kernelTree('6.12'), base);
      // A symlinked header, and a file beside an architecture's directories.
      symlinkSync('kvm_host.h', join(base, 'include/linux/kvm_alias.h'));
      writeFileSync(join(base, 'arch/x86/Kconfig.kvm-review'), 'config X\n');
      const dir = new DirectoryTree(base);
      expect((await dir.children?.('include/linux'))?.some((c) => c.name === 'kvm_alias.h' && !c.isDirectory)).toBe(true);
      await sameAsListing(() => new DirectoryTree(base));

      const repo = join(top, 'repo');
      initRepo(base, repo);
      await sameAsListing(() => GitTree.open(repo, 'base'));

      const overlay = (): OverlayTree => {
        const o = new OverlayTree(new DirectoryTree(base));
        o.write('arch/x86/kvm/new/added.c', 'int y;\n');
        o.write('include/linux/kvm_new.h', 'struct kvm_new { int a; };\n');
        o.write('include/linux/kvm_alias.h', null);
        return o;
      };
      expect((await treeChildren(overlay(), 'include/linux')).map((c) => c.name)).toContain('kvm_new.h');
      expect((await treeChildren(overlay(), 'include/linux')).map((c) => c.name)).not.toContain('kvm_alias.h');
      await sameAsListing(overlay);
    } finally {
      rmSync(top, { recursive: true, force: true });
    }
  }, 120_000);

  it('a git revision asked the same questions in any order, again and again, answers as a fresh one', async () => {
    const top = mkdtempSync(join(tmpdir(), 'kvm-review-git-answers-'));
    try {
      const base = join(top, 'base');
      const files = ['arch/x86/kvm/x86.c', 'arch/x86/kvm/mmu/mmu.c', 'arch/x86/kvm/mmu/tdp_mmu.c', 'arch/x86/include/asm/kvm_host.h', 'virt/kvm/kvm_main.c', 'include/linux/kvm_host.h'];
      for (const f of files) {
        mkdirSync(join(base, f, '..'), { recursive: true });
        writeFileSync(join(base, f), `/* ${f} */\n`);
      }
      const repo = join(top, 'repo');
      initRepo(base, repo);
      // A submodule (a gitlink entry: the commit is not in this repository, as usual).
      git(repo, 'update-index', '--add', '--cacheinfo', `160000,${git(repo, 'rev-parse', 'HEAD').trim()},tools/sub`);
      git(repo, 'commit', '-q', '-m', 'a submodule');
      git(repo, 'tag', '-f', 'base');
      type Question = readonly ['list' | 'children' | 'isDirectory' | 'identity', string];
      const questions: Question[] = [
        ['list', 'arch/x86'],
        ['isDirectory', 'arch/x86/kvm/mmu'], // a directory under one listed recursively: its blobs say so
        ['isDirectory', 'arch/x86/kvm/mm'], // a prefix of one, not a directory
        ['isDirectory', 'arch/x86/kvm/x86.c'],
        ['children', 'arch/x86/kvm/x86.c'], // a file has no children
        ['children', 'arch/x86/kvm'],
        ['children', 'virt/kvm'],
        ['isDirectory', 'virt/kvm'],
        ['identity', 'virt/kvm/kvm_main.c'],
        ['identity', 'virt/kvm/nothing.c'], // not in a directory whose entries were read
        ['children', ''],
        ['isDirectory', 'include'],
        ['list', 'arch/x86'],
        ['children', 'arch/x86/kvm'],
        ['list', 'arch/x86/none'], // listed recursively, not there
        ['identity', 'arch/x86/none/x.c'], // looked up under it: not found
        ['isDirectory', 'arch/x86/none'],
        ['children', 'tools/sub'], // `tools/sub/` names the submodule itself
        ['isDirectory', 'tools/sub'],
        ['children', 'tools'],
      ];
      const ask = async (tree: GitTree, [what, path]: Question): Promise<unknown> => (what === 'list' ? tree.list(path) : what === 'children' ? tree.children(path) : what === 'isDirectory' ? tree.isDirectory(path) : tree.identity(path));
      const shared = await GitTree.open(repo, 'base');
      for (const q of questions) {
        const answer = await ask(shared, q);
        expect({ q, answer }).toEqual({ q, answer: await ask(await GitTree.open(repo, 'base'), q) });
        // A listing handed out is the caller's: changing it changes nothing the tree answers next.
        if (Array.isArray(answer)) answer.length = 0;
      }
      expect(await shared.isDirectory('arch/x86/kvm/mmu')).toBe(true);
      expect(await shared.isDirectory('arch/x86/kvm/mm')).toBe(false);
      expect((await shared.children('arch/x86/kvm')).map((c) => c.name)).toEqual(['mmu', 'x86.c']);
      expect(await shared.children('arch/x86/kvm/x86.c')).toEqual([]);
      expect(await shared.isDirectory('arch/x86/none')).toBe(false);
      expect(await shared.isDirectory('tools/sub')).toBe(false);
      expect(shared.notes()).toEqual([{ path: 'tools/sub', reason: 'a submodule' }]);
      shared.close();
    } finally {
      rmSync(top, { recursive: true, force: true });
    }
  }, 60_000);
});
