/**
 * Types for mbox-reader 1.2.0, which ships none. Only what lib/mbox-reader.js
 * really yields is declared (read from its source).
 */
declare module 'mbox-reader' {
  /** One message as mbox-reader yields it. */
  export interface MboxMessage {
    /** The address of the `From ` separator line (`MAILER-DAEMON`, a commit sha). */
    returnPath: string | undefined;
    /** The separator line's date, or false when it does not parse. */
    time: Date | false;
    /**
     * The raw RFC 822 message, separator line excluded, lines joined by LF
     * (CR dropped), one `>` removed from `>From ` lines, the final empty line
     * dropped. Bytes are kept as they were (read as latin1 and written back).
     */
    content: Buffer;
    /** Top-level headers: lower-case name to unfolded values (not MIME-decoded). */
    headers: Map<string, string[]>;
    /** IMAP flags from Status/X-Status. */
    flags: string[];
    /** Gmail labels from X-Gmail-Labels. */
    labels: string[];
    /** Bytes of input consumed so far. */
    readSize: number;
  }

  /** Options of mboxReader. */
  export interface MboxReaderOptions {
    /** The input is gzip-compressed. */
    gz?: boolean;
  }

  /**
   * Splits an mbox stream at every line that starts with `From ` and yields
   * the messages in order. Text before the first such line is dropped.
   */
  export function mboxReader(
    source: NodeJS.ReadableStream,
    options?: MboxReaderOptions,
  ): AsyncGenerator<MboxMessage, void, undefined>;
}
