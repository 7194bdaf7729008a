/** Why a file could not be read, in words: "ENOENT" alone tells a maintainer less than "no such file or directory". */
export function fsReason(err: unknown): string {
  // Duck-typed: errors from node:fs come from another realm under jest, where instanceof Error fails.
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'ENOTDIR') return 'a part of the path is not a directory';
  const message = typeof err === 'object' && err !== null && 'message' in err ? String(err.message) : String(err);
  return message.split('\n')[0] ?? message;
}
