/**
 * The one error a source throws: the input as a whole cannot be read. It
 * names the file and, where it makes sense, the line, so the CLI can print
 * `file:line: reason` and exit 2 without a stack trace.
 */

/** Why an input was refused. */
export type SourceErrorCode =
  /** The file (or stdin, or the directory) holds nothing. */
  | 'empty'
  /** Neither an mbox, a mail message nor a diff. */
  | 'not-mail'
  /** A NUL byte: binary data, not text. */
  | 'binary'
  /** Over `maxInputBytes`. */
  | 'too-large'
  /** The file system said no (missing file, permission, a directory where a file was expected). */
  | 'unreadable'
  /** git failed on a public-inbox repository. */
  | 'git'
  /** `--series N` or `--message-id ID` names no series of the input. */
  | 'selection';

/** A typed, located input error. */
export class SourceError extends Error {
  /** Why. */
  readonly code: SourceErrorCode;
  /** The file as given (`-` for stdin). */
  readonly file: string;
  /** Optional: 1-based line the problem was found at. */
  readonly line: number | undefined;
  /** The reason alone, without the `file:line: ` prefix of `message`. */
  readonly reason: string;

  constructor(code: SourceErrorCode, file: string, reason: string, line?: number) {
    // `-` is what the user typed, but "-: the input is empty" reads as a typo: the message says stdin.
    super(`${file === '-' ? 'stdin' : file}${line === undefined ? '' : `:${line}`}: ${reason}`);
    this.name = 'SourceError';
    this.code = code;
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}

/** True for a SourceError (also across module copies, which `instanceof` misses under jest). */
export function isSourceError(e: unknown): e is SourceError {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'SourceError' && 'code' in e && 'file' in e;
}

/** The message of any thrown value; duck-typed, since errors from node: modules and packages come from another realm under jest. */
export function messageOf(e: unknown): string {
  return typeof e === 'object' && e !== null && 'message' in e ? String(e.message) : String(e);
}

/**
 * Why the file system refused a path, in words: "ENOENT" tells a maintainer
 * less than "no such file or directory". One table for the command line's
 * options and the sources' inputs, so that the same refusal reads the same
 * whichever reads the file; another error's first line otherwise.
 */
export function fsReason(err: unknown): string {
  // Duck-typed: errors from node:fs come from another realm under jest, where instanceof Error fails.
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  const words = FS_REASONS.get(code);
  if (words) return words;
  const message = messageOf(err);
  return message.split('\n')[0] ?? message;
}

const FS_REASONS: ReadonlyMap<string, string> = new Map([
  ['ENOENT', 'no such file or directory'],
  ['EACCES', 'permission denied'],
  ['EPERM', 'permission denied'],
  ['EISDIR', 'is a directory'],
  ['ENOTDIR', 'a part of the path is not a directory'],
]);
