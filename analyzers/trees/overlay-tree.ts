/**
 * A series applied in memory over any base tree: the base is never
 * written. Paths a patch names are normalised and refused when they leave
 * the tree (`../`, absolute paths, a symlink on disk that leads out).
 */
import { createHash } from 'node:crypto';
import type { FileIdentity, Tree, TreeChild, TreeEntry, TreeNote } from './model.js';
import { childList, treeChildren } from './model.js';
import { isUnder, treePath, UnsafePath } from './paths.js';
import { counted } from '../counted.js';

export { UnsafePath };

function safeOrNull(path: string): string | null {
  try {
    return treePath(path);
  } catch {
    return null;
  }
}

export class OverlayTree implements Tree {
  readonly kind = 'overlay' as const;
  /** path -> text after the patches so far; null for a deleted file. */
  private readonly changed = new Map<string, string | null>();
  private readonly ids = new Map<string, FileIdentity>();

  constructor(readonly base: Tree) {}

  get label(): string {
    const n = this.changedPaths().length;
    return n ? `${this.base.label} with ${counted(n, 'file')} changed by the series` : this.base.label;
  }

  /** A tree-relative path checked to stay inside the tree; throws UnsafePath. */
  async safePath(path: string): Promise<string> {
    const p = treePath(path);
    if (!p) throw new UnsafePath(`${path}: not a file path`);
    const refused = (await this.base.refusal?.(p)) ?? null;
    if (refused) throw new UnsafePath(refused);
    return p;
  }

  async list(dir: string): Promise<TreeEntry[]> {
    const d = treePath(dir);
    const out = new Map((await this.base.list(d)).map((e) => [e.path, e]));
    for (const [path, text] of this.changed) {
      if (!isUnder(path, d)) continue;
      if (text === null) out.delete(path);
      else out.set(path, { path, size: Buffer.byteLength(text) });
    }
    return [...out.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async children(dir: string): Promise<TreeChild[]> {
    const d = treePath(dir);
    const out = new Map((await treeChildren(this.base, d)).map((c) => [c.name, c.isDirectory]));
    const prefix = d ? `${d}/` : '';
    for (const [path, text] of this.changed) {
      if (!isUnder(path, d)) continue;
      const rest = path.slice(prefix.length);
      const slash = rest.indexOf('/');
      // A file written below makes its directory; one deleted below leaves the directory to the base.
      if (slash >= 0) {
        if (text !== null) out.set(rest.slice(0, slash), true);
      } else if (text === null) out.delete(rest);
      else out.set(rest, false);
    }
    return childList(out);
  }

  async isDirectory(path: string): Promise<boolean> {
    const p = treePath(path);
    if ([...this.changed].some(([c, t]) => t !== null && c.startsWith(`${p}/`))) return true;
    return this.base.isDirectory(p);
  }

  /** The file's text as the series has it so far; null when it does not exist. */
  async readText(path: string): Promise<string | null> {
    const p = treePath(path);
    if (this.changed.has(p)) return this.changed.get(p) ?? null;
    const bytes = await this.base.read(p);
    return bytes === null ? null : bytes.toString('utf8');
  }

  async read(path: string): Promise<Buffer | null> {
    const p = treePath(path);
    if (this.changed.has(p)) {
      const text = this.changed.get(p);
      return text === null || text === undefined ? null : Buffer.from(text);
    }
    return this.base.read(p);
  }

  async identity(path: string): Promise<FileIdentity | null> {
    const p = treePath(path);
    if (!this.changed.has(p)) return this.base.identity(p);
    const text = this.changed.get(p);
    if (text === null || text === undefined) return null;
    let id = this.ids.get(p);
    if (!id) {
      id = `sha256:${createHash('sha256').update(text).digest('hex')}`;
      this.ids.set(p, id);
    }
    return id;
  }

  notes(): TreeNote[] {
    return this.base.notes();
  }

  refusal(path: string): Promise<string | null> {
    return this.base.refusal?.(path) ?? Promise.resolve(null);
  }

  /** Set a file's text (null deletes it). `path` must come from safePath(). */
  write(path: string, text: string | null): void {
    const p = treePath(path);
    this.changed.set(p, text);
    this.ids.delete(p);
  }

  /** Paths the series has created or changed (deleted ones excluded). */
  changedPaths(): string[] {
    return [...this.changed].filter(([, t]) => t !== null).map(([p]) => p);
  }

  isDeleted(path: string): boolean {
    const p = safeOrNull(path);
    return p !== null && this.changed.get(p) === null;
  }

  /** True when `path` reads the same here as in `other` (both over the same base): no file is read. A path outside the tree was never written. */
  sameFile(other: OverlayTree, path: string): boolean {
    const p = safeOrNull(path);
    return p === null || this.changed.get(p) === other.changed.get(p);
  }

  /** A copy to apply the next patch to, leaving this state as the "before". */
  clone(): OverlayTree {
    const o = new OverlayTree(this.base);
    for (const [p, t] of this.changed) o.changed.set(p, t);
    for (const [p, id] of this.ids) o.ids.set(p, id);
    return o;
  }
}
