/** A `git format-patch` mail made from two versions of one file: patches generated at test time from a tree. */
import { createTwoFilesPatch } from 'diff';

export interface PatchMail {
  file: string;
  before: string;
  after: string;
  subject: string;
  messageId: string;
  body: string;
  from?: string;
  date?: string;
}

export function formatPatchMail(p: PatchMail): string {
  const from = p.from ?? 'Test Author <test@example.org>';
  // createTwoFilesPatch starts with an "Index:" / "===" banner that git never writes.
  const diff = createTwoFilesPatch(`a/${p.file}`, `b/${p.file}`, p.before, p.after, undefined, undefined, { context: 3 }).replace(/^(?:Index:.*\n)?=+\n/m, '');
  return [
    'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001',
    `From: ${from}`,
    `Date: ${p.date ?? 'Mon, 16 Nov 2026 10:00:00 +0000'}`,
    `Subject: ${p.subject}`,
    `Message-ID: <${p.messageId}>`,
    '',
    p.body,
    '',
    `Signed-off-by: ${from}`,
    '---',
    `diff --git a/${p.file} b/${p.file}`,
    diff.replace(/\n$/, ''),
    '-- ',
    '2.47.0',
    '',
  ].join('\n');
}
