/**
 * Mails that were read wrongly without a word: each input is a corpus mbox
 * read at test time and changed here the way a mailer or a hand edit does
 * (a hunk header's counts, a BOM, a diff split across parts), or a small mail
 * written here. Every part of a patch is read, or the patch fails saying why.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSeries } from '../../analyzers/series/index.js';
import { LORE, tempDir } from './paths.js';

const tmp = tempDir();

function write(name: string, content: string | Buffer): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}

/** The corpus mbox `name` (under lore/kvm), as text. */
function corpus(name: string): string {
  return readFileSync(join(LORE, 'kvm', name), 'latin1');
}

const SEPARATOR = 'From MAILER-DAEMON Thu Jan  1 00:00:00 1970';

/** The messages of an mbox, each without its separator line. */
function messagesOf(mbox: string): string[] {
  return mbox.split(`${SEPARATOR}\n`).filter((m) => m.trim() !== '');
}

/** A message's headers (up to the empty line) and body. */
function headersAndBody(message: string): { headers: string; body: string } {
  const end = message.indexOf('\n\n');
  return { headers: message.slice(0, end), body: message.slice(end + 2) };
}

/** `headers` without the fields `names` (lower case), continuation lines included. */
function withoutFields(headers: string, names: string[]): string {
  const out: string[] = [];
  let dropping = false;
  for (const line of headers.split('\n')) {
    if (/^[ \t]/.test(line) && dropping) continue;
    dropping = names.some((n) => line.toLowerCase().startsWith(`${n}:`));
    if (!dropping) out.push(line);
  }
  return out.join('\n');
}

/** A multipart/mixed message with `headers` and one part each of `parts` (an attachment when it has a file name). */
function multipart(headers: string, parts: { text: string; filename?: string }[]): string {
  const head = `${withoutFields(headers, ['content-type', 'content-transfer-encoding'])}\nContent-Type: multipart/mixed; boundary="BND"`;
  const body = parts.map((p) =>
    p.filename === undefined
      ? `--BND\nContent-Type: text/plain; charset=utf-8\n\n${p.text}\n`
      : `--BND\nContent-Type: text/x-patch; charset=utf-8\nContent-Disposition: attachment; filename="${p.filename}"\n\n${p.text}\n`,
  );
  return `${head}\n\n${body.join('')}--BND--\n`;
}

/** `text` as a regular expression that matches it literally. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function mbox(...messages: string[]): string {
  return messages.map((m) => `${SEPARATOR}\n${m.replace(/\n*$/, '\n\n')}`).join('');
}

describe('a hunk header whose counts are too small', () => {
  const ORIGINAL = corpus('arm64-vcpu-mutex-kvm-lock-inversion-v3.mbx');
  const HEADER = '@@ -2045,6 +2045,13 @@';

  it("fails the patch at the next hunk header of the file, which no file header precedes, instead of dropping the file's later hunks", async () => {
    expect(ORIGINAL.split(HEADER)).toHaveLength(2);
    const path = write('undercount.mbx', ORIGINAL.replace(HEADER, '@@ -2045,5 +2045,12 @@'));
    const lines = readFileSync(path, 'latin1').split('\n');
    const edited = lines.findIndex((l) => l.startsWith('@@ -2045,5 +2045,12 @@'));
    // The next hunk header: the edited hunk ends one line early, so this one follows text, not a hunk.
    const orphan = lines.findIndex((l, i) => i > edited && l.startsWith('@@ '));
    expect(lines.slice(edited, orphan).some((l) => l.startsWith('diff --git'))).toBe(false);

    const r = await readSeries(path);
    const patch = r.chosen?.patches.find((p) => p.index === 4);
    expect(patch?.status).toBe('failed');
    expect(patch?.reason).toMatch(/^line \d+ is a hunk header without a file header: the previous hunk's counts may be too small \(/);
    expect(patch?.reason).toContain(`(${path}:${orphan + 1})`);
    // The others are untouched.
    expect(r.chosen?.patches.map((p) => p.status)).toEqual(['ok', 'ok', 'ok', 'failed']);

    const clean = await readSeries(write('clean.mbx', ORIGINAL));
    expect(clean.chosen?.patches.map((p) => p.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('reports only where an overcounted hunk ends early, not the next hunk header as well', async () => {
    const path = write('overcount.mbx', ORIGINAL.replace(HEADER, '@@ -2045,7 +2045,14 @@'));
    const r = await readSeries(path);
    const reason = r.chosen?.patches.find((p) => p.index === 4)?.reason;
    expect(reason).toMatch(/^the hunk at body line \d+ ends early: line \d+ is not a diff line \(1 old and 1 new line still expected\) \([^;]*\)$/);
  });
});

describe('a patch whose diff is spread over the body and attachments', () => {
  const XEN = messagesOf(corpus('xen-srcu-rcu-evtchn-series.mbx'));
  // [PATCH 5/6] changes arch/x86/kvm/xen.c and include/uapi/linux/kvm.h.
  const { headers, body } = headersAndBody(XEN[4] ?? '');
  const at = body.indexOf('\ndiff --git a/include/uapi/linux/kvm.h');
  const description = body.slice(0, body.indexOf('\n---\n'));
  const xen = body.slice(body.indexOf('diff --git a/arch/x86/kvm/xen.c'), at + 1);
  const kvmH = body.slice(at + 1);
  const BOTH = ['arch/x86/kvm/xen.c', 'include/uapi/linux/kvm.h'];

  async function patchOf(name: string, message: string): Promise<{ status?: string; files?: string[]; warnings?: string[] }> {
    const r = await readSeries(write(name, mbox(message)));
    const p = r.chosen?.patches[0];
    return { status: p?.status, files: p?.files.map((f) => f.path), warnings: p?.warnings };
  }

  it('reads both files when each is in its own attachment', async () => {
    expect(xen).toMatch(/^diff --git a\/arch\/x86\/kvm\/xen.c/);
    expect(kvmH).toMatch(/^diff --git a\/include\/uapi\/linux\/kvm.h/);
    const p = await patchOf('two-attach.mbx', multipart(headers, [{ text: description }, { text: xen, filename: 'a.patch' }, { text: kvmH, filename: 'b.patch' }]));
    expect(p).toEqual({
      status: 'ok',
      files: BOTH,
      warnings: ["part of the diff is in the attachment a.patch; its body lines are the attachment's", "part of the diff is in the attachment b.patch; its body lines are the attachment's"],
    });
  });

  it('reads the body\'s file and the attached one', async () => {
    const p = await patchOf('body-and-attach.mbx', multipart(headers, [{ text: `${description}\n---\n${xen}` }, { text: kvmH, filename: 'b.patch' }]));
    expect(p).toEqual({ status: 'ok', files: BOTH, warnings: ["part of the diff is in the attachment b.patch; its body lines are the attachment's"] });
  });

  it('reads a patch sent inline and attached once, and says so', async () => {
    const p = await patchOf('inline-and-attached.mbx', multipart(headers, [{ text: `${description}\n---\n${xen}${kvmH}` }, { text: `${xen}${kvmH}`, filename: 'same.patch' }]));
    expect(p).toEqual({ status: 'ok', files: BOTH, warnings: ['the attachment same.patch repeats a diff the message already carries; read once'] });
  });

  it("names the message and the attachment when an attached part is bad", async () => {
    const bad = kvmH.replace('@@ -1767,6 +1767,7 @@', '@@ -1767,6 +1767,9 @@');
    const path = write('bad-attach.mbx', mbox(multipart(headers, [{ text: `${description}\n---\n${xen}` }, { text: bad, filename: 'b.patch' }])));
    const r = await readSeries(path);
    expect(r.chosen?.patches[0]?.status).toBe('failed');
    expect(r.chosen?.patches[0]?.reason).toMatch(new RegExp(`^the hunk at body line 5 ends early: .* ${literal(`(${path}: message 1, starting at line 1; lines of its attachment b.patch)`)}$`));
  });
});

describe('a bad diff in a decoded body', () => {
  it('names the file, the message and its first line when body lines are not file lines (base64)', async () => {
    const XEN = messagesOf(corpus('xen-srcu-rcu-evtchn-series.mbx'));
    const { headers, body } = headersAndBody(XEN[2] ?? '');
    const hunk = /^@@ -(\d+),(\d+) \+(\d+),(\d+) @@/m.exec(body);
    expect(hunk).not.toBeNull();
    const [header, a, b, c, d] = hunk ?? [];
    const bad = body.replace(header ?? '', `@@ -${a},${Number(b) + 1} +${c},${Number(d) + 1} @@`);
    const encoded = (Buffer.from(bad).toString('base64').match(/.{1,76}/g) ?? []).join('\n');
    const third = `${withoutFields(headers, ['content-transfer-encoding'])}\nContent-Transfer-Encoding: base64\n\n${encoded}\n`;
    const path = write('bad-base64.mbx', mbox(XEN[0] ?? '', XEN[1] ?? '', third));
    const separator = readFileSync(path, 'latin1').split('\n').reduce<number[]>((at, l, i) => (l === SEPARATOR ? [...at, i + 1] : at), [])[2];
    const r = await readSeries(path);
    const patch = r.chosen?.patches.find((p) => p.index === 3);
    expect(patch?.status).toBe('failed');
    expect(patch?.reason).toMatch(new RegExp(`^the hunk at body line \\d+ ends early: .* ${literal(`(${path}: message 3, starting at line ${separator})`)}$`));
  });
});

describe('where a file starts', () => {
  const XEN = messagesOf(corpus('xen-srcu-rcu-evtchn-series.mbx'));
  const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

  it('reads an mbox that starts with a UTF-8 byte order mark as the mbox it is, its lines where they were', async () => {
    const text = mbox(...XEN);
    const plain = await readSeries(write('plain.mbx', text));
    const bom = await readSeries(write('bom.mbx', Buffer.concat([BOM, Buffer.from(text, 'latin1')])));
    expect(bom.source.kind).toBe('mbox');
    const seen = (r: typeof plain): unknown[] => (r.chosen?.patches ?? []).map((p) => [p.subject, p.status, p.position.line, p.position.bodyLine]);
    expect(seen(bom)).toEqual(seen(plain));
    expect(bom.chosen?.patches).toHaveLength(6);
  });

  const third = XEN[2] ?? '';
  const subject = '[PATCH 3/6] KVM: x86/xen: Fix SRCU/RCU usage in readers of evtchn_ports';

  it('reads a lone message that starts with a byte order mark with its headers', async () => {
    const bom = await readSeries(write('bom.eml', Buffer.concat([BOM, Buffer.from(third, 'latin1')])));
    expect(bom.source.kind).toBe('message');
    expect(bom.chosen?.patches.map((p) => [p.subject, p.messageId, p.status])).toEqual([[subject, '20221226120320.1125390-3-dwmw2@infradead.org', 'ok']]);
  });

  it('reads a lone message that starts with blank lines with its headers, its lines counted past them', async () => {
    // Cut inside the first hunk: the failure names the hunk header's line in the file, counted past the blank lines.
    const lines = ['', '  ', ...third.split('\n')];
    const header = lines.findIndex((l) => l.startsWith('@@ '));
    const path = write('leading-blank.eml', lines.slice(0, header + 3).join('\n'));
    const r = await readSeries(path);
    expect(r.source.kind).toBe('message');
    const patch = r.chosen?.patches[0];
    expect([patch?.subject, patch?.messageId, patch?.position.line]).toEqual([subject, '20221226120320.1125390-3-dwmw2@infradead.org', 3]);
    expect(patch?.description).not.toContain('Message-Id:');
    expect(patch?.status).toBe('failed');
    expect(patch?.reason).toMatch(/^the body ends inside the hunk at body line \d+ .*: the mail is truncated/);
    expect(patch?.reason).toContain(`(${path}:${header + 1})`);
  });
});

describe('a series whose every patch was skipped', () => {
  const XEN = messagesOf(corpus('xen-srcu-rcu-evtchn-series.mbx'));
  const { headers, body } = headersAndBody(XEN[2] ?? '');

  it.each([
    ['[PATCH 7/6] KVM: beyond', 'its index 7 is beyond the 6 patches the series announces'],
    ['[PATCH 1/0] KVM: zero total', 'its index 1 is beyond the 0 patches the series announces'],
  ])('%s is said to be skipped, with why, not taken for a cover letter', async (subject, why) => {
    const message = `${withoutFields(headers, ['subject'])}\nSubject: ${subject}\n\n${body}`;
    const r = await readSeries(write('skipped.mbx', mbox(message)));
    expect(r.chosen).toBeNull();
    expect(r.choice).toMatch(new RegExp(`^no patch in the input can be reviewed: every patch was skipped ${literal(`("${subject}": ${why})`)}; also present: `));
    expect(r.candidates.map((c) => c.reason)).toEqual([`not reviewed: every patch of it was skipped ("${subject}": ${why})`]);
  });
});

describe('a patch sent as format=flowed', () => {
  // [PATCH v2 4/4] of the xen_lock series: kvm_host.h, then 20 hunks of xen.c.
  const XEN = messagesOf(corpus('xen-lock-leaf-lockdep-v2.mbx'));
  const { headers, body } = headersAndBody(XEN[6] ?? '');
  const head = `${withoutFields(headers, ['content-type'])}\nContent-Type: text/plain; charset=utf-8; format=flowed`;
  /** A line as a flowed sender writes it (RFC 3676 4.4): a leading space, `From ` or `>` stuffed with a space. */
  const stuffed = (l: string): string => (/^(?: |From |>)/.test(l) ? ` ${l}` : l);

  async function patchOf(name: string, lines: string[]): Promise<{ status?: string; reason?: string | null; hunks?: number[] }> {
    const r = await readSeries(write(name, mbox(`${head}\n\n${lines.join('\n')}`)));
    const p = r.chosen?.patches[0];
    return { status: p?.status, reason: p?.reason, hunks: p?.files.map((f) => f.hunks.length) };
  }

  it('fails the patch, naming the line, when a line ending in a space took the next hunk header into it', async () => {
    const plain = (await readSeries(write('unflowed.mbx', mbox(XEN[6] ?? '')))).chosen?.patches[0];
    expect(plain?.files.map((f) => f.hunks.length)).toEqual([1, 20]);
    // The last hunk header of xen.c, and the line before it with a stray trailing space: a soft line break to the decoder.
    const lines = body.split('\n').map((l) => stuffed(l.trimEnd()));
    const last = lines.map((l, i) => (l.startsWith('@@ ') ? i : -1)).filter((i) => i >= 0).pop() ?? -1;
    lines[last - 1] += ' ';
    const p = await patchOf('flowed-joined.mbx', lines);
    expect(p.status).toBe('failed');
    expect(p.reason).toMatch(new RegExp(`^format=flowed decoding joined body line ${last} with the line after it in the mail \\(${literal(lines[last] ?? '')}\\)`));
  });

  it('reads a flowed patch whose long lines the sender wrapped at spaces, as git am does', async () => {
    // A flowed sender drops the spaces that end a line (they would make a soft break) and breaks long lines after a space.
    const lines = body.split('\n').flatMap((line) => {
      const out: string[] = [];
      let rest = line.trimEnd();
      for (let cut = rest.lastIndexOf(' ', 70); rest.length > 72 && cut > 0; cut = rest.lastIndexOf(' ', 70)) {
        out.push(rest.slice(0, cut + 1));
        rest = rest.slice(cut + 1);
      }
      return [...out, rest].map(stuffed);
    });
    expect(lines.length).toBeGreaterThan(body.split('\n').length);
    expect(await patchOf('flowed-wrapped.mbx', lines)).toEqual({ status: 'ok', reason: null, hunks: [1, 20] });
  });
});
