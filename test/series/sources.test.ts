/**
 * The sources: splitting, positions, decoding (quoted-printable, base64,
 * charsets), format-patch files and directories, lone messages, stdin.
 * Inputs are the fixtures in fixtures/series and files generated here.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { openSource, readBytes, type SourceMessages } from '../../analyzers/sources/index.js';
import { splitMbox } from '../../analyzers/sources/mbox-split.js';
import { SERIES_FIXTURES, tempDir } from './paths.js';

const DEMO = join(SERIES_FIXTURES, 'demo-v1-v2.mbx');

async function read(path: string, stdin?: NodeJS.ReadableStream): Promise<SourceMessages> {
  return (await openSource(path, stdin ? { stdin } : {})).read();
}

describe('an mbox of whole threads (demo-v1-v2.mbx)', () => {
  it('splits nine messages and gives each its number and separator line', async () => {
    const read1 = await read(DEMO);
    expect(read1.kind).toBe('mbox');
    expect(read1.warnings).toEqual([]);
    expect(read1.messages.map((m) => [m.position.index, m.position.line])).toEqual([
      [1, 1], [2, 22], [3, 78], [4, 117], [5, 136], [6, 155], [7, 212], [8, 230], [9, 249],
    ]);
    expect(read1.messages.every((m) => m.position.file === DEMO)).toBe(true);
  });

  it('keeps the thread headers, author and date', async () => {
    const m = (await read(DEMO)).messages[5];
    expect(m).toMatchObject({
      messageId: '20240311090000.2000-2-jane@example.org',
      inReplyTo: '20240311090000.2000-1-jane@example.org',
      references: ['20240304090000.1000-1-jane@example.org', '20240311090000.2000-1-jane@example.org'],
      subject: '[PATCH v2 1/2] KVM: demo: Add demo_lock',
      from: { name: 'Jane Hacker', email: 'jane@example.org' },
      date: '2024-03-11T09:00:01.000Z',
      synthetic: false,
      problems: [],
    });
  });

  it('decodes quoted-printable (soft breaks, UTF-8) and base64 bodies', async () => {
    const messages = (await read(DEMO)).messages;
    const qp = messages[5]?.body ?? '';
    expect(qp).toContain('This line is long on purpose, so that quoted-printable has to break it.');
    expect(qp).toContain('Reported-by: Zoé Tester <zoe@example.net>');
    expect(qp).toContain('+ * Lock order: kvm->slots_lock is taken outside demo_lock.');
    const b64 = messages[6]?.body ?? '';
    expect(b64).toContain('diff --git a/virt/kvm/demo.c b/virt/kvm/demo.c');
    expect(b64).toContain('+\tmutex_lock(&kvm->slots_lock);');
  });

  it('maps body lines to file lines only for undecoded bodies', async () => {
    const messages = (await read(DEMO)).messages;
    expect(messages[1]?.position.bodyLine).toBe(34);
    expect(readFileSync(DEMO, 'utf8').split('\n')[33]).toBe('Add a small device whose user count is protected by demo_lock.');
    expect(messages[5]?.position.bodyLine).toBeUndefined();
    expect(messages[6]?.position.bodyLine).toBeUndefined();
  });

  it('does not split at an unescaped body line starting with From, and unescapes >From', async () => {
    const body = (await read(DEMO)).messages[1]?.body ?? '';
    expect(body).toContain("\nFrom the memslot code's point of view nothing changes yet.\nFrom a reader's side, the same holds.\n");
  });

  it('reads the same bytes from stdin as `-`', async () => {
    const viaStdin = await read('-', Readable.from([readFileSync(DEMO)]));
    expect(viaStdin.path).toBe('-');
    expect(viaStdin.messages).toHaveLength(9);
    expect(viaStdin.messages[8]?.position).toEqual({ file: '-', index: 9, line: 249, bodyLine: 260 });
    expect(readFileSync(DEMO, 'utf8').split('\n')[259]).toBe('On Tue, Mar 12, 2024, Rob Reviewer wrote:');
  });
});

describe('git format-patch output', () => {
  const dir = join(SERIES_FIXTURES, 'format-patch');

  it('reads a directory in file-name order, one message per file', async () => {
    const r = await read(dir);
    expect(r.kind).toBe('directory');
    expect(r.messages.map((m) => [m.subject, m.position.index, m.position.line])).toEqual([
      ['[PATCH 0/2] KVM: demo: Order demo_lock inside slots_lock', 1, 1],
      ['[PATCH 1/2] KVM: demo: Take slots_lock around demo_users', 1, 1],
      ['[PATCH 2/2] Documentation: demo: Write down the demo_lock order', 1, 1],
    ]);
    expect(r.messages[1]?.position.file).toBe(join(dir, '0001-KVM-demo-Take-slots_lock-around-demo_users.patch'));
  });

  it('keeps an unescaped From line of a commit message inside its message', async () => {
    const file = join(dir, '0001-KVM-demo-Take-slots_lock-around-demo_users.patch');
    const r = await read(file);
    expect(r.kind).toBe('format-patch');
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]?.body).toContain('\nFrom the memslot side nothing changes: it already holds slots_lock.\n');
  });

  it('lists files it does not read and files it cannot read in the warnings', async () => {
    const tmp = tempDir();
    writeFileSync(join(tmp, '0001-a.patch'), readFileSync(join(dir, '0001-KVM-demo-Take-slots_lock-around-demo_users.patch')));
    writeFileSync(join(tmp, '0002-empty.patch'), '');
    writeFileSync(join(tmp, 'notes.txt'), 'not a patch\n');
    const r = await read(tmp);
    expect(r.messages).toHaveLength(1);
    expect(r.warnings).toEqual([
      { file: join(tmp, '0002-empty.patch'), message: 'skipped: the input is empty' },
      { file: join(tmp, 'notes.txt'), message: 'not a .patch/.diff/.mbx/.mbox/.eml file; skipped' },
    ]);
  });
  it('a directory with no patch: each file read and refused is named with its reason, those skipped for their names are counted', async () => {
    const tmp = tempDir();
    writeFileSync(join(tmp, '0001-empty.patch'), '');
    writeFileSync(join(tmp, 'reply.eml'), 'hello\n');
    for (const n of ['a.sh', 'b.txt', 'c.json', 'd.c', 'e.h']) writeFileSync(join(tmp, n), 'x\n');
    await expect(read(tmp)).rejects.toThrow(
      `${tmp}: no patch or mail files in this directory; 0001-empty.patch: skipped: the input is empty; reply.eml:1: skipped: neither an mbox (no 'From ' separator line), a mail message (no headers) nor a diff (no 'diff --git' or '---'/'+++' lines); 5 files are not named .patch, .diff, .mbx, .mbox or .eml (a.sh, b.txt, c.json and 2 more)`,
    );
    const one = tempDir();
    writeFileSync(join(one, 'notes.txt'), 'x\n');
    await expect(read(one)).rejects.toThrow(`${one}: no patch or mail files in this directory; 1 file is not named .patch, .diff, .mbx, .mbox or .eml (notes.txt)`);
  });
});

describe('single messages and charsets', () => {
  /** A one-part mail with the given charset parameter (or none) and raw body bytes. */
  function mail(charset: string | null, body: Buffer): Buffer {
    const type = charset ? `text/plain; charset=${charset}` : 'text/plain';
    const head = `From: Jane Hacker <jane@example.org>\nSubject: [PATCH] demo: note\nMessage-ID: <lone@example.org>\nDate: Mon, 4 Mar 2024 09:00:00 +0000\nContent-Type: ${type}\nContent-Transfer-Encoding: 8bit\n\n`;
    return Buffer.concat([Buffer.from(head), body]);
  }
  const latin1 = Buffer.from('Caf\xe9 lock.\n', 'latin1');

  it('reads a lone message with no mbox separator', async () => {
    const r = await readBytes(mail('utf-8', Buffer.from('Hello.\n')), 'lone.eml');
    expect(r.kind).toBe('message');
    expect(r.messages[0]).toMatchObject({ messageId: 'lone@example.org', body: 'Hello.\n', position: { file: 'lone.eml', index: 1, line: 1, bodyLine: 8 } });
  });

  it('decodes a declared Latin-1 body', async () => {
    const m = (await readBytes(mail('iso-8859-1', latin1), 'latin1.eml')).messages[0];
    expect(m?.body).toBe('Café lock.\n');
    expect(m?.problems).toEqual([]);
  });

  it('reports bytes that are not valid in the declared (default UTF-8) charset', async () => {
    const m = (await readBytes(mail(null, latin1), 'bad.eml')).messages[0];
    expect(m?.body).toBe('Caf\uFFFD lock.\n');
    expect(m?.problems).toEqual(['1 character of the body is not valid in its declared charset and read as U+FFFD']);
  });

  it('counts several such bytes in the plural', async () => {
    const m = (await readBytes(mail(null, Buffer.from('Caf\xe9 na\xefve \xfcber lock.\n', 'latin1')), 'bad3.eml')).messages[0];
    expect(m?.body).toBe('Caf\uFFFD na\uFFFDve \uFFFDber lock.\n');
    expect(m?.problems).toEqual(['3 characters of the body are not valid in its declared charset and read as U+FFFD']);
  });

  it('says how many lines before the first From line were ignored, in the singular and the plural', async () => {
    // sniff.ts calls such a file no mbox at all; the splitter is what still says it, for a caller that names the layout.
    const mbox = (preamble: string): Buffer => Buffer.concat([Buffer.from(`${preamble}From x@y Mon Mar  4 09:00:00 2024\n`), mail('utf-8', Buffer.from('Hello.\n'))]);
    const one = splitMbox(mbox('stray note\n'), { file: 'one.mbx', layout: 'mbox' });
    expect(one.warnings.map((w) => w.message)).toEqual(["1 non-empty line before the first mbox 'From ' line was ignored"]);
    const two = splitMbox(mbox('stray note\n\nanother\n'), { file: 'two.mbx', layout: 'mbox' });
    expect(two.warnings.map((w) => w.message)).toEqual(["2 non-empty lines before the first mbox 'From ' line were ignored"]);
  });

  it('splits only at separators, reads CRLF as LF, and takes one > off an escape only in an mbox', () => {
    const sep = 'From x@y Mon Mar  4 09:00:00 2024';
    const body = 'Subject: one\r\n  folded\r\n\r\nFrom the start, we hold kvm->lock.\r\n>From an escape\r\n';
    const text = `${sep}\n${body}\n${sep}\nSubject: two\n\nend`;
    const mbox = splitMbox(Buffer.from(text), { file: 'f.mbx', layout: 'mbox' });
    expect(mbox.warnings).toEqual([]);
    expect(mbox.messages.map((m) => [m.line, m.contentLine])).toEqual([[1, 2], [8, 9]]);
    expect(mbox.messages[0]?.content.toString()).toBe('Subject: one\n  folded\n\nFrom the start, we hold kvm->lock.\nFrom an escape');
    expect(mbox.messages[0]?.headers.get('subject')).toEqual(['one folded']);
    expect(mbox.messages[1]?.content.toString()).toBe('Subject: two\n\nend');
    const patch = splitMbox(Buffer.from(text), { file: 'f.patch', layout: 'format-patch' });
    expect(patch.messages[0]?.content.toString()).toBe('Subject: one\n  folded\n\nFrom the start, we hold kvm->lock.\n>From an escape');
  });

  it('counts a >From line before the first separator of a format-patch file among the ignored lines', () => {
    // There it is text, not an escape, and nothing before the first separator is read: dropping it unsaid would be silent.
    const text = '>From the cover letter\nFrom 1234 Mon Sep 17 00:00:00 2001\nSubject: x\n\nbody\n';
    const split = splitMbox(Buffer.from(text), { file: 'f.patch', layout: 'format-patch' });
    expect(split.warnings.map((w) => w.message)).toEqual(["1 non-empty line before the first mbox 'From ' line was ignored"]);
    expect(split.messages.map((m) => m.content.toString())).toEqual(['Subject: x\n\nbody']);
  });

  it('reports a charset the decoder does not know (postal-mime reads it as windows-1252 and says nothing)', async () => {
    const m = (await readBytes(mail('x-made-up-8bit', latin1), 'unknown.eml')).messages[0];
    expect(m?.body).toBe('Café lock.\n');
    expect(m?.problems).toEqual(['charset "x-made-up-8bit" is not one the mail decoder knows; that text was read as windows-1252 and its non-ASCII characters may be wrong']);
  });

  it('does not report a label only postal-mime knows, nor windows-1252 under its aliases', async () => {
    const sjis = Buffer.from([0x83, 0x65, 0x83, 0x58, 0x83, 0x67, 0x0a]);
    for (const [label, body, text] of [
      ['cp932', sjis, 'テスト\n'],
      ['x-sjis', sjis, 'テスト\n'],
      ['"us-ascii"', Buffer.from('Plain.\n'), 'Plain.\n'],
      ['windows-1252', latin1, 'Café lock.\n'],
    ] as const) {
      const m = (await readBytes(mail(label, body), 'known.eml')).messages[0];
      expect([label, m?.body, m?.problems]).toEqual([label, text, []]);
    }
  });

  /** A one-part mail naming no charset, its body in a transfer encoding; `type` null: no Content-Type at all. */
  function encoded(cte: 'base64' | 'quoted-printable', body: Buffer, type: string | null = 'text/plain'): Buffer {
    const payload = cte === 'base64' ? `${body.toString('base64')}\n` : [...body].map((c) => (c > 0x7e || c === 0x3d ? `=${c.toString(16).toUpperCase()}` : String.fromCharCode(c))).join('');
    const head = `From: Jane Hacker <jane@example.org>\nSubject: [PATCH] demo: note\nMessage-ID: <enc@example.org>\n${type ? `Content-Type: ${type}\n` : ''}Content-Transfer-Encoding: ${cte}\n\n`;
    return Buffer.from(head + payload);
  }

  it.each(['base64', 'quoted-printable'] as const)('says when a %s body that names no charset is not UTF-8 (postal-mime reads it as windows-1252 and says nothing)', async (cte) => {
    const m = (await readBytes(encoded(cte, latin1), 'enc.eml')).messages[0];
    expect(m?.body).toBe('Café lock.\n');
    expect(m?.problems).toEqual(['1 character of a part that names no charset is not valid UTF-8; the mail decoder read that part as windows-1252, so its non-ASCII characters may be wrong']);
    // The same with no Content-Type header at all, and in the plural.
    const none = (await readBytes(encoded(cte, Buffer.from('Caf\xe9 na\xefve.\n', 'latin1'), null), 'none.eml')).messages[0];
    expect(none?.problems).toEqual(['2 characters of a part that names no charset are not valid UTF-8; the mail decoder read that part as windows-1252, so its non-ASCII characters may be wrong']);
  });

  it('says nothing of such a body that is UTF-8, nor of one whose charset is named', async () => {
    for (const [type, body, text] of [
      ['text/plain', Buffer.from('Café — lock.\n'), 'Café — lock.\n'],
      ['text/plain; charset=iso-8859-1', latin1, 'Café lock.\n'],
    ] as const) {
      const m = (await readBytes(encoded('base64', body, type), 'ok.eml')).messages[0];
      expect([type, m?.body, m?.problems]).toEqual([type, text, []]);
    }
  });

  it('counts the part of a multipart message that names no charset, not the one that names its own', async () => {
    const part = (type: string, body: Buffer): string => `--b1\nContent-Type: ${type}\nContent-Transfer-Encoding: base64\n\n${body.toString('base64')}\n`;
    const raw = Buffer.from(
      [
        'From: Jane Hacker <jane@example.org>',
        'Subject: [PATCH] demo: two parts',
        'Message-ID: <multi@example.org>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b1"',
        '',
        part('text/plain; charset=iso-8859-1', latin1),
        part('text/plain', Buffer.from('na\xefve \xfcber\n', 'latin1')),
        '--b1--',
        '',
      ].join('\n'),
    );
    const m = (await readBytes(raw, 'multi.eml')).messages[0];
    expect(m?.body).toContain('Café lock.');
    expect(m?.problems).toEqual(['2 characters of a part that names no charset are not valid UTF-8; the mail decoder read that part as windows-1252, so its non-ASCII characters may be wrong']);
  });
});

describe('a format=flowed reply (RFC 3676)', () => {
  /** A reply sent flowed, quoting a two-paragraph mail; `>` lines as a flowed mailer writes them. */
  const reply = [
    'From: Jane Hacker <jane@example.org>',
    'Subject: Re: [PATCH] demo: note',
    'Message-ID: <reply@example.org>',
    'Content-Type: text/plain; charset=us-ascii; format=flowed',
    'Content-Transfer-Encoding: 7bit',
    '',
    'On 1/1/21, Joe wrote:',
    '> The count is elevated ',
    '> here.',
    '> ',
    '> Hrmph, I hate to ask.',
    '',
    'Reply.',
    '',
  ].join('\n');

  it('joins a quoted flowed line with the next line of its depth, and keeps a quoted empty line as one', async () => {
    const m = (await readBytes(Buffer.from(reply), 'reply.eml')).messages[0];
    // Joined across the "> " line before, the quoted paragraphs ran together as "> > Hrmph".
    expect(m?.body).toBe('On 1/1/21, Joe wrote:\n> The count is elevated here.\n> \n> Hrmph, I hate to ask.\n\nReply.\n');
    expect(m?.flowedJoins).toEqual([{ line: 2, continuations: ['here.'] }]);
    expect(m?.problems).toEqual([]);
  });
});
