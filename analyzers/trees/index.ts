/** Trees: the interface, its kinds, and what makes a tree a kernel tree. */
import { DirectoryTree } from './directory-tree.js';
import { TreeError, type Tree } from './model.js';

export { DirectoryTree } from './directory-tree.js';
export { GitTree } from './git-tree.js';
export { OverlayTree } from './overlay-tree.js';
export { TreeError, type FileIdentity, type Tree, type TreeEntry, type TreeNote } from './model.js';
export { treePath, UnsafePath } from './paths.js';

export const LOCKING_RST_PATH = 'Documentation/virt/kvm/locking.rst';
export const KVM_MAIN_PATH = 'virt/kvm/kvm_main.c';

/** A path is a directory tree; a Tree is itself. */
export function asTree(tree: Tree | string): Tree {
  return typeof tree === 'string' ? new DirectoryTree(tree) : tree;
}

/** Whether the tree is a kernel tree with KVM: it has virt/kvm/kvm_main.c and locking.rst. */
export async function isKernelTree(tree: Tree): Promise<boolean> {
  return (await tree.identity(KVM_MAIN_PATH)) !== null && (await tree.identity(LOCKING_RST_PATH)) !== null;
}

/** TreeError unless the tree is a kernel tree with KVM. */
export async function assertKernelTree(tree: Tree): Promise<void> {
  if (!(await tree.isDirectory('virt/kvm'))) throw new TreeError(`${tree.label}: not a kernel tree with KVM (no virt/kvm)`);
  for (const p of [KVM_MAIN_PATH, LOCKING_RST_PATH]) {
    if ((await tree.identity(p)) === null) throw new TreeError(`${tree.label}: not a kernel tree with KVM (no ${p})`);
  }
}
