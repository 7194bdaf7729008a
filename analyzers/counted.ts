/** "1 commit", "3 commits", "1 reply", "2 replies": a count and its noun, agreeing, for every message that counts something. */
export function counted(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** "a", "a and b", "a, b and c" (or "... or c"): a list in a sentence. */
export function listed(items: readonly string[], last: 'and' | 'or' = 'and'): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${last} ${items[items.length - 1] ?? ''}`;
}

/**
 * "3", "1, 2 and 5", "1-412 and 414-538": sorted patch numbers in a sentence, a run of three or more
 * as its ends (a stable review thread announces hundreds of patches and carries one).
 */
export function numbered(ns: readonly number[]): string {
  const sorted = [...new Set(ns)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    if (j - i >= 2) parts.push(`${sorted[i]}-${sorted[j]}`);
    else for (let k = i; k <= j; k++) parts.push(String(sorted[k]));
    i = j + 1;
  }
  return listed(parts);
}

/** Files named in a reason: the first few, then how many more. */
export function someFiles(files: readonly string[]): string {
  const shown = files.slice(0, 3).join(', ');
  return files.length > 3 ? `${shown} and ${counted(files.length - 3, 'other file')}` : shown;
}
