/**
 * The directory tree on real temporary directories: only regular files are
 * read, a symlink is followed only inside the tree, FIFOs are skipped with a
 * note (never opened), files past the size cap are reported, and a file the
 * tree cannot read is reported by the index while the rest is indexed.
 *
 * EACCES cannot be provoked by chmod here (the tests run as root), so the
 * unreadable file is a tree whose read of one file fails the way
 * DirectoryTree reports EACCES: null plus a note.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexTree } from '../../analyzers/index/index-tree.js';
import { DirectoryTree } from '../../analyzers/trees/directory-tree.js';
import type { Tree, TreeNote } from '../../analyzers/trees/model.js';
import { OverlayTree } from '../../analyzers/trees/overlay-tree.js';
import { TreeError } from '../../analyzers/trees/model.js';

const C = 'static void f(struct kvm *kvm)\n{\n\tmutex_lock(&kvm->lock);\n\tmutex_unlock(&kvm->lock);\n}\n';

function fixture(): { root: string; outside: string } {
  const top = mkdtempSync(join(tmpdir(), 'kvm-review-tree-'));
  const root = join(top, 'tree');
  const outside = join(top, 'outside.c');
  mkdirSync(join(root, 'virt', 'kvm'), { recursive: true });
  writeFileSync(join(root, 'virt/kvm/a.c'), C);
  writeFileSync(join(root, 'virt/kvm/b.c'), C.replace('f(', 'g('));
  writeFileSync(outside, C.replace('f(', 'secret('));
  symlinkSync(outside, join(root, 'virt/kvm/out.c'));
  symlinkSync('a.c', join(root, 'virt/kvm/in.c'));
  execFileSync('mkfifo', [join(root, 'virt/kvm/fifo.c')]);
  return { root, outside };
}

describe('DirectoryTree', () => {
  it('lists regular files and symlinks inside the tree; a symlink out and a FIFO are notes', async () => {
    const { root } = fixture();
    const tree = new DirectoryTree(root);
    expect((await tree.list('virt/kvm')).map((e) => e.path)).toEqual(['virt/kvm/a.c', 'virt/kvm/b.c', 'virt/kvm/in.c']);
    expect(tree.notes()).toEqual([
      { path: 'virt/kvm/fifo.c', reason: 'a FIFO' },
      { path: 'virt/kvm/out.c', reason: 'a symlink leading out of the tree' },
    ]);
    expect((await tree.read('virt/kvm/in.c'))?.toString()).toBe(C);
    // Reading the FIFO returns at once (it is never opened) and reading out of the tree gives nothing.
    expect(await tree.read('virt/kvm/fifo.c')).toBeNull();
    expect(await tree.read('virt/kvm/out.c')).toBeNull();
    expect(await tree.read('../outside.c').catch((e: Error) => e.message)).toMatch(/leaves the tree/);
    expect(await tree.identity('virt/kvm/a.c')).toEqual(await tree.identity('virt/kvm/in.c'));
    expect(await tree.refusal('virt/kvm/out.c')).toMatch(/symlink leading out/);
  });

  it('a patch may not write through a symlink that leads out; the overlay never writes the disk', async () => {
    const { root } = fixture();
    const overlay = new OverlayTree(new DirectoryTree(root));
    await expect(overlay.safePath('virt/kvm/out.c')).rejects.toThrow(/symlink leading out/);
    await expect(overlay.safePath('/etc/passwd')).rejects.toThrow(/absolute/);
    overlay.write(await overlay.safePath('virt/kvm//./new.c'), C);
    expect((await overlay.list('virt/kvm')).map((e) => e.path)).toContain('virt/kvm/new.c');
    expect(await new DirectoryTree(root).read('virt/kvm/new.c')).toBeNull();
  });

  it('a file past the size cap is a note, not a read', async () => {
    const { root } = fixture();
    const tree = new DirectoryTree(root, { maxFileBytes: C.length - 1 });
    expect(await tree.list('virt/kvm')).toEqual([]);
    expect(tree.notes().find((n) => n.path === 'virt/kvm/a.c')?.reason).toMatch(/larger than the \d+-byte cap/);
  });

  it('a directory that does not exist is a TreeError', () => {
    expect(() => new DirectoryTree(join(tmpdir(), 'kvm-review-no-such-dir'))).toThrow(TreeError);
  });
});

/** A tree whose read of one file fails as EACCES does in DirectoryTree. */
class Unreadable implements Tree {
  readonly kind = 'directory' as const;
  readonly label: string;
  private readonly failed: TreeNote[] = [];
  constructor(
    private readonly inner: DirectoryTree,
    private readonly bad: string,
  ) {
    this.label = inner.label;
  }
  list(dir: string) {
    return this.inner.list(dir);
  }
  isDirectory(path: string) {
    return this.inner.isDirectory(path);
  }
  async read(path: string) {
    if (path !== this.bad) return this.inner.read(path);
    this.failed.push({ path, reason: 'permission denied' });
    return null;
  }
  async identity(path: string) {
    return path === this.bad ? (await this.read(path), null) : this.inner.identity(path);
  }
  notes() {
    return [...this.inner.notes(), ...this.failed];
  }
}

describe('the index over a tree it cannot fully read', () => {
  it('reports the unreadable file with the reason and indexes the rest', async () => {
    const { root } = fixture();
    const tree = new Unreadable(new DirectoryTree(root), 'virt/kvm/b.c');
    const index = await indexTree(tree, { cache: { disabled: true }, files: ['virt/kvm/a.c', 'virt/kvm/b.c'] });
    expect(index.files.map((f) => f.file)).toEqual(['virt/kvm/a.c']);
    expect(index.files[0]?.functions.map((f) => f.name)).toEqual(['f']);
    expect(index.unread).toEqual([{ file: 'virt/kvm/b.c', reason: 'permission denied' }]);
  });
});
