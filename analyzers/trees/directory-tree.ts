/**
 * A kernel tree on disk. Only regular files are read: a symlink is
 * followed only when its target stays inside the tree, FIFOs, sockets and
 * devices are skipped (never opened: opening a FIFO blocks), and a file
 * that cannot be read (EACCES) or is past the size cap is reported in
 * `notes()` while the rest of the tree is read.
 *
 * The file system is asked synchronously behind the async interface: a
 * tree is a few hundred small files, and one awaited round trip per stat,
 * open, read and close cost a warm check more time idle than working.
 */
import { createHash } from 'node:crypto';
import type { Dirent, Stats } from 'node:fs';
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { maxFileBytes } from './limits.js';
import type { FileIdentity, Tree, TreeChild, TreeEntry, TreeNote } from './model.js';
import { byName, TreeError } from './model.js';
import { treePath } from './paths.js';
import { currentStatIdentities } from './stat-identities.js';

export interface DirectoryTreeOptions {
  /** Largest file read, in bytes (default: limits.ts). */
  maxFileBytes?: number;
}

function kindOf(st: Stats): string | null {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return null;
}

/** What a directory entry that is neither a file, a directory nor a symlink is, for the notes. */
function specialKind(d: Dirent): string {
  return d.isFIFO() ? 'a FIFO' : d.isSocket() ? 'a socket' : d.isCharacterDevice() || d.isBlockDevice() ? 'a device' : 'not a regular file';
}

function errno(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'a symlink loop';
  return code ? `cannot be read (${code})` : `cannot be read (${String(e)})`;
}

/** What a path on disk turned out to be. */
type Resolved = { kind: 'file'; real: string; size: number; st: Stats } | { kind: 'dir'; real: string } | { kind: 'none' } | { kind: 'skip'; reason: string };

export class DirectoryTree implements Tree {
  readonly kind = 'directory' as const;
  readonly label: string;
  private readonly root: string;
  private readonly cap: number;
  private readonly skipped = new Map<string, string>();
  private readonly ids = new Map<string, FileIdentity>();
  /** Listings already made: a tree is one state, and `arch` is listed several times per run (architectures, then files). */
  private readonly listed = new Map<string, TreeEntry[]>();
  private readonly realDirs = new Map<string, string>();

  constructor(dir: string, opts: DirectoryTreeOptions = {}) {
    try {
      this.root = realpathSync.native(dir);
      if (!statSync(this.root).isDirectory()) throw new TreeError(`${dir}: not a directory`);
    } catch (e) {
      if (e instanceof TreeError) throw e;
      throw new TreeError(`${dir}: ${errno(e) === 'cannot be read (ENOENT)' ? 'no such directory' : errno(e)}`);
    }
    this.label = dir;
    this.cap = maxFileBytes(opts.maxFileBytes);
  }

  /** The directory on disk. */
  get path(): string {
    return this.root;
  }

  private note(path: string, reason: string): void {
    if (!this.skipped.has(path)) this.skipped.set(path, reason);
  }

  private inside(real: string): boolean {
    if (process.platform === 'win32') {
      // Case-insensitive paths: path.relative knows; a prefix test would not.
      const rel = relative(this.root, real);
      return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
    }
    // Both sides absolute and normalised by the same realpath (and join): a prefix test is exact.
    return real === this.root || real.startsWith(this.root.endsWith(sep) ? this.root : `${this.root}${sep}`);
  }

  /** The real path of a tree-relative directory, asked once. */
  private realDir(dir: string): string {
    let real = this.realDirs.get(dir);
    if (real === undefined) {
      real = realpathSync.native(join(this.root, dir));
      this.realDirs.set(dir, real);
    }
    return real;
  }

  /** Follow `path` (tree-relative) to what it is, refusing symlinks that lead out. */
  private resolve(path: string): Resolved {
    const full = join(this.root, path);
    let st: Stats;
    try {
      st = lstatSync(full);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'none' };
      return { kind: 'skip', reason: errno(e) };
    }
    let real = full;
    if (st.isSymbolicLink()) {
      try {
        real = realpathSync.native(full);
        st = statSync(real);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        return code === 'ENOENT' ? { kind: 'skip', reason: 'a dangling symlink' } : { kind: 'skip', reason: errno(e) };
      }
      if (!this.inside(real)) return { kind: 'skip', reason: 'a symlink leading out of the tree' };
    } else {
      // A parent directory may itself be a symlink that leads out: resolved once per directory
      // (the tree is one state), the entry itself is no symlink.
      try {
        const slash = path.lastIndexOf('/');
        real = slash < 0 ? join(this.root, path) : join(this.realDir(path.slice(0, slash)), path.slice(slash + 1));
      } catch (e) {
        return { kind: 'skip', reason: errno(e) };
      }
      if (!this.inside(real)) return { kind: 'skip', reason: 'under a symlink leading out of the tree' };
    }
    if (st.isDirectory()) return { kind: 'dir', real };
    if (st.isFile()) return { kind: 'file', real, size: st.size, st };
    return { kind: 'skip', reason: kindOf(st) ?? 'not a regular file' };
  }

  async list(dir: string): Promise<TreeEntry[]> {
    const start = treePath(dir);
    const known = this.listed.get(start);
    if (known) return known.map((e) => ({ ...e }));
    const out: TreeEntry[] = [];
    const seen = new Set<string>();
    const file = (path: string, size: number): void => {
      if (size > this.cap) this.note(path, `larger than the ${this.cap}-byte cap (KVM_REVIEW_MAX_FILE_BYTES)`);
      else out.push({ path, size });
    };
    // `rel` is a directory already known to be inside the tree.
    const walk = (rel: string, real: string): void => {
      if (seen.has(real)) return;
      seen.add(real);
      let dirents: Dirent[];
      try {
        dirents = readdirSync(join(this.root, rel), { withFileTypes: true });
      } catch (e) {
        return this.note(rel, errno(e));
      }
      for (const d of dirents.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const path = rel ? `${rel}/${d.name}` : d.name;
        // Plain files and directories need no realpath: their parent is inside. Symlinks are resolved.
        if (d.isDirectory()) walk(path, join(real, d.name));
        else if (d.isFile()) {
          try {
            file(path, statSync(join(this.root, path)).size);
          } catch (e) {
            this.note(path, errno(e));
          }
        } else if (d.isSymbolicLink()) {
          const c = this.resolve(path);
          if (c.kind === 'dir') walk(path, c.real);
          else if (c.kind === 'file') file(path, c.size);
          else if (c.kind === 'skip') this.note(path, c.reason);
        } else this.note(path, specialKind(d));
      }
    };
    const r = this.resolve(start);
    if (r.kind === 'skip') this.note(start, r.reason);
    else if (r.kind === 'dir') walk(start, r.real);
    out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    this.listed.set(start, out);
    return out.map((e) => ({ ...e }));
  }

  async children(dir: string): Promise<TreeChild[]> {
    const start = treePath(dir);
    const r = this.resolve(start);
    if (r.kind === 'skip') this.note(start, r.reason);
    if (r.kind !== 'dir') return [];
    let dirents: Dirent[];
    try {
      dirents = readdirSync(join(this.root, start), { withFileTypes: true });
    } catch (e) {
      this.note(start, errno(e));
      return [];
    }
    const out: TreeChild[] = [];
    for (const d of dirents) {
      const path = start ? `${start}/${d.name}` : d.name;
      if (d.isDirectory() || d.isFile()) out.push({ name: d.name, isDirectory: d.isDirectory() });
      else if (d.isSymbolicLink()) {
        // Followed as list() follows it: inside the tree, to a file or a directory.
        const c = this.resolve(path);
        if (c.kind === 'dir' || c.kind === 'file') out.push({ name: d.name, isDirectory: c.kind === 'dir' });
        else if (c.kind === 'skip') this.note(path, c.reason);
      } else this.note(path, specialKind(d));
    }
    return out.sort(byName);
  }

  async isDirectory(path: string): Promise<boolean> {
    return this.resolve(treePath(path)).kind === 'dir';
  }

  async read(path: string): Promise<Buffer | null> {
    return this.readNow(treePath(path));
  }

  private readNow(p: string, resolved?: Resolved): Buffer | null {
    const r = resolved ?? this.resolve(p);
    if (r.kind === 'skip') {
      this.note(p, r.reason);
      return null;
    }
    if (r.kind !== 'file') return null;
    if (r.size > this.cap) {
      this.note(p, `larger than the ${this.cap}-byte cap (KVM_REVIEW_MAX_FILE_BYTES)`);
      return null;
    }
    try {
      // Non-blocking: a regular file swapped for a FIFO after the stat must not hang the open.
      const fd = openSync(r.real, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
      try {
        if (!fstatSync(fd).isFile()) {
          this.note(p, 'not a regular file');
          return null;
        }
        // Read at most cap + 1 bytes: a file that grows under us is still bounded.
        // Unfilled bytes are never exposed: only the `n` read are returned.
        const buf = Buffer.allocUnsafe(Math.min(r.size, this.cap) + 1);
        let n = 0;
        for (;;) {
          const bytesRead = readSync(fd, buf, n, buf.length - n, n);
          if (bytesRead === 0) break;
          n += bytesRead;
          if (n === buf.length) break;
        }
        if (n > this.cap) {
          this.note(p, `larger than the ${this.cap}-byte cap (KVM_REVIEW_MAX_FILE_BYTES)`);
          return null;
        }
        const bytes = buf.subarray(0, n);
        this.ids.set(p, `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
        return bytes;
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      this.note(p, errno(e));
      return null;
    }
  }

  async identity(path: string): Promise<FileIdentity | null> {
    const p = treePath(path);
    // Content identity: the bytes must be read (no object store to ask). Kept per instance: a tree is one state.
    const known = this.ids.get(p);
    if (known) return known;
    const store = currentStatIdentities();
    if (!store) return this.readNow(p) ? (this.ids.get(p) ?? null) : null;
    // A file whose stat is the one recorded with an identity is not read (stat-identities.ts).
    const r = this.resolve(p);
    const recorded = r.kind === 'file' && r.size <= this.cap ? store.lookup(r.real, r.st) : null;
    if (recorded) {
      this.ids.set(p, recorded);
      return recorded;
    }
    if (!this.readNow(p, r)) return null;
    const id = this.ids.get(p) ?? null;
    if (id && r.kind === 'file') store.record(r.real, r.st, id);
    return id;
  }

  notes(): TreeNote[] {
    return [...this.skipped].map(([path, reason]) => ({ path, reason })).sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  async refusal(path: string): Promise<string | null> {
    const p = treePath(path);
    const r = this.resolve(p);
    if (r.kind === 'skip' && /symlink leading out/.test(r.reason)) return `${path}: ${r.reason}`;
    return null;
  }
}
