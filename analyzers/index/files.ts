/**
 * Which files of a kernel tree the engine indexes: KVM's generic and
 * architecture code, its headers, and the few kernel/ files whose helpers
 * take locks KVM's order depends on (static_key_slow_inc() ->
 * cpus_read_lock()).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { archOf } from '../c/struct-types.js';

/** Tree-relative directories indexed recursively. */
const DIRS = ['virt/kvm', 'include/kvm'];
/** Tree-relative single files (when present: older trees lack some). */
const FILES = ['kernel/jump_label.c', 'kernel/cpu.c', 'kernel/rcu/srcutree.c'];

function walk(tree: string, rel: string, out: string[]): void {
  let entries: string[];
  try {
    entries = readdirSync(join(tree, rel));
  } catch {
    return;
  }
  for (const name of entries.sort()) {
    const path = `${rel}/${name}`;
    const st = statSync(join(tree, path));
    if (st.isDirectory()) walk(tree, path, out);
    else if (/\.[ch]$/.test(name)) out.push(path);
  }
}

/** Architectures with KVM code in the tree (`x86`, `arm64`, ...). */
export function treeArchs(tree: string): string[] {
  let archs: string[] = [];
  try {
    archs = readdirSync(join(tree, 'arch')).filter((a) => {
      try {
        return statSync(join(tree, 'arch', a, 'kvm')).isDirectory();
      } catch {
        return false;
      }
    });
  } catch {
    // no arch/ at all: generic code only
  }
  return archs.sort();
}

/** Tree-relative paths of every indexed file, for all architectures. */
export function indexedFiles(tree: string): string[] {
  const out: string[] = [];
  for (const d of DIRS) walk(tree, d, out);
  for (const arch of treeArchs(tree)) {
    walk(tree, `arch/${arch}/kvm`, out);
    try {
      for (const h of readdirSync(join(tree, 'arch', arch, 'include', 'asm')).sort()) {
        if (/^kvm.*\.h$/.test(h)) out.push(`arch/${arch}/include/asm/${h}`);
      }
    } catch {
      // this architecture has no asm/kvm*.h
    }
  }
  try {
    for (const h of readdirSync(join(tree, 'include', 'linux')).sort()) if (/^kvm.*\.h$/.test(h)) out.push(`include/linux/${h}`);
  } catch {
    // not a full tree
  }
  for (const f of FILES) {
    try {
      if (statSync(join(tree, f)).isFile()) out.push(f);
    } catch {
      // absent in this version
    }
  }
  return out;
}

export { archOf };

/**
 * Whether a path (say, one a patch creates) is in the indexed set: the
 * directories and headers indexedFiles() walks.
 */
export function isIndexedPath(path: string): boolean {
  if (!/\.[ch]$/.test(path)) return false;
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
