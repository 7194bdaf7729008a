/**
 * A directory option the command writes into (watch's --state and
 * --outbox): checked before anything is written, so that a file given
 * by mistake, or a place the user cannot write, is exit 2 naming the
 * option and the path rather than an internal error from mkdir halfway
 * through opening the state.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from './exit-codes.js';

/** The absolute path of `dir`; throws InputError when it cannot be (or become) a directory the process writes. */
export function writableDir(dir: string, flag: string, cwd: string): string {
  const path = resolve(cwd, dir);
  // The directory itself, else the nearest ancestor that exists (mkdir -p makes the rest).
  let at = path;
  while (!existsSync(at)) {
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  if (!statSync(at).isDirectory()) {
    throw new InputError(at === path ? `${path}: ${flag} is not a directory` : `${path}: ${flag} cannot be created: ${at} is not a directory`);
  }
  try {
    accessSync(at, constants.W_OK | constants.X_OK);
  } catch {
    throw new InputError(at === path ? `${path}: ${flag} is not writable` : `${path}: ${flag} cannot be created: ${at} is not writable`);
  }
  return path;
}
