/**
 * `splat --format email`: one plain-text reply per report, as a maintainer
 * answers a bug mail: the report's first lines quoted with `> `, the answer
 * under them. An mbox, so `git send-email`-style tools and mail clients
 * read it; In-Reply-To/References point at the report's message when known.
 */
import type { PlacedReport, SplatResult } from '../../../analyzers/splat/model.js';
import { reportLines } from './text.js';

export interface SplatEmailOptions {
  /** Optional: the From: header; default `kvm-review <kvm-review@localhost>`. */
  from?: string;
  /** Optional: the Date: of every reply; default now. */
  date?: Date;
}

/** Lines of the report quoted above the answer: the header and the two locks. */
const QUOTED = 8;

function mail(r: PlacedReport, i: number, total: number, opts: SplatEmailOptions): string {
  const date = opts.date ?? new Date();
  const w = r.report.where;
  const subject = w.subject ? (/^re:/i.test(w.subject) ? w.subject : `Re: ${w.subject}`) : 'Re: lockdep report';
  const headers = [
    `From kvm-review ${date.toUTCString()}`,
    `From: ${opts.from ?? 'kvm-review <kvm-review@localhost>'}`,
    `Date: ${date.toUTCString()}`,
    `Subject: ${subject}`,
    ...(w.messageId ? [`In-Reply-To: <${w.messageId}>`, `References: <${w.messageId}>`] : []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
  ];
  const quoted = r.report.text.split('\n').slice(0, QUOTED).map((l) => `> ${l}`.trimEnd());
  const body = [...quoted, '> ...', '', ...reportLines(r, i, total), '', '-- ', 'kvm-review'];
  // mboxrd: a body line starting with "From " would split the message.
  return [...headers, '', ...body.map((l) => (/^>*From /.test(l) ? `>${l}` : l))].join('\n');
}

export function renderSplatEmail(result: SplatResult, opts: SplatEmailOptions = {}): string {
  return `${result.reports.map((r, i) => mail(r, i, result.reports.length, opts)).join('\n\n')}\n`;
}
