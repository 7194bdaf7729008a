/**
 * --arch: an architecture the tree has KVM code for (arch/NAME/kvm), or
 * all. A machine name as `uname -m` prints it (aarch64, x86_64) is refused
 * too, saying what the kernel calls it: the output names architectures by
 * their directory, and an arm64 report for "--arch aarch64" accepted
 * unsaid would read as another architecture's.
 */
import { kernelArchOf } from '../../knowledge/machine-arch.js';
import { InputError } from './exit-codes.js';

/** Throws InputError unless `arch` is `all` or one of `archs`, the tree's (treeArchs()). */
export function checkArch(arch: string, archs: readonly string[], tree: string): void {
  if (arch === 'all' || archs.includes(arch)) return;
  // A tree with no arch/*/kvm at all has only `all` (its generic code) to offer.
  const choices = archs.length ? `--arch takes one of ${archs.join(', ')} or all` : 'it has no arch/*/kvm directory, so --arch takes only all';
  const kernel = kernelArchOf(arch);
  if (kernel === null) throw new InputError(`${tree}: no arch/${arch}/kvm in this tree; ${choices}`);
  const named = `--arch ${arch}: the kernel calls it ${kernel} (arch/${kernel})`;
  throw new InputError(archs.includes(kernel) ? named : `${named}, and ${tree} has no arch/${kernel}/kvm; ${choices}`);
}
