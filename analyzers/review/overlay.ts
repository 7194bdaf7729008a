/**
 * A kernel tree with a series applied in memory: the user's tree is never
 * written. Paths are checked before use: a patch may not reach outside the
 * tree (`../`, absolute paths, symlinks that lead out).
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';

export class UnsafePath extends Error {}

export class Overlay {
  /** path -> text after the patches so far; null for a deleted file. */
  private readonly changed = new Map<string, string | null>();
  private readonly root: string;

  constructor(readonly tree: string) {
    this.root = realpathSync(tree);
  }

  /** A tree-relative path checked to stay inside the tree. */
  safePath(path: string): string {
    const norm = normalize(path);
    if (isAbsolute(path) || norm.startsWith('..') || norm.split(sep).includes('..')) throw new UnsafePath(`${path}: path leaves the tree`);
    const full = join(this.root, norm);
    if (existsSync(full)) {
      const real = realpathSync(full);
      if (relative(this.root, real).startsWith('..')) throw new UnsafePath(`${path}: a symlink that leads out of the tree`);
    }
    return norm.split(sep).join('/');
  }

  /** The file's text as the series has it so far; null when it does not exist. */
  read(path: string): string | null {
    const p = this.safePath(path);
    if (this.changed.has(p)) return this.changed.get(p) ?? null;
    const full = join(this.root, p);
    return existsSync(full) ? readFileSync(full, 'utf8') : null;
  }

  write(path: string, text: string | null): void {
    this.changed.set(this.safePath(path), text);
  }

  /** Paths the series has created or changed (deleted ones excluded). */
  changedPaths(): string[] {
    return [...this.changed].filter(([, t]) => t !== null).map(([p]) => p);
  }

  isDeleted(path: string): boolean {
    return this.changed.get(path) === null;
  }

  /** True when `path` reads the same here as in `other` (both over the same tree): no file is read. */
  sameFile(other: Overlay, path: string): boolean {
    const norm = normalize(path).split(sep).join('/');
    return this.changed.get(norm) === other.changed.get(norm);
  }

  /** A copy to apply the next patch to, leaving this state as the "before". */
  clone(): Overlay {
    const o = new Overlay(this.tree);
    for (const [p, t] of this.changed) o.changed.set(p, t);
    return o;
  }
}
