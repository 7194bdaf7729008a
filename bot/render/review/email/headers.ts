/**
 * The header block of a reply, composed by nodemailer's MailComposer: it
 * encodes names and subjects as RFC 2047 words, quotes display names and
 * folds long lines (RFC 5322 §2.1.1: at most 78 characters), so none of
 * that is written by hand here. The body is ours and goes out as 8bit
 * UTF-8, the way kernel mail is sent: MailComposer only chooses
 * quoted-printable or base64 for a body, which git am and list readers
 * handle, but reviewers quoting the reply would not.
 */
import MailComposer from 'nodemailer/lib/mail-composer';

export interface ReplyHeaders {
  from: string;
  /** Optional: the patch author. */
  to?: string;
  subject: string;
  /** Optional: the Message-ID replied to, with angle brackets. */
  inReplyTo?: string;
  /** Message-IDs of the thread, with angle brackets, oldest first. */
  references: string[];
  date: Date;
  messageId: string;
}

/** The header lines (LF line ends, no trailing blank line). */
export function composeHeaders(h: ReplyHeaders): string[] {
  const node = new MailComposer({
    from: h.from,
    ...(h.to ? { to: h.to } : {}),
    subject: h.subject,
    ...(h.inReplyTo ? { inReplyTo: h.inReplyTo } : {}),
    ...(h.references.length ? { references: h.references } : {}),
    date: h.date,
    messageId: h.messageId,
  }).compile();
  node.setHeader('Content-Type', 'text/plain; charset=utf-8');
  node.setHeader('Content-Transfer-Encoding', '8bit');
  return node.buildHeaders().split(/\r?\n/);
}
