/**
 * A directory of patch files, as `git format-patch -o DIR` writes them
 * (0000-cover-letter.patch, 0001-....patch) or as saved mail. Files are
 * read in name order, which is series order for format-patch output.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isSourceError, SourceError } from './errors.js';
import { FileSource } from './file-source.js';
import { asSourceError, type SourceOptions } from './input.js';
import type { PatchSource, SourceKind, SourceMessages, SourceWarning } from './model.js';

/** File names read as patches or mail; others are listed in the warnings and skipped. */
const PATCH_FILE = /\.(?:patch|diff|mbx|mbox|eml)$/i;

/** Reads every patch file of a directory (not recursive). */
export class DirectorySource implements PatchSource {
  constructor(
    readonly path: string,
    private readonly options: SourceOptions = {},
  ) {}

  async read(): Promise<SourceMessages> {
    let names: string[];
    try {
      names = (await readdir(this.path, { withFileTypes: true })).filter((d) => d.isFile()).map((d) => d.name);
    } catch (e) {
      throw asSourceError(e, this.path);
    }
    names.sort();
    const warnings: SourceWarning[] = [];
    const out: SourceMessages = { kind: 'directory', path: this.path, messages: [], warnings };
    const kinds = new Set<SourceKind>();
    for (const name of names) {
      const file = join(this.path, name);
      if (!PATCH_FILE.test(name)) {
        warnings.push({ file, message: 'not a .patch/.diff/.mbx/.mbox/.eml file; skipped' });
        continue;
      }
      try {
        const read = await new FileSource(file, this.options).read();
        // Loops, not push(...spread): a file of 200,000 messages would overflow the argument stack.
        for (const m of read.messages) out.messages.push(m);
        for (const w of read.warnings) warnings.push(w);
        kinds.add(read.kind);
      } catch (e) {
        // One unreadable file must not hide the others' patches; it is named here instead.
        if (!isSourceError(e)) throw e;
        warnings.push({ file: e.file, ...(e.line === undefined ? {} : { line: e.line }), message: `skipped: ${e.reason}` });
      }
    }
    if (out.messages.length === 0) {
      const why = warnings.length > 0 ? `; ${warnings.map((w) => `${w.file}: ${w.message}`).join('; ')}` : '';
      throw new SourceError('empty', this.path, `no patch or mail files in this directory${why}`);
    }
    return out;
  }
}
