/**
 * Decodes one raw message with postal-mime: transfer encodings
 * (quoted-printable, base64), charsets, multipart (the text/plain parts; an
 * S/MIME or PGP signature is an attachment and is left out), encoded-word
 * headers. A message postal-mime cannot decode is kept, with its raw body
 * and a problem, because a patch must never disappear.
 */
import { isUtf8 } from 'node:buffer';
import PostalMime, { type Address, type Attachment, type Email } from 'postal-mime';
import { declaredCharsets, knownCharset, utf8Declared } from './charset.js';
import { flowedJoins } from './flowed.js';
import { messageOf } from './errors.js';
import type { RawMessage } from './mbox-split.js';
import type { Person, SourceMessage, TextAttachment } from './model.js';
import { countOf, decodeUtf8 } from './text.js';
import { counted } from '../counted.js';

/** Decodes `raw` found in `file`. Never throws. */
export async function decodeMessage(raw: RawMessage, file: string): Promise<SourceMessage> {
  const problems: string[] = [];
  const position = { file, index: raw.index, line: raw.line };
  let email: Email;
  try {
    email = await PostalMime.parse(raw.content);
  } catch (e) {
    problems.push(`the MIME structure could not be decoded (${messageOf(e)}); the raw body is used`);
    return fallback(raw, position, problems);
  }
  const direct = directBody(raw);
  const declared = declaredCharsets(raw.content);
  const undeclared = direct !== undefined && declared.length === 0 && !isUtf8(direct.bytes);
  // postal-mime reads a part that declares no charset and is not valid UTF-8 as windows-1252, and
  // says nothing. Such a body is read as UTF-8 here, so that the bytes it could not read are
  // counted below rather than turned silently into other characters.
  const body = (undeclared ? asUtf8(direct.bytes) : (email.text ?? '')).replace(/\r\n?/g, '\n');
  // U+FFFD written as such in the raw bytes (EF BF BD) is text, not a decoding loss.
  const replaced = countOf(body, '\uFFFD') - countOf(raw.content.toString('latin1'), '\u00ef\u00bf\u00bd');
  if (replaced > 0) problems.push(`${counted(replaced, 'character')} of the body ${replaced === 1 ? 'is' : 'are'} not valid in its declared charset and read as U+FFFD`);
  // Elsewhere (quoted-printable, base64, a part of a multipart message) a part that names no charset
  // keeps postal-mime's reading, said: decoded again as UTF-8, what is not UTF-8 is counted.
  if (!undeclared && /[^\p{ASCII}]/u.test(email.text ?? '')) {
    const notUtf8 = await undeclaredNotUtf8(raw.content, email.text ?? '');
    if (notUtf8 === null) problems.push('the charset of a part that names none could not be checked; its non-ASCII characters may be wrong');
    else if (notUtf8 > 0) {
      problems.push(`${counted(notUtf8, 'character')} of a part that names no charset ${notUtf8 === 1 ? 'is' : 'are'} not valid UTF-8; the mail decoder read that part as windows-1252, so its non-ASCII characters may be wrong`);
    }
  }
  for (const label of declared) {
    if (!(await knownCharset(label))) problems.push(`charset "${label}" is not one the mail decoder knows; that text was read as windows-1252 and its non-ASCII characters may be wrong`);
  }
  const date = isoDate(email.date);
  if (email.date && !date) problems.push(`the Date header does not parse: ${email.date}`);
  const bodyLine = direct?.line;
  const flowed = /^content-type:[^\n]*(?:\n[ \t][^\n]*)*format\s*=\s*"?flowed/im.test(raw.content.toString('latin1'));
  const joins = flowed ? await flowedJoins(raw.content, body) : undefined;
  return {
    position: bodyLine === undefined ? position : { ...position, bodyLine },
    messageId: firstId(email.messageId),
    inReplyTo: firstId(email.inReplyTo),
    references: allIds(email.references),
    subject: oneLine(email.subject ?? ''),
    from: person(email.from),
    date,
    body,
    attachments: email.attachments.flatMap(textAttachment),
    bytes: raw.content.length,
    synthetic: false,
    flowed,
    ...(joins === undefined ? {} : { flowedJoins: joins }),
    problems,
  };
}

/**
 * How many characters of the parts that name no charset are not valid UTF-8 (0 when every part
 * names one), or null when the message could not be decoded again to tell. `read` is postal-mime's
 * text: the two readings differ only in such parts, which come out as U+FFFD only in the copy.
 */
async function undeclaredNotUtf8(raw: Buffer, read: string): Promise<number | null> {
  const copy = utf8Declared(raw);
  if (!copy) return 0;
  try {
    const text = (await PostalMime.parse(copy)).text ?? '';
    return Math.max(0, countOf(text, '\uFFFD') - countOf(read, '\uFFFD'));
  } catch {
    return null;
  }
}

/** The message as the splitter saw it: raw headers, the body after the first empty line. */
function fallback(raw: RawMessage, position: SourceMessage['position'], problems: string[]): SourceMessage {
  const text = decodeUtf8(raw.content).text;
  const split = text.indexOf('\n\n');
  const header = (name: string): string | undefined => raw.headers.get(name)?.[0];
  return {
    position,
    messageId: firstId(header('message-id')),
    inReplyTo: firstId(header('in-reply-to')),
    references: allIds(header('references')),
    subject: oneLine(header('subject') ?? ''),
    from: null,
    date: isoDate(header('date')),
    body: split < 0 ? '' : text.slice(split + 2),
    attachments: [],
    bytes: raw.content.length,
    synthetic: false,
    flowed: false,
    problems,
  };
}

/** First `<id>` of a header value, brackets removed; a bare value when it has no brackets. */
export function firstId(value: string | undefined): string | null {
  if (!value) return null;
  const ids = allIds(value);
  if (ids.length > 0) return ids[0] ?? null;
  const bare = value.trim();
  return bare === '' ? null : bare;
}

/** Every `<id>` of a header value, in order, brackets removed. */
export function allIds(value: string | undefined): string[] {
  if (!value) return [];
  return [...value.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1] ?? '').filter((id) => id !== '');
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** postal-mime gives ISO 8601 when the Date parses, the raw text otherwise. */
function isoDate(value: string | undefined): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function person(from: Address | undefined): Person | null {
  const box = from?.address !== undefined ? from : from?.group?.[0];
  if (!box?.address) return null;
  return { name: box.name, email: box.address.toLowerCase() };
}

/** Types mailers give a patch outside text/ (application/x-patch, often with no file name to tell it by). */
const PATCH_TYPE = /^application\/(?:x-)?(?:patch|diff)$/i;

function textAttachment(a: Attachment): TextAttachment[] {
  const patchName = a.filename !== null && /\.(?:patch|diff)$/i.test(a.filename);
  if (!a.mimeType.startsWith('text/') && !patchName && !PATCH_TYPE.test(a.mimeType)) return [];
  const bytes = typeof a.content === 'string' ? Buffer.from(a.content) : new Uint8Array(a.content);
  return [{ filename: a.filename, mimeType: a.mimeType, text: decodeUtf8(bytes).text.replace(/\r\n?/g, '\n') }];
}

/** The body as UTF-8, its last line ended as postal-mime ends it. */
function asUtf8(bytes: Buffer): string {
  const text = decodeUtf8(bytes).text;
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

/**
 * The body's bytes and the file line of its first line, when the body is the
 * file's text unchanged: one part, no quoted-printable/base64, not flowed.
 */
function directBody(raw: RawMessage): { bytes: Buffer; line: number } | undefined {
  const header = (name: string): string => (raw.headers.get(name)?.[0] ?? '').toLowerCase();
  if (/multipart\/|format\s*=\s*"?flowed/.test(header('content-type'))) return undefined;
  const cte = header('content-transfer-encoding').trim();
  if (cte !== '' && cte !== '7bit' && cte !== '8bit' && cte !== 'binary') return undefined;
  const end = raw.content.indexOf('\n\n');
  if (end < 0) return undefined;
  return { bytes: raw.content.subarray(end + 2), line: raw.contentLine + countOf(raw.content.toString('latin1', 0, end), '\n') + 2 };
}
