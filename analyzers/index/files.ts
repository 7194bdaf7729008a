/**
 * Which files of a kernel tree the engine indexes: KVM's generic and
 * architecture code, its headers, and the few kernel/ files whose helpers
 * take locks KVM's order depends on (static_key_slow_inc() ->
 * cpus_read_lock()). Read through the Tree interface: a directory, a git
 * revision or a series applied in memory list the same way.
 */
import { archOf } from '../c/struct-types.js';
import { asTree, type Tree } from '../trees/index.js';
import { treeChildren } from '../trees/model.js';

/** Tree-relative directories indexed recursively. */
const DIRS = ['virt/kvm', 'include/kvm'];
/** Tree-relative single files (when present: older trees lack some). */
const FILES = ['kernel/jump_label.c', 'kernel/cpu.c', 'kernel/rcu/srcutree.c'];

const isC = (path: string): boolean => /\.[ch]$/.test(path);

/** Architectures with KVM code in the tree (`x86`, `arm64`, ...): the arch/ARCH/kvm directories that hold files. */
export async function treeArchs(tree: Tree | string): Promise<string[]> {
  const t = asTree(tree);
  const archs: string[] = [];
  // One level of arch/, then each kvm/ directory: not a listing of arch/, 17,000 files in a full tree.
  for (const c of await treeChildren(t, 'arch')) {
    if (c.isDirectory && (await t.list(`arch/${c.name}/kvm`)).length) archs.push(c.name);
  }
  return archs.sort();
}

/** The kvm*.h headers directly in `dir`, in order. */
async function kvmHeaders(t: Tree, dir: string): Promise<string[]> {
  return (await treeChildren(t, dir)).filter((c) => !c.isDirectory && /^kvm.*\.h$/.test(c.name)).map((c) => `${dir}/${c.name}`);
}

/** Tree-relative paths of every indexed file, for all architectures. */
export async function indexedFiles(tree: Tree | string): Promise<string[]> {
  const t = asTree(tree);
  const out: string[] = [];
  for (const d of DIRS) out.push(...(await t.list(d)).map((e) => e.path).filter(isC));
  for (const a of await treeArchs(t)) {
    out.push(...(await t.list(`arch/${a}/kvm`)).map((e) => e.path).filter(isC));
    out.push(...(await kvmHeaders(t, `arch/${a}/include/asm`)));
  }
  out.push(...(await kvmHeaders(t, 'include/linux')));
  for (const f of FILES) if ((await t.identity(f)) !== null) out.push(f);
  return out;
}

export { archOf };

/**
 * Whether a path (say, one a patch creates) is in the indexed set: the
 * directories and headers indexedFiles() walks.
 */
export function isIndexedPath(path: string): boolean {
  if (!isC(path)) return false;
  if (DIRS.some((d) => path.startsWith(`${d}/`)) || FILES.includes(path)) return true;
  return /^arch\/[^/]+\/kvm\//.test(path) || /^(arch\/[^/]+\/include\/asm|include\/linux)\/kvm[^/]*\.h$/.test(path);
}

/** Files built for `arch`: its own plus generic ones. */
export function filesFor(files: readonly string[], arch: string): string[] {
  return files.filter((f) => {
    const a = archOf(f);
    return a === null || a === arch;
  });
}

/**
 * Whether a directory may hold files in the indexed set (`arch`, `arch/x86/kvm/mmu`, `include`):
 * one the tree could not list hides them from the index.
 */
export function holdsIndexed(dir: string): boolean {
  const arch = /^arch\/([^/]+)/.exec(dir)?.[1] ?? 'x86';
  const samples = [...DIRS.map((d) => `${d}/x.c`), ...FILES, `arch/${arch}/kvm/x.c`, `arch/${arch}/include/asm/kvm_host.h`, 'include/linux/kvm_host.h'];
  return isIndexedPath(`${dir}/x.c`) || isIndexedPath(`${dir}/kvm_host.h`) || samples.some((s) => s.startsWith(`${dir}/`));
}
