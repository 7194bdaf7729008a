/** "1 commit", "3 commits", "1 reply", "2 replies": a count and its noun, agreeing, for every message that counts something. */
export function counted(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
