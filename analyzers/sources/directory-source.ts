/**
 * A directory of patch files, as `git format-patch -o DIR` writes them
 * (0000-cover-letter.patch, 0001-....patch) or as saved mail. Files are
 * read in name order, which is series order for format-patch output.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isSourceError, SourceError } from './errors.js';
import { readBytes } from './file-source.js';
import { asSourceError, DEFAULT_MAX_INPUT_BYTES, readInput, type SourceOptions } from './input.js';
import { formatBytes } from './text.js';
import type { PatchSource, SourceKind, SourceMessages, SourceWarning } from './model.js';

/** File names read as patches or mail; others are listed in the warnings and skipped. */
const PATCH_FILE = /\.(?:patch|diff|mbx|mbox|eml)$/i;
/** The warning of a file skipped for its name alone. */
const NOT_PATCH_NAME = 'not a .patch/.diff/.mbx/.mbox/.eml file; skipped';
/** How many of those the error for a directory with no patch names before counting the rest. */
const NAMED_SKIPS = 3;

/** Reads every patch file of a directory (not recursive). */
export class DirectorySource implements PatchSource {
  constructor(
    readonly path: string,
    private readonly options: SourceOptions = {},
  ) {}

  async read(): Promise<SourceMessages> {
    let entries: Dirent[];
    try {
      entries = await readdir(this.path, { withFileTypes: true });
    } catch (e) {
      throw asSourceError(e, this.path);
    }
    const warnings: SourceWarning[] = [];
    const names: string[] = [];
    for (const d of entries) {
      // A symlink to a patch file is read (this is the user's own directory, not a tree); anything not a regular file is named, not dropped.
      const kind = d.isFile() ? 'file' : d.isSymbolicLink() ? await followed(join(this.path, d.name)) : entryKind(d);
      if (kind === 'file') names.push(d.name);
      else if (PATCH_FILE.test(d.name) || kind !== 'directory') warnings.push({ file: join(this.path, d.name), message: `${kind === 'directory' ? 'a directory' : `not a regular file (${kind})`}; skipped` });
    }
    names.sort();
    const out: SourceMessages = { kind: 'directory', path: this.path, messages: [], warnings };
    const kinds = new Set<SourceKind>();
    const max = this.options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
    let used = 0;
    for (const name of names) {
      const file = join(this.path, name);
      if (!PATCH_FILE.test(name)) {
        warnings.push({ file, message: NOT_PATCH_NAME });
        continue;
      }
      // The limit is the directory's, not each file's: 10,000 files just under it are not a review's worth of mail either.
      const remaining = max - used;
      try {
        const bytes = await readInput(file, { ...this.options, maxInputBytes: remaining });
        used += bytes.length;
        const read = await readBytes(bytes, file);
        // Loops, not push(...spread): a file of 200,000 messages would overflow the argument stack.
        for (const m of read.messages) out.messages.push(m);
        for (const w of read.warnings) warnings.push(w);
        kinds.add(read.kind);
      } catch (e) {
        // One unreadable file must not hide the others' patches; it is named here instead.
        if (!isSourceError(e)) throw e;
        if (e.code === 'too-large' && remaining < max) {
          throw new SourceError('too-large', this.path, `its patch files total more than the ${formatBytes(max)} input limit (raise it with --max-input SIZE, e.g. 256M); the limit was passed at ${name}`);
        }
        warnings.push({ file: e.file, ...(e.line === undefined ? {} : { line: e.line }), message: `skipped: ${e.reason}` });
      }
    }
    if (out.messages.length === 0) throw new SourceError('empty', this.path, `no patch or mail files in this directory${whyNone(this.path, warnings)}`);
    return out;
  }
}

/**
 * Why a directory gave no message: each file read and refused, with its reason (one of them may be
 * the patch meant), and the files skipped for their names alone counted, a few named (a directory
 * given by mistake can hold hundreds).
 */
function whyNone(dir: string, warnings: readonly SourceWarning[]): string {
  const name = (w: SourceWarning): string => (w.file.startsWith(`${dir}/`) ? w.file.slice(dir.length + 1) : w.file);
  const byName = warnings.filter((w) => w.message === NOT_PATCH_NAME);
  const parts = warnings.filter((w) => w.message !== NOT_PATCH_NAME).map((w) => `${name(w)}${w.line === undefined ? '' : `:${w.line}`}: ${w.message}`);
  if (byName.length) {
    const named = byName.slice(0, NAMED_SKIPS).map(name).join(', ');
    const rest = byName.length > NAMED_SKIPS ? ` and ${byName.length - NAMED_SKIPS} more` : '';
    parts.push(`${byName.length} ${byName.length === 1 ? 'file is' : 'files are'} not named .patch, .diff, .mbx, .mbox or .eml (${named}${rest})`);
  }
  return parts.length ? `; ${parts.join('; ')}` : '';
}

/** What a directory entry is, in a word. */
function entryKind(d: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isFile(): boolean }): string {
  if (d.isFile()) return 'file';
  if (d.isDirectory()) return 'directory';
  if (d.isFIFO()) return 'a FIFO';
  if (d.isSocket()) return 'a socket';
  if (d.isCharacterDevice() || d.isBlockDevice()) return 'a device';
  return 'unknown';
}

/** What a symlink points at, or why it cannot be followed. */
async function followed(path: string): Promise<string> {
  try {
    return entryKind(await stat(path));
  } catch {
    return 'a dangling symlink';
  }
}
