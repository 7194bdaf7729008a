/**
 * Chooses the source for a path: `-` is stdin, a bare git repository is a
 * public-inbox epoch, another directory is a directory of patch files, and
 * a file is recognised from its bytes when it is read.
 */
import { stat } from 'node:fs/promises';
import { DirectorySource } from './directory-source.js';
import { FileSource } from './file-source.js';
import { asSourceError, type SourceOptions } from './input.js';
import type { PatchSource } from './model.js';
import { isBareRepository, PublicInboxSource } from './public-inbox-source.js';

/** The source for `path`. Throws SourceError 'unreadable' when the path does not exist. */
export async function openSource(path: string, options: SourceOptions = {}): Promise<PatchSource> {
  if (path === '-') return new FileSource(path, options);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (e) {
    throw asSourceError(e, path);
  }
  if (!isDirectory) return new FileSource(path, options);
  return isBareRepository(path) ? new PublicInboxSource(path, options) : new DirectorySource(path, options);
}
