/**
 * What a source hands to the series stage: decoded mail messages with their
 * place in the input. Nothing here knows about patches or series; a plain
 * diff becomes one synthetic message so that every input looks alike.
 */
import type { FlowedJoin } from './flowed.js';

/** How the input was recognised. */
export type SourceKind =
  /** An mbox file of whole threads (`b4 mbox`, a list archive export). */
  | 'mbox'
  /** One `git format-patch` file (`From <sha> Mon Sep 17 00:00:00 2001`). */
  | 'format-patch'
  /** A single RFC 822 message with no mbox `From ` line (a saved `.eml`). */
  | 'message'
  /** A plain `.patch`/`.diff` with no mail headers. */
  | 'diff'
  /** A directory of the above, read in file-name order. */
  | 'directory'
  /** A public-inbox v2 epoch (a bare git repository, one message per commit). */
  | 'public-inbox';

/** Where a message sits in the input, for error messages that name the file and line. */
export interface SourcePosition {
  /** The file as given (`-` for stdin; the repository for public-inbox). */
  file: string;
  /** 1-based message number inside `file` (public-inbox: in commit order, oldest first, within the range read). */
  index: number;
  /** Optional, public-inbox only: the commit that added the message (its blob `m`). */
  commit?: string;
  /** 1-based line of `file` where the message starts (its mbox `From ` line, else its first header; public-inbox: 1, the blob's first line). */
  line: number;
  /**
   * Optional: 1-based line of `file` holding the first body line. Set only when
   * body lines map one to one onto file lines (a single text part in 7bit or
   * 8bit); quoted-printable, base64 and multipart bodies leave it unset.
   * For public-inbox it counts lines of the commit's blob `m`.
   */
  bodyLine?: number;
}

/** A mail address with its display name. */
export interface Person {
  /** Decoded display name; empty when the header has none. */
  name: string;
  /** The address, lower-cased (it is used as a grouping key). */
  email: string;
}

/** A text attachment (`text/x-patch`, `text/x-diff`, `application/x-patch`, an attached `.patch`), decoded to a string. */
export interface TextAttachment {
  /** The part's file name, null when it gives none. */
  filename: string | null;
  /** Lower-case MIME type. */
  mimeType: string;
  /** The decoded text (UTF-8, invalid bytes as U+FFFD). */
  text: string;
}

/** One decoded message. Fields a message lacks are null or empty, never guessed. */
export interface SourceMessage {
  /** Where the message is. */
  position: SourcePosition;
  /** Message-ID without angle brackets; null when the message has none. */
  messageId: string | null;
  /** In-Reply-To's first id, without angle brackets; null when absent. */
  inReplyTo: string | null;
  /** References ids, oldest first, without angle brackets. */
  references: string[];
  /** Decoded subject, folded onto one line; empty when absent. */
  subject: string;
  /** The From: header; null when absent or unparseable. */
  from: Person | null;
  /** Date as ISO 8601 (UTC); null when absent or unparseable (see `problems`). */
  date: string | null;
  /** The text/plain body (all inline text parts, joined), LF line endings. */
  body: string;
  /** Text attachments, which may carry the patch instead of the body. */
  attachments: TextAttachment[];
  /** Size of the raw message in bytes. */
  bytes: number;
  /** True for a plain diff wrapped as a message: it has no headers at all. */
  synthetic: boolean;
  /**
   * Optional: true when the message comes from `git format-patch` output (a file that starts with
   * its fixed separator, `From <sha> Mon Sep 17 00:00:00 2001`). Its From is each commit's author,
   * not who posts the series.
   */
  formatPatch?: true;
  /** True when a text part was `format=flowed`: lines ending in a space were joined, which mangles diffs. */
  flowed: boolean;
  /**
   * Optional, flowed mail only: the body lines its unflowing built from several lines of the mail
   * (a soft line break, or a line that ended in a space). Unset when they could not be told apart.
   */
  flowedJoins?: FlowedJoin[];
  /** Decoding problems, one sentence each (bad charset bytes, a date that does not parse, a decoder failure). */
  problems: string[];
}

/** Something a source noticed about the input as a whole (not about one message). */
export interface SourceWarning {
  /** The file concerned. */
  file: string;
  /** Optional: 1-based line. */
  line?: number;
  /** One sentence. */
  message: string;
}

/** Everything a source read. */
export interface SourceMessages {
  /** How the input was recognised. */
  kind: SourceKind;
  /** The path as given (`-` for stdin). */
  path: string;
  /** Messages in input order (file order; for a directory, file-name order, then message order). */
  messages: SourceMessage[];
  /** Input-level warnings (text before the first mbox `From ` line, skipped files). */
  warnings: SourceWarning[];
}

/**
 * A place patches come from. `read()` resolves with every message, or rejects
 * with a SourceError naming the file (and line) when the input as a whole
 * cannot be read; a single bad message never rejects, it carries `problems`.
 */
export interface PatchSource {
  /** The path as given (`-` for stdin). */
  readonly path: string;
  read(): Promise<SourceMessages>;
}
