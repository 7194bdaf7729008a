/**
 * Normalises a path from a diff header before anything matches it against
 * a tree: `virt/kvm//kvm_main.c`, `./virt/kvm/kvm_main.c`,
 * `virt/../virt/kvm/kvm_main.c` and `virt\kvm\kvm_main.c` are all
 * `virt/kvm/kvm_main.c`. Without this, a spelling would review as "not an
 * indexed file" with no findings. A path that is absolute, or leaves the
 * tree once `..` is resolved, is refused: no tree file can be meant by it.
 * A path git C-quoted (a non-ASCII, control, quote or backslash character
 * in it) is unquoted first.
 */

/** The normalised path, or why the path is refused. */
export type NormalisedPath = { path: string } | { refused: string };

/** git's one-letter C escapes (quote.c `sq_lookup`): what each stands for. */
const C_ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 0x22, '\\': 0x5c };

/**
 * A path as git C-quotes it (`"virt/kvm/d\303\251mo.c"`), its quotes already removed, back to the
 * name: each `\ooo` is one byte of the UTF-8 name, `\t` `\n` `\"` `\\` and the others one
 * character. Without this, `d\303\251mo.c` would be looked up (and its backslashes read as
 * separators) instead of `démo.c`. An escape git never writes is kept as written.
 */
export function unquoteGitPath(inner: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < inner.length; i++) {
    const cp = inner.codePointAt(i) ?? 0;
    if (cp !== 0x5c || i + 1 >= inner.length) {
      bytes.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
      // A character beyond the BMP is two code units.
      if (cp > 0xffff) i += 1;
      continue;
    }
    const octal = /^[0-3][0-7]{2}/.exec(inner.slice(i + 1, i + 4));
    const named = C_ESCAPES[inner[i + 1] ?? ''];
    if (octal) {
      bytes.push(Number.parseInt(octal[0], 8));
      i += 3;
    } else if (named !== undefined) {
      bytes.push(named);
      i += 1;
    } else {
      bytes.push(0x5c);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** A whole C-quoted path (`"..."`), quotes included, unquoted; anything else as it is. */
export function unquoteIfQuoted(written: string): { path: string; quoted: boolean } {
  if (written.length >= 2 && written.startsWith('"') && written.endsWith('"')) return { path: unquoteGitPath(written.slice(1, -1)), quoted: true };
  return { path: written, quoted: false };
}

export interface NormaliseOptions {
  /** The path was C-quoted by git and is unquoted: a backslash in it is a character of the name, not a separator. */
  quoted?: boolean;
}

/** Normalises one path as written in a diff (its `a/`/`b/` prefix already removed). */
export function normaliseDiffPath(written: string, options: NormaliseOptions = {}): NormalisedPath {
  // A backslash is never part of a kernel path; a Windows tool wrote it as a separator. git
  // quotes a backslash in a name, so one in a path it quoted is part of the name.
  const slashed = options.quoted ? written : written.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:\//.test(slashed)) return { refused: 'it is absolute' };
  const parts: string[] = [];
  for (const part of slashed.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') {
      parts.push(part);
      continue;
    }
    // A loop, not a recursive resolver: `../` repeated 100,000 times is still one pass.
    if (parts.length === 0) return { refused: 'it leaves the tree (`..` above its top)' };
    parts.pop();
  }
  if (parts.length === 0) return { refused: 'it names the top of the tree, not a file' };
  return { path: parts.join('/') };
}
