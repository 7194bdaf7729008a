/**
 * Diff parsing: the plain.diff fixture against its golden file (every kind
 * of file change git writes), then hand-made bodies for what goes wrong in
 * mail: truncated and mangled hunks, binary-only patches, quilt diffs,
 * signatures, quoted diffs.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assemble, readSeries, type PatchEntry } from '../../analyzers/series/index.js';
import { readBytes } from '../../analyzers/sources/index.js';
import { SERIES_FIXTURES } from './paths.js';

/** The one patch of a plain diff given as text. */
async function patchOf(text: string, name = 'inline.diff'): Promise<PatchEntry> {
  const result = assemble(await readBytes(Buffer.from(text), name));
  const patch = result.chosen?.patches[0];
  if (!patch) throw new Error(`no patch in ${name}: ${result.choice}`);
  return patch;
}

const HUNK = ['diff --git a/virt/kvm/x.c b/virt/kvm/x.c', 'index 1111111..2222222 100644', '--- a/virt/kvm/x.c', '+++ b/virt/kvm/x.c'];

describe('plain.diff (golden: plain.diff.json)', () => {
  it('parses every file change kind into the golden files, hunks and lines', async () => {
    const result = await readSeries(join(SERIES_FIXTURES, 'plain.diff'));
    expect(result.source).toEqual({ path: join(SERIES_FIXTURES, 'plain.diff'), kind: 'diff', messages: 1 });
    const patch = result.chosen?.patches[0];
    expect(patch).toMatchObject({ index: 1, status: 'ok', reason: null, title: 'plain.diff', messageId: null, author: null });
    const golden: unknown = JSON.parse(readFileSync(join(SERIES_FIXTURES, 'plain.diff.json'), 'utf8'));
    expect(patch?.files).toEqual(golden);
  });

  it('flags binary, mode, new, renamed, deleted files and a pure rename', async () => {
    const files = (await readSeries(join(SERIES_FIXTURES, 'plain.diff'))).chosen?.patches[0]?.files ?? [];
    const flags = files.map((f) => [f.path, f.isBinary, f.isNew, f.isDeleted, f.isRenamed, f.hunks.length]);
    expect(flags).toEqual([
      ['logo.png', true, false, false, false, 0],
      ['tools/run.sh', false, false, false, false, 0],
      ['virt/kvm/demo.c', false, false, false, false, 2],
      ['virt/kvm/fresh.c', false, true, false, false, 1],
      ['virt/kvm/new_name.c', false, false, false, true, 1],
      ['virt/kvm/obsolete.txt', false, false, true, false, 1],
      ['virt/kvm/renamed.txt', false, false, false, true, 0],
      ['virt/kvm/tail.txt', false, false, false, false, 1],
    ]);
    expect(files[1]).toMatchObject({ oldMode: '100644', newMode: '100755' });
    expect(files[4]).toMatchObject({ oldPath: 'virt/kvm/old_name.c', newPath: 'virt/kvm/new_name.c', similarity: 95 });
    expect(files[6]).toMatchObject({ oldPath: 'virt/kvm/moved.txt', newPath: 'virt/kvm/renamed.txt', similarity: 100 });
  });

  it('keeps old and new line numbers on every line and drops the no-newline marker', async () => {
    const files = (await readSeries(join(SERIES_FIXTURES, 'plain.diff'))).chosen?.patches[0]?.files ?? [];
    const second = files[2]?.hunks[1];
    expect(second?.lines.slice(2, 6)).toEqual([
      { type: 'normal', oldLine: 23, newLine: 24, content: '\tmutex_lock(&demo_lock);' },
      { type: 'del', oldLine: 24, content: '\tdemo_users--;' },
      { type: 'add', newLine: 25, content: '\tif (demo_users)' },
      { type: 'add', newLine: 26, content: '\t\tdemo_users--;' },
    ]);
    const tail = files[7]?.hunks[0]?.lines ?? [];
    expect(tail.map((l) => [l.type, l.noNewlineAtEnd ?? false])).toEqual([['del', true], ['add', false], ['add', true]]);
    expect(tail.some((l) => l.content.startsWith('\\'))).toBe(false);
  });
});

describe('diffs that go wrong in mail', () => {
  it('fails a hunk cut short by the end of the mail, naming the body line', async () => {
    const patch = await patchOf([...HUNK, '@@ -1,4 +1,5 @@', ' a', '+b', ' c'].join('\n'));
    expect(patch.status).toBe('failed');
    expect(patch.reason).toMatch(/ends inside the hunk at body line 5 .*truncated/);
    expect(patch.reason).toContain('inline.diff:');
    expect(patch.files).toEqual([]);
  });

  it('fails a hunk interrupted by a line that is not a diff line', async () => {
    const patch = await patchOf([...HUNK, '@@ -1,3 +1,3 @@', ' a', 'garbage', ' c'].join('\n'));
    expect(patch.status).toBe('failed');
    expect(patch.reason).toMatch(/ends early: line 7 is not a diff line/);
  });

  it('fails a hunk with more lines of one side than its header says', async () => {
    const patch = await patchOf([...HUNK, '@@ -1,1 +1,2 @@', '-a', '-b', '+c'].join('\n'));
    expect(patch.status).toBe('failed');
    expect(patch.reason).toMatch(/more old lines than its header says/);
  });

  it('fails a combined (merge) diff it cannot read', async () => {
    const patch = await patchOf(['diff --cc virt/kvm/x.c', 'index 1,2..3', '@@@ -1,1 -1,1 +1,1 @@@', '- a', ' +b'].join('\n'));
    expect(patch.status).toBe('failed');
  });

  it('fails a file header with no hunks after it', async () => {
    const patch = await patchOf([...HUNK, 'diff --git a/y.c b/y.c', '--- a/y.c', '+++ b/y.c', '@@ -1 +1 @@', '-a', '+b'].join('\n'));
    expect(patch.status).toBe('failed');
    expect(patch.reason).toMatch(/the diff of virt\/kvm\/x.c at body line 1 has a header but no hunks/);
  });

  it('skips a patch whose only change is binary, saying so', async () => {
    const patch = await patchOf(['diff --git a/fw.bin b/fw.bin', 'index 1111111..2222222 100644', 'Binary files a/fw.bin and b/fw.bin differ', ''].join('\n'));
    expect(patch).toMatchObject({ status: 'skipped', reason: 'only binary changes (fw.bin): nothing to review' });
    expect(patch.files[0]).toMatchObject({ path: 'fw.bin', isBinary: true, hunks: [] });
  });

  it('skips a patch that only changes modes, or modes and binaries, naming each mode change', async () => {
    const mode = ['diff --git a/scripts/kvm.sh b/scripts/kvm.sh', 'old mode 100644', 'new mode 100755'];
    expect(await patchOf([...mode, ''].join('\n'))).toMatchObject({ status: 'skipped', reason: 'only mode changes (scripts/kvm.sh 100644 -> 100755): nothing to review' });
    const binary = ['diff --git a/fw.bin b/fw.bin', 'index 1111111..2222222 100644', 'Binary files a/fw.bin and b/fw.bin differ'];
    expect(await patchOf([...binary, ...mode, ''].join('\n'))).toMatchObject({ status: 'skipped', reason: 'only binary and mode changes (fw.bin, scripts/kvm.sh 100644 -> 100755): nothing to review' });
    // With a hunk besides, the patch is read: the mode change is carried along, not a reason to skip it.
    expect(await patchOf([...mode, ...HUNK, '@@ -1 +1 @@', '-a', '+b', ''].join('\n'))).toMatchObject({ status: 'ok' });
  });

  it('reads a quilt diff (no diff --git) with timestamps on the file lines', async () => {
    const patch = await patchOf(['Index: x.c', '===', '--- a/virt/kvm/x.c\t2024-01-01 10:00:00.000000000 +0000', '+++ b/virt/kvm/x.c\t2024-01-02 10:00:00.000000000 +0000', '@@ -2,2 +2,2 @@', ' a', '-b', '+c', ''].join('\n'));
    expect(patch.status).toBe('ok');
    expect(patch.files[0]).toMatchObject({ path: 'virt/kvm/x.c', oldPath: 'virt/kvm/x.c', isRenamed: false });
    expect(patch.files[0]?.hunks[0]?.lines).toEqual([
      { type: 'normal', oldLine: 2, newLine: 2, content: 'a' },
      { type: 'del', oldLine: 3, content: 'b' },
      { type: 'add', newLine: 3, content: 'c' },
    ]);
  });

  it('does not read the mail signature as a deleted line, and counts an emptied context line', async () => {
    const patch = await patchOf([...HUNK, '@@ -1,3 +1,3 @@', ' a', '', '-b', '+c', '-- ', '2.43.0', ''].join('\n'));
    expect(patch.status).toBe('ok');
    expect(patch.files[0]?.hunks[0]?.lines.map((l) => l.type)).toEqual(['normal', 'normal', 'del', 'add']);
    expect(patch.files[0]?.deletions).toBe(1);
  });

  it('gives every file of a multi-file patch, each with its body line', async () => {
    const two = [...HUNK, '@@ -1 +1 @@', '-a', '+b', 'diff --git a/y.c b/y.c', '--- a/y.c', '+++ b/y.c', '@@ -5 +5 @@', '-c', '+d'].join('\n');
    const patch = await patchOf(`Why this change.\n---\n${two}\n`);
    expect(patch.description).toBe('Why this change.');
    expect(patch.files.map((f) => [f.path, f.bodyLine, f.hunks[0]?.bodyLine])).toEqual([['virt/kvm/x.c', 3, 7], ['y.c', 10, 13]]);
  });
});

describe('patches in MIME parts', () => {
  const DIFF = 'diff --git a/a.c b/a.c\n--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-a\n+b\n';
  const head = (type: string): string =>
    `From: Jane Hacker <jane@example.org>\nSubject: [PATCH] demo: mime\nMessage-ID: <mime@example.org>\nMIME-Version: 1.0\nContent-Type: ${type}\n\n`;

  it('reads the diff from the text/plain part of multipart/alternative, not the HTML', async () => {
    const mail = `${head('multipart/alternative; boundary="b1"')}--b1\nContent-Type: text/plain\n\nWhy.\n---\n${DIFF}--b1\nContent-Type: text/html\n\n<p>Why.</p>\n--b1--\n`;
    const r = assemble(await readBytes(Buffer.from(mail), 'alt.eml'));
    expect(r.chosen?.patches[0]).toMatchObject({ status: 'ok', description: 'Why.', files: [{ path: 'a.c' }], warnings: [] });
  });

  it.each(['application/x-patch', 'application/x-diff'])('reads a patch attached as %s with no file name', async (type) => {
    const mail = `${head('multipart/mixed; boundary="b3"')}--b3\nContent-Type: text/plain\n\nThe fix is attached.\n--b3\nContent-Type: ${type}\nContent-Disposition: attachment\n\n${DIFF}--b3--\n`;
    const r = assemble(await readBytes(Buffer.from(mail), 'x-patch.eml'));
    expect(r.chosen?.patches[0]).toMatchObject({ status: 'ok', files: [{ path: 'a.c', additions: 1, deletions: 1 }], warnings: [`the diff is in the attachment ${type}; its body lines are the attachment's`] });
  });

  it('falls back to a patch attached as text/x-patch, and says so', async () => {
    const mail = `${head('multipart/mixed; boundary="b2"')}--b2\nContent-Type: text/plain\n\nThe fix is attached.\n--b2\nContent-Type: text/x-patch; name="fix.patch"\nContent-Disposition: attachment; filename="fix.patch"\n\n${DIFF}--b2--\n`;
    const r = assemble(await readBytes(Buffer.from(mail), 'attached.eml'));
    expect(r.chosen?.patches[0]).toMatchObject({
      status: 'ok',
      description: 'The fix is attached.',
      files: [{ path: 'a.c', additions: 1, deletions: 1 }],
      warnings: ["the diff is in the attachment fix.patch; its body lines are the attachment's"],
    });
  });
});
