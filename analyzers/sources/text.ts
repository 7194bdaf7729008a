/**
 * Byte and line helpers shared by the sources: UTF-8 checks that can say on
 * which line the first bad byte sits, and 1-based line arithmetic.
 */
import { isUtf8 } from 'node:buffer';

/** Text decoded from bytes, with where the first invalid UTF-8 sequence was. */
export interface DecodedText {
  /** The text; invalid sequences read as U+FFFD. */
  text: string;
  /** Optional: 1-based line of the first invalid sequence; unset when the bytes are valid UTF-8. */
  invalidLine?: number;
  /** How many U+FFFD the decoder had to insert. */
  replaced: number;
}

const utf8 = new TextDecoder('utf-8');

/**
 * Decodes UTF-8 leniently. A patch with one Latin-1 byte in a comment should
 * still be reviewed, so bad bytes become U+FFFD and the caller reports where.
 */
export function decodeUtf8(bytes: Uint8Array): DecodedText {
  const text = utf8.decode(bytes);
  if (isUtf8(bytes)) return { text, replaced: 0 };
  // Genuine U+FFFD in valid input is possible but rare; the first one in the
  // output is where the decoder started replacing.
  const first = text.indexOf('\uFFFD');
  const replaced = countOf(text, '\uFFFD');
  return { text, replaced, invalidLine: first < 0 ? 1 : lineAtOffset(text, first) };
}

/** 1-based line of character offset `offset` in `text`. */
export function lineAtOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** How many times `needle` (one character) occurs in `text`. */
export function countOf(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) n++;
  return n;
}

/** Offset of the first NUL byte among the first `limit` bytes, or -1. */
export function firstNul(bytes: Uint8Array, limit: number): number {
  const end = Math.min(bytes.length, limit);
  for (let i = 0; i < end; i++) if (bytes[i] === 0) return i;
  return -1;
}

/** 1-based line of byte offset `offset` (LF counted as the line break). */
export function lineAtByte(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < bytes.length; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** Human size: `10.0 MiB`, `512 KiB`, `77 bytes`. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} bytes`;
}
