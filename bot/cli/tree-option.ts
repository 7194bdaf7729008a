/** --tree, else the current directory when it is a kernel tree (as checkpatch.pl does). */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { isKernelTree } from '../../knowledge/doc/load.js';
import { InputError } from './exit-codes.js';

export function resolveTree(tree: string | undefined, cwd: string): string {
  if (tree) {
    const dir = resolve(cwd, tree);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`${dir}: --tree is not a directory`);
    if (!isKernelTree(dir)) throw new InputError(`${dir}: not a kernel tree with KVM (needs Documentation/virt/kvm/locking.rst and virt/kvm/kvm_main.c)`);
    return dir;
  }
  if (isKernelTree(cwd)) return cwd;
  throw new InputError(`${cwd}: not a kernel tree; give one with --tree DIR`);
}
