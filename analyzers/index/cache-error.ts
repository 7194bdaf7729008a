/** A cache directory the user named cannot be used (exit 2). Its own module: the CLI checks for it without loading the cache. */
export class CacheDirError extends Error {
  override readonly name = 'CacheDirError';
}
