/**
 * Reads a whole input (a file or stdin) into memory, within a size limit.
 * Whole, because the sources need line numbers and a look at the content
 * before choosing how to split it; mbox files of threads are megabytes.
 */
import { readFile, stat } from 'node:fs/promises';
import { isSourceError, messageOf, SourceError } from './errors.js';
import { formatBytes } from './text.js';

/** Options every source understands. */
export interface SourceOptions {
  /** Optional: the stream read for `-`. Default: process.stdin. */
  stdin?: NodeJS.ReadableStream;
  /**
   * Optional: largest input accepted, in bytes. Default DEFAULT_MAX_INPUT_BYTES.
   * A larger input is refused with SourceError 'too-large' before it is read.
   */
  maxInputBytes?: number;
  /** Optional, public-inbox only: read only the commits after this one (a commit id). */
  since?: string;
}

/**
 * 512 MiB. A whole thread is small (kvm-init-rework-v1.mbx, 127 messages
 * around a 44-patch series, is 1.3 MiB), while the input is held about
 * three times over (bytes, split text, decoded messages): this refuses only
 * inputs that are not a review's worth of mail, before they exhaust Node's
 * default heap (4 GiB here).
 */
export const DEFAULT_MAX_INPUT_BYTES = 512 * 1024 * 1024;

/** The bytes of `path` (`-` for stdin). Throws SourceError 'unreadable' or 'too-large'. */
export async function readInput(path: string, options: SourceOptions = {}): Promise<Buffer> {
  const max = options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  if (path === '-') return readStream(options.stdin ?? process.stdin, max);
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new SourceError('unreadable', path, 'is a directory, expected a file');
    size = st.size;
  } catch (e) {
    throw asSourceError(e, path);
  }
  if (size > max) throw tooLarge(path, size, max);
  try {
    return await readFile(path);
  } catch (e) {
    throw asSourceError(e, path);
  }
}

async function readStream(stream: NodeJS.ReadableStream, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
      size += buf.length;
      if (size > max) throw tooLarge('-', size, max);
      chunks.push(buf);
    }
  } catch (e) {
    throw asSourceError(e, '-');
  }
  return Buffer.concat(chunks);
}

function tooLarge(path: string, size: number, max: number): SourceError {
  return new SourceError('too-large', path, `${formatBytes(size)}${path === '-' ? ' or more' : ''} is over the ${formatBytes(max)} input limit (maxInputBytes)`);
}

/** Turns a file-system error into a SourceError that names the file; passes SourceErrors through. */
export function asSourceError(e: unknown, path: string): SourceError {
  if (isSourceError(e)) return e;
  // Duck-typed: errors from node:fs come from another realm under jest, where instanceof Error fails.
  const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
  const reason = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : messageOf(e);
  return new SourceError('unreadable', path, reason);
}
