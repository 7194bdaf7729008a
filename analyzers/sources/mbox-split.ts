/**
 * Splits mbox bytes into raw messages with mbox-reader, and says where each
 * one starts. Mail mechanics only: no decoding, no patch logic.
 *
 * mbox-reader starts a message at every line beginning with `From `. A
 * format-patch file does not escape such body lines (git mailsplit checks
 * the separator's date instead), and some mbox writers forget to. Before
 * splitting, body lines that start with `From ` but are not separator lines
 * get one `>`, which mbox-reader takes off again: the split happens only at
 * real separators and the body comes back unchanged.
 */
import { Readable } from 'node:stream';
import { mboxReader } from 'mbox-reader';
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
  /** mbox-reader's header map (lower-case names, unfolded, not MIME-decoded): a fallback when MIME decoding fails. */
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

/**
 * mbox-reader shifts lines off an array holding a whole chunk, which is
 * quadratic in the chunk's line count (a 10 MB patch as one chunk took 60 s);
 * 64 KiB chunks, the size of a file stream's, keep it linear.
 */
const CHUNK = 64 * 1024;

function* chunks(bytes: Buffer): Generator<Buffer> {
  for (let at = 0; at < bytes.length; at += CHUNK) yield bytes.subarray(at, at + CHUNK);
}

/** A separator for wrapping a lone message; mbox-reader needs one to start a message. */
const WRAP = 'From MAILER-DAEMON Thu Jan  1 00:00:00 1970';

/** Splits `bytes` into messages, in file order. */
export async function splitMbox(bytes: Buffer, options: SplitOptions): Promise<SplitResult> {
  const warnings: SourceWarning[] = [];
  const starts: number[] = [];
  const wrapped = options.layout === 'message';
  // latin1 maps every byte to one char and back, so non-UTF-8 bytes survive.
  const all = withoutBom(bytes).toString('latin1').split('\n');
  // sniff.ts finds a lone message's headers after blank lines; left in front of them, the blank lines
  // would end the header block before it starts, and the headers would become the body.
  let blank = 0;
  while (wrapped && blank < all.length - 1 && (all[blank] ?? '').trim() === '') blank++;
  const lines = all.slice(blank);
  // Without a standard separator at the top, trust every `From ` line, as mbox-reader does.
  const firstFrom = lines.find((l) => l.startsWith('From '));
  const strict = firstFrom === undefined || isSeparator(firstFrom.replace(/\r$/, ''));
  let preamble = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    if (!wrapped && line.startsWith('From ') && (!strict || isSeparator(line))) {
      starts.push(i + 1);
    } else if (line.startsWith('From ') || (options.layout !== 'mbox' && /^>+From /.test(line))) {
      lines[i] = `>${lines[i] ?? ''}`;
    } else if (starts.length === 0 && !wrapped && line.trim() !== '') {
      preamble++;
    }
  }
  if (preamble > 0) {
    warnings.push({ file: options.file, line: 1, message: `${counted(preamble, 'non-empty line')} before the first mbox 'From ' line ${preamble === 1 ? 'was' : 'were'} ignored` });
  }
  if (wrapped) {
    lines.unshift(WRAP);
    starts.push(blank + 1);
  }
  const input = Readable.from(chunks(Buffer.from(lines.join('\n'), 'latin1')));
  const messages: RawMessage[] = [];
  for await (const m of mboxReader(input)) {
    const line = starts[messages.length] ?? 1;
    messages.push({
      content: m.content,
      index: messages.length + 1,
      line,
      contentLine: wrapped ? blank + 1 : line + 1,
      headers: m.headers,
    });
  }
  return { messages, warnings };
}
