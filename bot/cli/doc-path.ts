/** `kvm-review doc PATH`: a directory is a kernel tree (--tree), anything else a locking.rst (--file). */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fsReason } from '../../analyzers/sources/errors.js';
import { InputError } from './exit-codes.js';

export function docPath(path: string, opts: { tree?: string; file?: string }, cwd: string): { tree: string } | { file: string } {
  if (opts.tree !== undefined || opts.file !== undefined) throw new InputError(`doc ${path}: give the path, or --tree / --file, not both`);
  let isDir: boolean;
  try {
    isDir = statSync(resolve(cwd, path)).isDirectory();
  } catch (e) {
    throw new InputError(`doc ${path}: ${fsReason(e)}`);
  }
  return isDir ? { tree: path } : { file: path };
}
