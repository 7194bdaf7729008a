/**
 * Bad input, generated here in a temporary directory: a clear SourceError
 * naming the file (and line) for an input that is unusable as a whole, a
 * status and reason per patch otherwise. Never a crash, never a silent drop.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { isSourceError, readSeries, type ReadSeriesOptions, type SeriesReadResult } from '../../analyzers/series/index.js';
import { HUGE_PATCH_LINES, writeHugePatchMbox } from '../helpers/huge-patch.js';
import { PUBLIC_INBOX, SERIES_FIXTURES, tempDir } from './paths.js';

const tmp = tempDir();
const DEMO_LINES = readFileSync(join(SERIES_FIXTURES, 'demo-v1-v2.mbx'), 'utf8').split('\n');

function write(name: string, content: string | Buffer): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}

/** The rejection of readSeries, which must be a SourceError. */
async function refusal(path: string, options: ReadSeriesOptions = {}): Promise<{ code: string; file: string; line: number | undefined; message: string }> {
  try {
    await readSeries(path, options);
  } catch (e) {
    if (!isSourceError(e)) throw e;
    return { code: e.code, file: e.file, line: e.line, message: e.message };
  }
  throw new Error(`${path} was accepted`);
}

/** A one-patch mbox whose body is `body`. */
function mboxWith(subject: string, body: string): string {
  return `From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nFrom: Jane Hacker <jane@example.org>\nSubject: ${subject}\nMessage-ID: <gen-${subject.length}@example.org>\nDate: Mon, 4 Mar 2024 09:00:00 +0000\n\n${body}\n`;
}

describe('inputs that are unusable as a whole', () => {
  it.each([
    ['empty.mbx', '', 'empty', undefined, 'the input is empty'],
    ['blank.mbx', '\n  \n\t\n', 'empty', undefined, 'the input holds only white space'],
    ['readme.patch', '\nThis is a README.\nNothing here is mail.\n', 'not-mail', 2, 'neither an mbox'],
    ['image.mbx', Buffer.concat([Buffer.from('PNG\nheader\n'), Buffer.from([0, 1, 2, 3])]), 'binary', 3, 'binary data (a NUL byte)'],
  ])('%s: %s', async (name, content, code, line, text) => {
    const path = write(name, content);
    const e = await refusal(path);
    expect(e).toMatchObject({ code, file: path, line });
    expect(e.message).toContain(path);
    expect(e.message).toContain(text);
  });

  it('names a missing file', async () => {
    expect(await refusal(join(tmp, 'nope.mbx'))).toMatchObject({ code: 'unreadable', message: `${join(tmp, 'nope.mbx')}: no such file or directory` });
  });

  it('names the reason in words, as the command line does, when a part of the path is a file', async () => {
    const through = join(write('plain.mbx', 'x'), 'nope.mbx');
    expect(await refusal(through)).toMatchObject({ code: 'unreadable', message: `${through}: a part of the path is not a directory` });
  });

  it('refuses an empty directory and an input over maxInputBytes, from a file or stdin', async () => {
    const dir = join(tmp, 'empty-dir');
    mkdirSync(dir);
    expect(await refusal(dir)).toMatchObject({ code: 'empty', file: dir });
    const big = write('big.mbx', mboxWith('[PATCH] x', 'y'.repeat(1000)));
    expect(await refusal(big, { maxInputBytes: 512 })).toMatchObject({ code: 'too-large', message: `${big}: 1 KiB is over the 512 bytes input limit (raise it with --max-input SIZE, e.g. 256M)` });
    expect(await refusal('-', { maxInputBytes: 512, stdin: Readable.from([Buffer.alloc(600, 'x')]) })).toMatchObject({ code: 'too-large', file: '-' });
    expect(await refusal('-', { stdin: Readable.from([]) })).toMatchObject({ code: 'empty', file: '-' });
  });

  it('names the repository when git cannot read a public-inbox range', async () => {
    const e = await refusal(PUBLIC_INBOX, { since: '0000000000000000000000000000000000000bad' });
    expect(e).toMatchObject({ code: 'git', file: PUBLIC_INBOX });
    expect(e.message).toMatch(/git rev-list failed: /);
  });
});

describe('bad patches inside good input', () => {
  it('fails a patch cut in the middle of a hunk, naming file and line, and keeps the others', async () => {
    const cut = DEMO_LINES.findIndex((l, i) => i > 78 && l === '+\tmutex_lock(&kvm->slots_lock);');
    const path = write('truncated.mbx', DEMO_LINES.slice(0, cut + 1).join('\n'));
    const r = await readSeries(path);
    const hunkLine = DEMO_LINES.indexOf('@@ -10,9 +10,11 @@ static int demo_users;') + 1;
    expect(r.source.messages).toBe(3);
    expect(r.chosen?.patches.map((p) => [p.index, p.status])).toEqual([[1, 'ok'], [2, 'failed']]);
    expect(r.chosen?.patches[1]?.reason).toMatch(/the body ends inside the hunk at body line \d+ .*: the mail is truncated/);
    expect(r.chosen?.patches[1]?.reason).toContain(`(${path}:${hunkLine})`);
  });

  it('fails a patch mail cut inside its headers', async () => {
    const path = write('headers-only.mbx', DEMO_LINES.slice(0, 82).join('\n'));
    const r = await readSeries(path);
    expect(r.chosen?.patches.map((p) => [p.index, p.status, p.reason])).toEqual([
      [1, 'ok', null],
      [2, 'failed', 'no diff in the message: it is truncated, or the patch is not in a text part'],
    ]);
  });

  it('parses a 10 MB patch, and skips it with its size as the reason over maxPatchBytes', async () => {
    const path = writeHugePatchMbox(join(tmp, 'huge.mbx'));
    const n = HUGE_PATCH_LINES;
    expect(readFileSync(path).length).toBeGreaterThan(10 * 1024 * 1024);
    // Its time (mbox-reader fed the file as one chunk took 70 s, quadratic) is `npm run bench`'s to print.
    const ok = await readSeries(path);
    expect(ok.chosen?.patches[0]).toMatchObject({ status: 'ok', files: [{ path: 'drivers/demo/regs.h', isNew: true, additions: n }] });
    const skipped = await readSeries(path, { maxPatchBytes: 1024 * 1024 });
    expect(skipped.chosen?.patches[0]).toMatchObject({ status: 'skipped', files: [] });
    expect(skipped.chosen?.patches[0]?.reason).toMatch(/^the body is 10\.\d MiB, over the 1\.0 MiB patch limit \(maxPatchBytes\): not parsed$/);
  });

  it('skips a patch mail whose only change is a git binary patch', async () => {
    const body = ['Update the logo.', '---', 'diff --git a/logo.png b/logo.png', 'index 029ace0..d186a24 100644', 'GIT binary patch', 'literal 18', 'ZcmeAS@N?(olHy`uVBq!ia0y~y1OOmw0^a}t', '', 'literal 16', 'XcmeAS@N?(olHy`uVBq!ia0vnc8m<D~', '', '-- ', '2.43.0'].join('\n');
    const r = await readSeries(write('binary.mbx', mboxWith('[PATCH] demo: New logo', body)));
    expect(r.chosen?.patches[0]).toMatchObject({ status: 'skipped', reason: 'only binary changes (logo.png): nothing to review', files: [{ isBinary: true }] });
  });

  it('reviews a plain diff with a Latin-1 byte, with a warning that names the line', async () => {
    const text = Buffer.concat([
      Buffer.from('diff --git a/virt/kvm/x.c b/virt/kvm/x.c\n--- a/virt/kvm/x.c\n+++ b/virt/kvm/x.c\n@@ -1,2 +1,2 @@\n a\n-/* caf'),
      Buffer.from([0xe9]),
      Buffer.from(' */\n+/* cafe */\n'),
    ]);
    const r = await readSeries(write('latin1.diff', text));
    const patch = r.chosen?.patches[0];
    expect(patch?.status).toBe('ok');
    expect(patch?.warnings).toEqual(['not valid UTF-8 from line 6; 1 invalid byte sequence read as U+FFFD']);
    expect(patch?.files[0]?.hunks[0]?.lines[1]).toEqual({ type: 'del', oldLine: 2, content: '/* caf\uFFFD */' });
  });

  it('counts several invalid byte sequences in the plural', async () => {
    const text = Buffer.concat([
      Buffer.from('diff --git a/virt/kvm/x.c b/virt/kvm/x.c\n--- a/virt/kvm/x.c\n+++ b/virt/kvm/x.c\n@@ -1,2 +1,2 @@\n a\n-/* caf'),
      Buffer.from([0xe9]),
      Buffer.from(' na'),
      Buffer.from([0xef]),
      Buffer.from('ve */\n+/* cafe naive */\n'),
    ]);
    const r = await readSeries(write('latin1-2.diff', text));
    const patch = r.chosen?.patches[0];
    expect(patch?.status).toBe('ok');
    expect(patch?.warnings).toEqual(['not valid UTF-8 from line 6; 2 invalid byte sequences read as U+FFFD']);
  });

  it('warns about a patch sent as format=flowed, whose diff may be damaged', async () => {
    const mail = mboxWith('[PATCH] demo: flowed', 'x').replace('\n\nx', '\nContent-Type: text/plain; charset=utf-8; format=flowed\n\nWhy.\n---\ndiff --git a/a.c b/a.c\n--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-a\n+b');
    const r = await readSeries(write('flowed.mbx', mail));
    expect(r.chosen?.patches[0]?.warnings).toEqual(['sent as format=flowed: lines ending in a space were joined and leading spaces may be lost, so the diff may be damaged']);
  });
});

describe('every patch message is accounted for', () => {
  /** Messages the result shows, wherever they went. */
  function accounted(r: SeriesReadResult): number {
    const inSeries = r.series.reduce((n, s) => n + (s.cover ? 1 : 0) + s.patches.length + s.duplicates.length + s.followUps.length, 0);
    return inSeries + r.orphanFollowUps.length + r.others.length;
  }

  it.each(['demo-v1-v2.mbx', 'missing-patch.mbx', 'format-patch', 'plain.diff'])('%s', async (name) => {
    const r = await readSeries(join(SERIES_FIXTURES, name));
    expect(accounted(r)).toBe(r.source.messages);
  });

  it('turns a patch-like message without a [PATCH] tag into a patch with a warning, and a quoted diff into nothing', async () => {
    const diff = 'diff --git a/a.c b/a.c\n--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-a\n+b';
    const quoted = diff.split('\n').map((l) => `> ${l}`).join('\n');
    const mbox = mboxWith('KVM: demo: untagged', diff) + '\n' + mboxWith('Thoughts on the demo', `Someone wrote:\n${quoted}\n\nI like it.`);
    const r = await readSeries(write('untagged.mbx', mbox));
    expect(r.series.flatMap((s) => s.patches.map((p) => [p.title, p.status, p.warnings]))).toEqual([
      ['KVM: demo: untagged', 'ok', ['no [PATCH] tag in the subject; taken as a patch because it carries a diff']],
    ]);
    expect(r.others.map((o) => o.subject)).toEqual(['Thoughts on the demo']);
  });
});
