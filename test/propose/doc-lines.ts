/** Helpers of the doc --propose tests: the lines a proposed patch adds, and a locking.rst edited line by line. */

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
