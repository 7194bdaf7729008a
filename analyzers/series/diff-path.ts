/**
 * Normalises a path from a diff header before anything matches it against
 * a tree: `virt/kvm//kvm_main.c`, `./virt/kvm/kvm_main.c`,
 * `virt/../virt/kvm/kvm_main.c` and `virt\kvm\kvm_main.c` are all
 * `virt/kvm/kvm_main.c`. Without this, a spelling would review as "not an
 * indexed file" with no findings. A path that is absolute, or leaves the
 * tree once `..` is resolved, is refused: no tree file can be meant by it.
 */

/** The normalised path, or why the path is refused. */
export type NormalisedPath = { path: string } | { refused: string };

/** Normalises one path as written in a diff (its `a/`/`b/` prefix already removed). */
export function normaliseDiffPath(written: string): NormalisedPath {
  // A backslash is never part of a kernel path; a Windows tool wrote it as a separator.
  const slashed = written.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:\//.test(slashed)) return { refused: 'it is absolute' };
  const parts: string[] = [];
  for (const part of slashed.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') {
      parts.push(part);
      continue;
    }
    // A loop, not a recursive resolver: `../` repeated 100,000 times is still one pass.
    if (parts.length === 0) return { refused: 'it leaves the tree (`..` above its top)' };
    parts.pop();
  }
  if (parts.length === 0) return { refused: 'it names the top of the tree, not a file' };
  return { path: parts.join('/') };
}
