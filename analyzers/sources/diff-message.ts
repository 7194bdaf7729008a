/**
 * Wraps a plain `.patch`/`.diff` as one synthetic message, so the series
 * stage sees every input as mail. The text before the first diff line (a
 * hand-written description) becomes the body's description, as in a mail.
 */
import { basename } from 'node:path';
import type { SourceMessage } from './model.js';
import { decodeUtf8 } from './text.js';
import { counted } from '../counted.js';

/** One message whose body is the whole file. Its subject is the file's base name (`stdin` for `-`). */
export function diffMessage(bytes: Buffer, file: string): SourceMessage {
  const decoded = decodeUtf8(bytes);
  const problems: string[] = [];
  if (decoded.invalidLine !== undefined) {
    problems.push(`not valid UTF-8 from line ${decoded.invalidLine}; ${counted(decoded.replaced, 'invalid byte sequence')} read as U+FFFD`);
  }
  return {
    position: { file, index: 1, line: 1, bodyLine: 1 },
    messageId: null,
    inReplyTo: null,
    references: [],
    subject: file === '-' ? 'stdin' : basename(file),
    from: null,
    date: null,
    body: decoded.text.replace(/\r\n/g, '\n'),
    attachments: [],
    bytes: bytes.length,
    synthetic: true,
    flowed: false,
    problems,
  };
}
