/**
 * Tree-relative paths: one normal form, checked to stay inside the tree.
 * A patch names paths in its headers; nothing it names may reach outside.
 */
import { posix } from 'node:path';

/** A path that leaves the tree: absolute, or `..` past its root. */
export class UnsafePath extends Error {
  override readonly name = 'UnsafePath';
}

/** Segments without slashes or backslashes, none empty: no leading, trailing or doubled slash. */
const NORMAL = /^(?:[^/\\]+\/)*[^/\\]+$/;
/** A `.` or `..` segment. */
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;
/** A Windows drive (`C:/`): absolute. */
const DRIVE = /^[A-Za-z]:\//;

/**
 * The normal form of a tree-relative path (`./a//b/../c` is `a/c`).
 * Throws UnsafePath for an absolute path or one that climbs out of the tree.
 */
export function treePath(path: string): string {
  // Most paths asked about are already in normal form (a tree's own listing, asked again for every
  // state of a series): tested without building the normal form.
  if (NORMAL.test(path) && !DOT_SEGMENT.test(path) && !DRIVE.test(path)) return path;
  const slashed = path.replace(/\\/g, '/');
  if (slashed.startsWith('/') || DRIVE.test(slashed)) throw new UnsafePath(`${path}: an absolute path, outside the tree`);
  const norm = posix.normalize(slashed).replace(/\/+$/, '');
  if (norm === '..' || norm.startsWith('../')) throw new UnsafePath(`${path}: path leaves the tree`);
  return norm === '.' ? '' : norm;
}

/** Whether `path` is `dir` or below it ('' is the whole tree). */
export function isUnder(path: string, dir: string): boolean {
  return dir === '' || path === dir || path.startsWith(`${dir}/`);
}
