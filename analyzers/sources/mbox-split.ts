/**
 * Splits mbox bytes into raw messages, and says where each one starts. Mail
 * mechanics only: no decoding, no patch logic.
 *
 * A message starts at a separator line, `From <addr> <date>`. A format-patch
 * file does not escape body lines that start with `From ` (git mailsplit
 * checks the separator's date instead), and some mbox writers forget to, so
 * only lines that look like separators split. When the first `From ` line is
 * not one, every `From ` line splits, as mail readers do. In an mbox, `>From `
 * lines are escapes (mboxo/mboxrd) and lose one `>`; in a format-patch file
 * or a lone message nothing is escaped and they are kept as written.
 *
 * Written here rather than through mbox-reader (which this module used until
 * issue 15): the separator and escape rules above were already ours, mbox-reader
 * only cut the lines again, and its import loaded libmime's charset tables
 * (about 60 ms of every fresh process) for a header nothing here reads.
 */
import type { SourceWarning } from './model.js';
import { withoutBom } from './sniff.js';
import { counted } from '../counted.js';

/** A separator line: `From <addr-or-sha> <Day> <Mon> <d> <hh:mm>`, as every mbox writer and git emit it. */
const SEPARATOR = /^From \S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) +(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} +\d{1,2}:\d\d/;

/** True when `line` is an mbox separator line. */
export function isSeparator(line: string): boolean {
  return SEPARATOR.test(line);
}

/** One undecoded message and where it is. */
export interface RawMessage {
  /** The RFC 822 bytes (separator excluded, LF line ends). */
  content: Buffer;
  /** 1-based message number in the file. */
  index: number;
  /** 1-based file line of the separator (or of the first header when there is none). */
  line: number;
  /** 1-based file line of the content's first line (the first header). */
  contentLine: number;
  /** The raw header map (lower-case names, unfolded, white space collapsed, not MIME-decoded): a fallback when MIME decoding fails. */
  headers: Map<string, string[]>;
}

/** How the bytes are laid out. */
export interface SplitOptions {
  /** The file's name, for warnings. */
  file: string;
  /**
   * 'mbox': `>From ` lines are escapes (mboxo/mboxrd) and lose one `>`.
   * 'format-patch': nothing is escaped, so `>From ` body lines are kept as written.
   * 'message': one message with no separator line.
   */
  layout: 'mbox' | 'format-patch' | 'message';
}

/** The raw messages plus input-level warnings. */
export interface SplitResult {
  messages: RawMessage[];
  warnings: SourceWarning[];
}

/** Splits `bytes` into messages, in file order. */
export function splitMbox(bytes: Buffer, options: SplitOptions): SplitResult {
  const warnings: SourceWarning[] = [];
  const wrapped = options.layout === 'message';
  // latin1 maps every byte to one char and back, so non-UTF-8 bytes survive.
  const all = withoutBom(bytes).toString('latin1').split('\n');
  // The text after the last newline is a line only if it is not empty; a line ending in CR loses it
  // (CRLF files), except that last one, which no newline follows.
  const last = all.pop() ?? '';
  const lines = all.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (last !== '') lines.push(last);
  // sniff.ts finds a lone message's headers after blank lines; left in front of them, the blank lines
  // would end the header block before it starts, and the headers would become the body.
  let blank = 0;
  while (wrapped && blank < lines.length && (lines[blank] ?? '').trim() === '') blank++;
  // Without a standard separator at the top, trust every `From ` line.
  const firstFrom = lines.find((l) => l.startsWith('From '));
  const strict = firstFrom === undefined || isSeparator(firstFrom);
  // 0-based index of each message's first content line; its separator is the line before (none when wrapped).
  const starts: number[] = wrapped ? [blank] : [];
  let preamble = 0;
  if (!wrapped) {
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? '';
      if (line.startsWith('From ') && (!strict || isSeparator(line))) starts.push(i + 1);
      else if (starts.length === 0 && line.trim() !== '') preamble++;
    }
  }
  if (preamble > 0) {
    warnings.push({ file: options.file, line: 1, message: `${counted(preamble, 'non-empty line')} before the first mbox 'From ' line ${preamble === 1 ? 'was' : 'were'} ignored` });
  }
  const messages = starts.map((from, k): RawMessage => {
    const body = lines.slice(from, k + 1 < starts.length ? (starts[k + 1] ?? lines.length) - 1 : lines.length);
    if (options.layout === 'mbox') {
      for (let i = 0; i < body.length; i++) if (/^>+From /.test(body[i] ?? '')) body[i] = (body[i] ?? '').slice(1);
    }
    // The blank line before the next separator belongs to the mbox, not to the message.
    if (body.length > 0 && body[body.length - 1] === '') body.pop();
    return {
      content: Buffer.from(body.join('\n'), 'latin1'),
      index: k + 1,
      line: wrapped ? 1 + blank : from,
      contentLine: from + 1,
      headers: headerMap(body),
    };
  });
  return { messages, warnings };
}

/** The header block's fields by lower-case name, continuation lines unfolded and white space collapsed. */
function headerMap(body: readonly string[]): Map<string, string[]> {
  const fields: string[] = [];
  for (const line of body) {
    if (line === '') break;
    if (/^\s/.test(line) && fields.length > 0) fields[fields.length - 1] += line;
    else fields.push(line);
  }
  const headers = new Map<string, string[]>();
  for (const field of fields) {
    const colon = field.indexOf(':');
    const name = (colon < 0 ? '' : field.slice(0, colon)).trim().toLowerCase();
    const value = field.slice(colon + 1).replace(/\s+/g, ' ').trim();
    const seen = headers.get(name);
    if (seen) seen.push(value);
    else headers.set(name, [value]);
  }
  return headers;
}
