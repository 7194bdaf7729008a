/**
 * The lockdep reports of one input: a pasted console log, a single mail or
 * a whole mbox thread. Mail is decoded (quoted-printable, base64, charsets)
 * before it is searched; every report found in the thread is read once.
 */
import { readBytes } from '../sources/file-source.js';
import { readInput, type SourceOptions } from '../sources/input.js';
import { SourceError } from '../sources/errors.js';
import { sniffFile } from '../sources/sniff.js';
import type { SplatReport } from './model.js';
import { distinctScan, type UnreadReport } from './report.js';

/** The report kinds named in the error for text without one. */
const LOOKED_FOR = '"possible circular locking dependency", "possible recursive locking", "inconsistent lock state", "suspicious RCU usage" (SRCU) or "MAX_LOCK_DEPTH too low"';

/**
 * A format=flowed reply joins a quoted line that ended in a space with the
 * next quoted line, quote marker and all (`at: > __schedule+0xd4/0x988`):
 * drop the marker of the line's own depth where it sits inside the line.
 */
export function unflowQuotes(body: string): string {
  return body
    .split('\n')
    .map((line) => {
      const prefix = /^(?:> ?)+/.exec(line)?.[0];
      if (!prefix) return line;
      const marker = ` ${prefix.trim()} `;
      return prefix + line.slice(prefix.length).split(marker).join(' ');
    })
    .join('\n');
}

/** What one input holds: the reports read, and the lockdep reports kvm-review does not read. */
export interface SplatInput {
  reports: SplatReport[];
  unread: UnreadReport[];
}

/** Where an unread report is, and why it is not read: one note. */
export function unreadNote(u: UnreadReport): string {
  const w = u.where;
  const from = w.message ? `message ${w.message}${w.subject ? ` "${w.subject}"` : ''}, line ${w.line}` : `line ${w.line}`;
  return `not read: "${u.title}" (${from}): ${u.why}`;
}

/** Reports in `bytes` read from `file`. Throws a SourceError naming the file when there is none. */
export async function reportsInBytes(bytes: Buffer, file: string): Promise<SplatReport[]> {
  return (await splatsInBytes(bytes, file)).reports;
}

/** Reports in `bytes` read from `file`, and the ones not read. Throws a SourceError naming the file when no report is read. */
export async function splatsInBytes(bytes: Buffer, file: string): Promise<SplatInput> {
  let kind: ReturnType<typeof sniffFile> | null = null;
  try {
    kind = sniffFile(bytes, file);
  } catch (e) {
    // Plain console text is neither mail nor diff: read it as it is. Empty or binary input is still an error.
    if (!(e instanceof SourceError) || e.code !== 'not-mail') throw e;
  }
  let texts: { text: string; message: number; subject: string | null; messageId: string | null }[];
  if (kind === 'mbox' || kind === 'message' || kind === 'format-patch') {
    const { messages } = await readBytes(bytes, file);
    texts = messages.map((m, i) => {
      const body = m.flowed ? unflowQuotes(m.body) : m.body;
      return { text: [body, ...m.attachments.map((a) => a.text)].join('\n'), message: i + 1, subject: m.subject || null, messageId: m.messageId };
    });
  } else {
    texts = [{ text: bytes.toString('utf8'), message: 0, subject: null, messageId: null }];
  }
  const { reports, unread } = distinctScan(texts);
  if (reports.length === 0) {
    // A lockdep report of another kind is not "no report": say what was found.
    if (unread.length === 0) throw new SourceError('not-mail', file, `no lockdep report found (looked for ${LOOKED_FOR})`);
    const found = unread.map((u) => `"${u.title}" (line ${u.where.line}${u.where.message ? ` of message ${u.where.message}` : ''})`).join(', ');
    throw new SourceError('not-mail', file, `no lockdep report kvm-review reads (looked for ${LOOKED_FOR}); found only ${found}, which it does not read`);
  }
  return { reports, unread };
}

/** Reports in the file at `path` (`-` for stdin). */
export async function readReports(path: string): Promise<SplatReport[]> {
  return reportsInBytes(await readInput(path), path);
}

/** Reports in the file at `path` (`-` for stdin), and the lockdep reports there that kvm-review does not read. `options.maxInputBytes`: splat's --max-input. */
export async function readSplats(path: string, options: SourceOptions = {}): Promise<SplatInput> {
  return splatsInBytes(await readInput(path, options), path);
}
