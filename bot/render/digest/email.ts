/**
 * `digest --format email`: one plain-text mail for the list, as an mbox
 * (git format-patch's `From <hash> Mon Sep 17 00:00:00 2001` line, then
 * the headers), which git send-email sends as it sends a format-patch
 * file. Headers are composed by nodemailer's MailComposer (encoded words, folding, no header injection); the body is
 * 8bit UTF-8 wrapped at 72 columns, except URLs and `>` quoted lines, and
 * a single word longer than the line (a long path) which is never broken.
 */
import type { Digest } from '../../../analyzers/history/model.js';
import { composeHeaders } from '../review/email/headers.js';
import { digestBlocks, short } from './blocks.js';

export const EMAIL_WIDTH = 72;

export interface DigestEmailOptions {
  /** Optional: From:; default `kvm-review <kvm-review@localhost>`. */
  from?: string;
  /** Optional: To: (the list). */
  to?: string;
  /** Optional: Date:; default the window's end, so the same window gives the same mail. */
  date?: Date;
}

/** Words of `text` filled into lines of at most `width` columns, the first prefixed by `first`, the rest by `rest`. */
export function wrap(text: string, first: string, rest: string, width = EMAIL_WIDTH): string[] {
  if (/^>/.test(text) || /^\S+:\/\/\S+$/.test(text)) return [`${first}${text}`];
  const out: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/ +/).filter(Boolean)) {
    if (!empty && line.length + 1 + word.length > width) {
      out.push(line);
      line = rest;
      empty = true;
    }
    line += empty ? word : ` ${word}`;
    empty = false;
  }
  out.push(line);
  return out;
}

export function digestSubject(d: Digest): string {
  return `[kvm-review] locking.rst drift digest, ${d.trend.at(-1)?.week ?? d.window.to.date.slice(0, 10)} (${short(d.window.to.hash)})`;
}

export function renderDigestEmail(d: Digest, opts: DigestEmailOptions = {}): string {
  const date = opts.date ?? new Date(d.window.to.date);
  const headers = composeHeaders({
    from: opts.from ?? 'kvm-review <kvm-review@localhost>',
    ...(opts.to ? { to: opts.to } : {}),
    subject: digestSubject(d),
    references: [],
    date,
    messageId: `<digest-${d.window.to.hash.slice(0, 16)}-${d.trend.at(-1)?.week ?? 'window'}@kvm-review>`,
  });
  const body: string[] = [];
  for (const b of digestBlocks(d)) {
    if (b.level === 0) {
      if (body.length) body.push('');
      body.push(...wrap(b.text, '', ''), '='.repeat(Math.min(b.text.length, EMAIL_WIDTH)));
      continue;
    }
    // A table row keeps its columns.
    if (/^\d{4}-W\d{2} |^week /.test(b.text)) {
      body.push(`  ${b.text}`);
      continue;
    }
    const indent = '  '.repeat(b.level - 1);
    body.push(...wrap(b.text, indent, `${indent}    `));
  }
  body.push('', '-- ', 'kvm-review digest');
  // mboxrd: a body line starting with "From " would split the message.
  const safe = body.map((l) => (/^>*From /.test(l) ? `>${l}` : l));
  // The separator git format-patch writes (its fixed date): git send-email and git am read it as one mail.
  return `From ${d.window.to.hash} Mon Sep 17 00:00:00 2001\n${headers.join('\n')}\n\n${safe.join('\n')}\n`;
}

/** The registry's entry point. */
export const renderDigest = (d: Digest, opts: DigestEmailOptions): string => renderDigestEmail(d, opts);
