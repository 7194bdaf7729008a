/** `kvm-review doc PATH`: a directory is a kernel tree (--tree), anything else a locking.rst (--file). */
import { resolve } from 'node:path';
import { InputError } from './exit-codes.js';
import { pathKind } from './file-option.js';

export function docPath(path: string, opts: { tree?: string; file?: string }, cwd: string): { tree: string } | { file: string } {
  if (opts.tree !== undefined || opts.file !== undefined) throw new InputError(`doc ${path}: give the path, or --tree / --file, not both`);
  // Named as typed: a file it reads as --file, but the user typed no --file.
  return pathKind(`doc ${path}`, resolve(cwd, path)) === 'directory' ? { tree: path } : { file: path };
}
