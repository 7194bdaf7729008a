/**
 * Recognises what a file holds from its bytes, not its name: `series.mbx`
 * may be a format-patch file and `fix.patch` an mbox. Refuses, with the
 * file and line, what is none of the known kinds.
 */
import { SourceError } from './errors.js';
import { firstNul, lineAtByte } from './text.js';

/** The kinds one file can be. */
export type FileKind = 'mbox' | 'format-patch' | 'message' | 'diff';

/** git's binary heuristic: a NUL within the first 8000 bytes (xdiff `buffer_is_binary`). */
const BINARY_PROBE = 8000;

/** git format-patch's fixed separator: the commit and a magic date. */
const FORMAT_PATCH = /^From [0-9a-f]{40} Mon Sep 17 00:00:00 2001$/;

/** An RFC 822 header line: a field name of printable ASCII without `:`, then `:`. */
const HEADER = /^[\x21-\x39\x3b-\x7e]+:/;

/** Mail headers that make a header block a message and not, say, a YAML file. */
const MAIL_HEADER = /^(?:from|subject|message-id|date|to|received|return-path|mime-version):/im;

/** A diff: a git header, a unified `---`/`+++` pair, or a git binary patch. */
const DIFF = /^diff --(?:git|cc|combined) |^diff -\S*[uU]|^--- \S[^\n]*\n\+\+\+ \S|^GIT binary patch$/m;

/** A UTF-8 byte order mark. */
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * `bytes` without a leading UTF-8 byte order mark, which some Windows editors and mail clients write.
 * Left in, it hides the first line from every test here (an mbox then reads as one plain diff) and
 * from the mbox splitter. It sits on line 1, so no line number moves.
 */
export function withoutBom(bytes: Buffer): Buffer {
  return bytes.subarray(0, 3).equals(BOM) ? bytes.subarray(3) : bytes;
}

/** Says what `bytes` (read from `file`) hold, or throws a SourceError. */
export function sniffFile(withBom: Buffer, file: string): FileKind {
  const bytes = withoutBom(withBom);
  const nul = firstNul(bytes, BINARY_PROBE);
  if (nul >= 0) {
    throw new SourceError('binary', file, 'binary data (a NUL byte), not a mail or a patch', lineAtByte(bytes, nul));
  }
  // Enough of the head to judge; a long preamble before the first header is rare.
  const head = bytes.subarray(0, 64 * 1024).toString('latin1').replace(/\r\n/g, '\n');
  const lines = head.split('\n');
  const firstIndex = lines.findIndex((l) => l.trim() !== '');
  if (firstIndex < 0 && bytes.toString('latin1').trim() === '') {
    throw new SourceError('empty', file, bytes.length === 0 ? 'the input is empty' : 'the input holds only white space');
  }
  const first = lines[firstIndex] ?? '';
  if (FORMAT_PATCH.test(first)) return 'format-patch';
  // Any `From ` first line: mbox writers differ in the separator's date format.
  if (first.startsWith('From ')) return 'mbox';
  if (HEADER.test(first) && isMailHeaderBlock(lines.slice(firstIndex))) return 'message';
  if (DIFF.test(bytes.toString('latin1'))) return 'diff';
  throw new SourceError(
    'not-mail',
    file,
    "neither an mbox (no 'From ' separator line), a mail message (no headers) nor a diff (no 'diff --git' or '---'/'+++' lines)",
    firstIndex + 1,
  );
}

/** True when the lines up to the first empty one are headers, some of them mail headers. */
function isMailHeaderBlock(lines: string[]): boolean {
  const end = lines.indexOf('');
  const block = end < 0 ? lines : lines.slice(0, end);
  const wellFormed = block.every((l) => HEADER.test(l) || /^[ \t]/.test(l));
  return wellFormed && MAIL_HEADER.test(block.join('\n'));
}
