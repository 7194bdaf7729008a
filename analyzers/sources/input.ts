/**
 * Reads a whole input (a file, a FIFO, a device or stdin) into memory, within a size limit.
 * Whole, because the sources need line numbers and a look at the content
 * before choosing how to split it; mbox files of threads are megabytes.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { fsReason, isSourceError, SourceError } from './errors.js';
import { formatBytes } from './text.js';

/** Options every source understands. */
export interface SourceOptions {
  /** Optional: the stream read for `-`. Default: process.stdin. */
  stdin?: NodeJS.ReadableStream;
  /**
   * Optional: largest input accepted, in bytes. Default DEFAULT_MAX_INPUT_BYTES.
   * A larger input is refused with SourceError 'too-large', having read at most this plus 1 MiB.
   */
  maxInputBytes?: number;
  /** Optional, public-inbox only: read only the commits after this one (a commit id). */
  since?: string;
}

/**
 * 64 MiB. A whole thread is small (kvm-init-rework-v1.mbx, 127 messages
 * around a 44-patch series, is 1.3 MiB), while the input is held about
 * three times over (bytes, split text, decoded messages): past this it is
 * not a review's worth of mail, and refusing it early keeps memory bounded
 * (about 200 MiB at the cap) and the refusal fast (`/dev/zero` is refused
 * after reading 64 MiB, in well under a second). `--max-input` raises it.
 */
export const DEFAULT_MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** Bytes asked of the file system per read: large enough to be fast, small enough to stop close to the cap. */
const READ_CHUNK = 1024 * 1024;

/**
 * The bytes of `path` (`-` for stdin). Throws SourceError 'unreadable' or 'too-large'.
 * Never reads more than the cap plus one chunk: a regular file's size is checked
 * first, and anything else (a FIFO, a character device such as /dev/zero, a
 * file that grows) is read in chunks and refused as soon as it passes the cap.
 */
export async function readInput(path: string, options: SourceOptions = {}): Promise<Buffer> {
  const max = options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  if (path === '-') return readStream(options.stdin ?? process.stdin, max);
  let handle: FileHandle;
  try {
    // Opening a FIFO waits for a writer, as `cat` does.
    handle = await open(path, 'r');
  } catch (e) {
    throw asSourceError(e, path);
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw new SourceError('unreadable', path, 'is a directory, expected a file');
    if (st.isFile() && st.size > max) throw tooLarge(path, st.size, max, false);
    return await readCapped(handle, path, max);
  } catch (e) {
    throw asSourceError(e, path);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Reads `handle` to its end, refusing it once more than `max` bytes came. */
async function readCapped(handle: FileHandle, path: string, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(READ_CHUNK);
    const { bytesRead } = await handle.read(buf, 0, READ_CHUNK, null);
    if (bytesRead === 0) break;
    size += bytesRead;
    if (size > max) throw tooLarge(path, size, max, true);
    chunks.push(bytesRead === READ_CHUNK ? buf : buf.subarray(0, bytesRead));
  }
  return Buffer.concat(chunks, size);
}

async function readStream(stream: NodeJS.ReadableStream, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
      size += buf.length;
      if (size > max) throw tooLarge('-', size, max, true);
      chunks.push(buf);
    }
  } catch (e) {
    throw asSourceError(e, '-');
  }
  return Buffer.concat(chunks);
}

/** `partial`: the input was read until it passed the cap, so its size is a lower bound. */
function tooLarge(path: string, size: number, max: number, partial: boolean): SourceError {
  return new SourceError('too-large', path, `${formatBytes(size)}${partial ? ' or more' : ''} is over the ${formatBytes(max)} input limit (raise it with --max-input SIZE, e.g. 256M)`);
}

/** Turns a file-system error into a SourceError that names the file; passes SourceErrors through. */
export function asSourceError(e: unknown, path: string): SourceError {
  return isSourceError(e) ? e : new SourceError('unreadable', path, fsReason(e));
}
