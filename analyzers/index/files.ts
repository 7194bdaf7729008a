/**
 * Which files of a kernel tree the engine indexes: KVM's generic and
 * architecture code, its headers, and the few kernel/ files whose helpers
 * take locks KVM's order depends on (static_key_slow_inc() ->
 * cpus_read_lock()). Read through the Tree interface: a directory, a git
 * revision or a series applied in memory list the same way.
 */
import { archOf } from '../c/struct-types.js';
import { asTree, type Tree } from '../trees/index.js';

/** Tree-relative directories indexed recursively. */
const DIRS = ['virt/kvm', 'include/kvm'];
/** Tree-relative single files (when present: older trees lack some). */
const FILES = ['kernel/jump_label.c', 'kernel/cpu.c', 'kernel/rcu/srcutree.c'];

const isC = (path: string): boolean => /\.[ch]$/.test(path);
const base = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/** Architectures with KVM code in the tree (`x86`, `arm64`, ...). */
export async function treeArchs(tree: Tree | string): Promise<string[]> {
  const t = asTree(tree);
  const archs = new Set<string>();
  // One listing of arch/*/kvm: the directories that hold files.
  for (const e of await t.list('arch')) {
    const m = /^arch\/([^/]+)\/kvm\//.exec(e.path);
    if (m?.[1]) archs.add(m[1]);
  }
  return [...archs].sort();
}

/** Tree-relative paths of every indexed file, for all architectures. */
export async function indexedFiles(tree: Tree | string): Promise<string[]> {
  const t = asTree(tree);
  const out: string[] = [];
  for (const d of DIRS) out.push(...(await t.list(d)).map((e) => e.path).filter(isC));
  const arch = (await t.list('arch')).map((e) => e.path);
  for (const a of await treeArchs(t)) {
    out.push(...arch.filter((p) => p.startsWith(`arch/${a}/kvm/`) && isC(p)));
    out.push(...arch.filter((p) => p.startsWith(`arch/${a}/include/asm/`) && !p.slice(`arch/${a}/include/asm/`.length).includes('/') && /^kvm.*\.h$/.test(base(p))));
  }
  out.push(...(await t.list('include/linux')).map((e) => e.path).filter((p) => p.split('/').length === 3 && /^kvm.*\.h$/.test(base(p))));
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
