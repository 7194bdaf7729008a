/** Helpers of the doc --propose tests: the lines a proposed patch adds, and a locking.rst edited line by line. */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { kernelTree } from '../helpers/paths.js';

export const DOC = 'Documentation/virt/kvm/locking.rst';

/**
 * A copy of the 6.12 tree in `dir/name` whose locking.rst `edit` changes; with `archs`, without the
 * other architectures' directories (the tree those builds see: generic code reaches only their callers).
 */
export function treeWith(dir: string, name: string, edit: (lines: string[]) => void, archs?: readonly string[]): { tree: string; lines: string[] } {
  const src = kernelTree('6.12');
  const tree = join(dir, name);
  cpSync(src, tree, {
    recursive: true,
    filter: (p) => {
      const parts = relative(src, p).split(sep);
      return !archs || parts[0] !== 'arch' || parts.length < 2 || archs.includes(parts[1] as string);
    },
  });
  const lines = readFileSync(join(tree, DOC), 'utf8').split('\n');
  edit(lines);
  writeFileSync(join(tree, DOC), lines.join('\n'));
  return { tree, lines };
}

/** The index of the first line equal to `text` at or after `from`; it must be there. */
export function lineOf(lines: readonly string[], text: string, from = 0): number {
  const at = lines.indexOf(text, from);
  if (at < 0) throw new Error(`no line "${text}"`);
  return at;
}

/** The 1-based line of the `:Arch:` field in `name`'s lock-table entry (a message quoting the field points there); the entry must have one. */
export function archLineOf(lines: readonly string[], name: string): number {
  const heading = lineOf(lines, `\`\`${name}\`\``);
  const at = lines.findIndex((l, i) => i > heading && l.startsWith(':Arch:'));
  if (at < 0 || lines.slice(heading + 1, at).some((l) => l.startsWith('``'))) throw new Error(`no :Arch: in the entry of ${name}`);
  return at + 1;
}

/** Gives the lock-table entry of `name` the `:Arch:` field `arch`; the entry must have one. */
export function entryArch(lines: string[], name: string, arch: string): void {
  lines[archLineOf(lines, name) - 1] = `:Arch:\t\t${arch}`;
}

/** The lines the patch adds, blank ones left out. */
export function added(patch: string): string[] {
  const diff = patch.slice(patch.indexOf('diff --git'), patch.lastIndexOf('\n-- \n')).split('\n');
  return diff.filter((l) => l.startsWith('+') && !l.startsWith('+++') && l.trim() !== '+').map((l) => l.slice(1));
}

/** Inserts `more` after the first line equal to `anchor`; the anchor must be there. */
export function after(lines: string[], anchor: string, ...more: string[]): void {
  const at = lines.indexOf(anchor);
  if (at < 0) throw new Error(`no line "${anchor}"`);
  lines.splice(at + 1, 0, ...more);
}
