/**
 * A file option the command reads (check's --doc, doc's --file, doc's PATH
 * when it is a file): looked at before it is read, so that a directory
 * given by mistake, a path that is not there or one the user cannot read is
 * exit 2 naming the option and the path as typed, as the other options'
 * refusals do, rather than a bare path or an internal error from the read.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fsReason } from '../../analyzers/sources/errors.js';
import { InputError } from './exit-codes.js';

/** What --doc and doc's --file take, for their refusals. */
export const LOCKING_RST_FILE = 'a locking.rst file';

/** Whether `path` is a directory or a file the process reads; anything else is InputError `${label}: why`. */
export function pathKind(label: string, path: string): 'directory' | 'file' {
  try {
    if (statSync(path).isDirectory()) return 'directory';
    accessSync(path, constants.R_OK);
    return 'file';
  } catch (e) {
    throw new InputError(`${label}: ${fsReason(e)}`);
  }
}

/** The absolute path of `given`, `flag`'s value; InputError unless it is a file the process reads. `what`: "a locking.rst file". */
export function readableFile(flag: string, given: string, what: string, cwd: string): string {
  const path = resolve(cwd, given);
  if (pathKind(`${flag} ${given}`, path) === 'directory') throw new InputError(`${flag} ${given}: is a directory; ${flag} takes ${what}`);
  return path;
}
