/**
 * Issue 11 §1 and §2 on the mail side, with real temporary files: the
 * series the user meant is the one reviewed (a snippet, an untagged diff or
 * another thread's patch never replaces it), paths are normalised or
 * refused, a binary change to an indexed file is said, endless or huge
 * input is refused in bounded time and memory, and input-controlled depth
 * (a 100,000-line hunk, thousands of patches, a deep reply chain) never
 * overflows the stack.
 */
import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSourceError, readSeries, type ReadSeriesOptions, type SeriesReadResult } from '../../analyzers/series/index.js';
import { normaliseDiffPath } from '../../analyzers/series/diff-path.js';
import { review } from '../../analyzers/review/review.js';
import { renderReviewText } from '../../bot/render/review/text.js';
import { tempDir } from './paths.js';

const tmp = tempDir();

function write(name: string, content: string | Buffer): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}

interface Mail {
  subject: string;
  id: string;
  from?: string;
  date?: string;
  inReplyTo?: string;
  body: string;
}

function mail(m: Mail): string {
  const headers = [
    'From MAILER-DAEMON Thu Jan  1 00:00:00 1970',
    `From: ${m.from ?? 'Jane Hacker <jane@example.org>'}`,
    `Subject: ${m.subject}`,
    `Message-ID: <${m.id}>`,
    `Date: ${m.date ?? 'Mon, 4 Mar 2024 09:00:00 +0000'}`,
    ...(m.inReplyTo ? [`In-Reply-To: <${m.inReplyTo}>`, `References: <${m.inReplyTo}>`] : []),
  ];
  return `${headers.join('\n')}\n\n${m.body}\n\n`;
}

/** A one-hunk diff of `file` that adds `added`. */
function diffOf(file: string, added: string, oldName = `a/${file}`, newName = `b/${file}`): string {
  return [`diff --git ${oldName} ${newName}`, 'index 1111111..2222222 100644', `--- ${oldName}`, `+++ ${newName}`, '@@ -1,2 +1,3 @@', ' int a;', `+${added}`, ' int b;'].join('\n');
}

function patchBody(file: string, added: string): string {
  return `Why.\n\nSigned-off-by: Jane Hacker <jane@example.org>\n---\n${diffOf(file, added)}\n-- \n2.43.0`;
}

/** Jane's two-patch series; `only` keeps some of its patches. */
function janeSeries(only: number[] = [1, 2]): string {
  const cover = mail({ subject: '[PATCH 0/2] KVM: demo: Two changes', id: 'jane-0@example.org', body: 'Two changes.' });
  const patches = only.map((k) =>
    mail({ subject: `[PATCH ${k}/2] KVM: demo: Change ${k}`, id: `jane-${k}@example.org`, inReplyTo: 'jane-0@example.org', date: `Mon, 4 Mar 2024 09:00:0${k} +0000`, body: patchBody('virt/kvm/kvm_main.c', `int jane${k};`) }),
  );
  return [cover, ...patches].join('');
}

async function refusal(path: string, options: ReadSeriesOptions = {}): Promise<{ code: string; message: string }> {
  try {
    await readSeries(path, options);
  } catch (e) {
    if (!isSourceError(e)) throw e;
    return { code: e.code, message: e.message };
  }
  throw new Error(`${path} was accepted`);
}

function chosenTitles(r: SeriesReadResult): string[] {
  return r.chosen?.patches.map((p) => p.title) ?? [];
}

describe('which series is reviewed', () => {
  it('a later untagged mail with a diff in the same thread is a follow-up, not the series', async () => {
    const snippet = mail({ subject: 'KVM: demo: something like this?', id: 'rob-1@example.com', from: 'Rob Reviewer <rob@example.com>', inReplyTo: 'jane-1@example.org', date: 'Tue, 5 Mar 2024 09:00:00 +0000', body: `Maybe:\n\n${diffOf('virt/kvm/kvm_main.c', 'int rob;')}` });
    const r = await readSeries(write('snippet.mbx', janeSeries() + snippet));
    expect(chosenTitles(r)).toEqual(['KVM: demo: Change 1', 'KVM: demo: Change 2']);
    expect(r.chosen?.followUps.map((f) => [f.messageId, f.slot, f.hasDiff])).toEqual([['rob-1@example.com', 1, true]]);
    expect(r.series).toHaveLength(1);
  });

  it('an unthreaded untagged diff never replaces an incomplete series; it is listed with why', async () => {
    const stray = mail({ subject: 'quick fix', id: 'stray@example.com', from: 'Sam <sam@example.com>', date: 'Wed, 6 Mar 2024 09:00:00 +0000', body: diffOf('virt/kvm/kvm_main.c', 'int sam;') });
    const r = await readSeries(write('stray.mbx', janeSeries([1]) + stray));
    expect(chosenTitles(r)).toEqual(['KVM: demo: Change 1']);
    expect(r.chosen?.missing).toEqual([2]);
    const other = r.candidates.find((c) => !c.chosen);
    expect(other?.reason).toBe('not reviewed: a mail that carries a diff but no [PATCH] tag, outside the series');
    expect(other?.patches).toEqual([{ index: 1, subject: 'quick fix', messageId: 'stray@example.com', status: 'ok', reason: null }]);
    expect(r.choice).toContain('no series is complete; chose the newest with patches; also present: #');
  });

  it("another thread's complete, later patch does not replace the series the input starts with", async () => {
    const bob = mail({ subject: '[PATCH] KVM: x86: Unrelated', id: 'bob-1@example.com', from: 'Bob <bob@example.com>', date: 'Fri, 8 Mar 2024 09:00:00 +0000', body: patchBody('arch/x86/kvm/x86.c', 'int bob;') });
    const r = await readSeries(write('two-threads.mbx', janeSeries([1]) + bob));
    expect(chosenTitles(r)).toEqual(['KVM: demo: Change 1']);
    expect(r.choice).toMatch(/^#\d v1 by jane@example\.org \(1\/2, 1 missing, cover\): no series is complete; chose the newest with patches of the first thread in the input; also present: #\d v1 by bob@example\.com \(1\/1\)$/);
    expect(r.candidates.find((c) => !c.chosen)?.reason).toBe('not reviewed: another thread or sender');
  });

  it('lists v1 next to v2 with each patch status, and chooses v2', async () => {
    const v2 = janeSeries().replace(/\[PATCH (\d)\/2\]/g, '[PATCH v2 $1/2]').replace(/jane-(\d)@/g, 'jane-v2-$1@').replace(/Mar 2024/g, 'Mar 2025');
    const r = await readSeries(write('v1-v2.mbx', janeSeries() + v2));
    expect(r.chosen?.version).toBe(2);
    expect(r.candidates.map((c) => [c.number, c.label, c.chosen, c.reason])).toEqual([
      [1, 'v2 (2/2, cover)', true, 'reviewed: the newest complete series'],
      [2, 'v1 (2/2, cover)', false, 'not reviewed: an older revision (v1) of the reviewed series'],
    ]);
    expect(r.candidates[1]?.patches.map((p) => [p.index, p.status, p.messageId])).toEqual([[1, 'ok', 'jane-1@example.org'], [2, 'ok', 'jane-2@example.org']]);
  });

  it('the review lists the series it did not review, each with its reason and its patches\' statuses (JSON and text)', async () => {
    const v2 = janeSeries().replace(/\[PATCH (\d)\/2\]/g, '[PATCH v2 $1/2]').replace(/jane-(\d)@/g, 'jane-v2-$1@').replace(/Mar 2024/g, 'Mar 2025');
    const r = await review({ input: write('v1-v2-review.mbx', janeSeries() + v2), tree: null, cache: { disabled: true } });
    expect(r.series.version).toBe(2);
    expect(r.series.others.map((c) => [c.number, c.label, c.reason, c.patches.map((p) => [p.index, p.messageId, p.status])])).toEqual([
      [2, 'v1 (2/2, cover)', 'not reviewed: an older revision (v1) of the reviewed series', [[1, 'jane-1@example.org', 'ok'], [2, 'jane-2@example.org', 'ok']]],
    ]);
    const text = renderReviewText(r);
    expect(text).toContain('other series in the input (--series N or --message-id ID reviews one):\n  2. v1 (2/2, cover): not reviewed: an older revision (v1) of the reviewed series\n');
    const single = await review({ input: write('v1-only-review.mbx', janeSeries()), tree: null, cache: { disabled: true } });
    expect(single.series.others).toEqual([]);
    expect(renderReviewText(single)).not.toContain('other series');
  });

  it('--series N and --message-id choose another series; a choice that names none is refused', async () => {
    const bob = mail({ subject: '[PATCH] KVM: x86: Unrelated', id: 'bob-1@example.com', from: 'Bob <bob@example.com>', body: patchBody('arch/x86/kvm/x86.c', 'int bob;') });
    const path = write('choose.mbx', janeSeries() + bob);
    const auto = await readSeries(path);
    const bobNumber = auto.candidates.find((c) => c.label.includes('bob'))?.number ?? 0;
    const bySeries = await readSeries(path, { select: { series: bobNumber } });
    expect(chosenTitles(bySeries)).toEqual(['KVM: x86: Unrelated']);
    expect(bySeries.choice).toContain(`chosen with --series ${bobNumber}`);
    const byId = await readSeries(path, { select: { messageId: '<bob-1@example.com>' } });
    expect(chosenTitles(byId)).toEqual(['KVM: x86: Unrelated']);
    expect(await refusal(path, { select: { series: 9 } })).toMatchObject({ code: 'selection', message: expect.stringContaining('--series 9: no such series; the input holds #1 ') });
    expect(await refusal(path, { select: { messageId: 'nope@x' } })).toMatchObject({ code: 'selection', message: expect.stringContaining(`${path}: --message-id nope@x: no cover letter or patch`) });
  });
});

describe('diff paths', () => {
  it.each([
    ['virt/kvm//kvm_main.c', 'virt/kvm/kvm_main.c'],
    ['./virt/kvm/kvm_main.c', 'virt/kvm/kvm_main.c'],
    ['virt/../virt/kvm/./kvm_main.c', 'virt/kvm/kvm_main.c'],
    ['virt\\kvm\\kvm_main.c', 'virt/kvm/kvm_main.c'],
  ])('%s is %s, with a warning that says how it was spelled', async (written, normal) => {
    expect(normaliseDiffPath(written)).toEqual({ path: normal });
    const r = await readSeries(write('spelled.patch', diffOf(written, 'int x;', `a/${written}`, `b/${written}`)));
    const p = r.chosen?.patches[0];
    expect(p?.status).toBe('ok');
    expect(p?.files[0]).toMatchObject({ path: normal, oldPath: normal, newPath: normal, isRenamed: false, spelledAs: [written] });
    expect(p?.warnings).toContain(`the diff spells '${written}' for ${normal}; read as ${normal}`);
  });

  it.each([
    ['../../etc/passwd', 'it leaves the tree'],
    ['virt/kvm/../../../etc/passwd', 'it leaves the tree'],
    ['/etc/passwd', 'it is absolute'],
    ['C:\\kernel\\virt\\kvm\\kvm_main.c', 'it is absolute'],
  ])('%s fails its patch with an error naming the path', async (written, why) => {
    const path = write('escape.patch', diffOf(written, 'int x;', `a/${written}`, `b/${written}`));
    const p = (await readSeries(path)).chosen?.patches[0];
    expect(p).toMatchObject({ status: 'failed', files: [] });
    expect(p?.reason).toContain(`names the path '${written}', which is refused: ${why}`);
    expect(p?.reason).toContain(`(${path}:1)`);
  });

  it('fails, not crashes, on a hunk that parse-diff cannot read (a no-newline marker first in the hunk)', async () => {
    const diff = diffOf('virt/kvm/kvm_main.c', 'int x;').replace('@@ -1,2 +1,3 @@', '@@ -1,2 +1,3 @@\n\\ No newline at end of file');
    const p = (await readSeries(write('marker.patch', diff))).chosen?.patches[0];
    expect(p?.status).toBe('failed');
    expect(p?.reason).toMatch(/^the diff at body line 1 could not be parsed \(parse-diff: .+\)/);
  });

  it('refuses a rename whose target leaves the tree', async () => {
    const diff = ['diff --git a/virt/kvm/a.c b/virt/kvm/b.c', 'similarity index 100%', 'rename from virt/kvm/a.c', 'rename to ../outside.c'].join('\n');
    const p = (await readSeries(write('rename.patch', diff))).chosen?.patches[0];
    expect(p?.status).toBe('failed');
    expect(p?.reason).toContain("names the path '../outside.c', which is refused: it leaves the tree");
  });
});

describe('binary changes', () => {
  const binary = (file: string): string =>
    [`diff --git a/${file} b/${file}`, 'index 029ace0..d186a24 100644', 'GIT binary patch', 'literal 18', 'ZcmeAS@N?(olHy`uVBq!ia0y~y1OOmw0^a}t', '', 'literal 16', 'XcmeAS@N?(olHy`uVBq!ia0vnc8m<D~', ''].join('\n');

  it('a binary change to an indexed C file cannot be reviewed, and the patch says so', async () => {
    const r = await readSeries(write('bin-indexed.mbx', mail({ subject: '[PATCH] KVM: hide', id: 'b1@x', body: `Why.\n---\n${binary('virt/kvm/kvm_main.c')}` })));
    const p = r.chosen?.patches[0];
    expect(p).toMatchObject({ status: 'skipped', files: [{ path: 'virt/kvm/kvm_main.c', isBinary: true }] });
    expect(p?.reason).toBe('cannot be reviewed: binary change to virt/kvm/kvm_main.c (the analysis reads this file, the mail does not carry the text)');
    expect(p?.files[0]?.unreviewable).toContain('its locking cannot be reviewed');
    expect(p?.warnings).toEqual([p?.files[0]?.unreviewable]);
  });

  it('next to a text change, the patch is reviewed and its reason names the binary part', async () => {
    const body = `Why.\n---\n${diffOf('arch/x86/kvm/x86.c', 'int y;')}\n${binary('Documentation/virt/kvm/locking.rst')}`;
    const p = (await readSeries(write('bin-mixed.mbx', mail({ subject: '[PATCH] KVM: mixed', id: 'b2@x', body })))).chosen?.patches[0];
    expect(p?.status).toBe('ok');
    expect(p?.reason).toBe('cannot be reviewed: binary change to Documentation/virt/kvm/locking.rst (the analysis reads this file, the mail does not carry the text); the rest was reviewed');
  });

  it('a binary change to a file the analysis does not read stays a plain skip', async () => {
    const p = (await readSeries(write('bin-logo.mbx', mail({ subject: '[PATCH] logo', id: 'b3@x', body: `Why.\n---\n${binary('Documentation/logo.png')}` })))).chosen?.patches[0];
    expect(p).toMatchObject({ status: 'skipped', reason: 'only binary changes (Documentation/logo.png): nothing to review' });
    expect(p?.files[0]?.unreviewable).toBeUndefined();
  });
});

describe('size and shape', () => {
  it('refuses /dev/zero with too-large after reading no more than the cap', async () => {
    const before = process.memoryUsage().rss;
    const start = Date.now();
    expect(await refusal('/dev/zero')).toMatchObject({ code: 'too-large', message: '/dev/zero: 65.0 MiB or more is over the 64.0 MiB input limit (raise it with --max-input SIZE, e.g. 256M)' });
    expect(Date.now() - start).toBeLessThan(5_000);
    expect(process.memoryUsage().rss - before).toBeLessThan(400 * 1024 * 1024);
  });

  it('refuses a FIFO whose writer never stops, and reads one that ends', async () => {
    const fifo = join(tmp, 'endless.fifo');
    execFileSync('mkfifo', [fifo]);
    // `yes` writes forever; only the cap ends this read.
    const writer = spawn('sh', ['-c', `exec yes 'From x Thu Jan  1 00:00:00 1970' > '${fifo}'`], { stdio: 'ignore' });
    try {
      expect(await refusal(fifo, { maxInputBytes: 4 * 1024 * 1024 })).toMatchObject({ code: 'too-large', message: expect.stringContaining('or more is over the 4.0 MiB input limit') });
    } finally {
      writer.kill();
    }
    const finite = join(tmp, 'finite.fifo');
    execFileSync('mkfifo', [finite]);
    const once = spawn('sh', ['-c', `exec cat > '${finite}'`], { stdio: ['pipe', 'ignore', 'ignore'] });
    once.stdin.end(janeSeries());
    const r = await readSeries(finite);
    expect(chosenTitles(r)).toEqual(['KVM: demo: Change 1', 'KVM: demo: Change 2']);
  });

  it('a directory of patches: a symlinked file is read, a FIFO is named, the total is capped', async () => {
    const dir = join(tmp, 'patches');
    mkdirSync(dir);
    writeFileSync(join(tmp, 'elsewhere.patch'), diffOf('virt/kvm/kvm_main.c', 'int linked;'));
    symlinkSync(join(tmp, 'elsewhere.patch'), join(dir, '0001-linked.patch'));
    execFileSync('mkfifo', [join(dir, '0002-fifo.patch')]);
    writeFileSync(join(dir, '0003-big.patch'), diffOf('virt/kvm/kvm_main.c', `int big; /* ${'x'.repeat(3000)} */`));
    const r = await readSeries(dir);
    expect(r.series.flatMap((s) => s.patches.map((p) => p.files[0]?.hunks[0]?.lines[1]?.content.slice(0, 9)))).toEqual(expect.arrayContaining(['int linke', 'int big; ']));
    expect(r.warnings).toContainEqual({ file: join(dir, '0002-fifo.patch'), message: 'not a regular file (a FIFO); skipped' });
    expect(await refusal(dir, { maxInputBytes: 3200 })).toMatchObject({
      code: 'too-large',
      message: `${dir}: its patch files total more than the 3 KiB input limit (raise it with --max-input SIZE, e.g. 256M); the limit was passed at 0003-big.patch`,
    });
  });

  it('parses a 100,000-line hunk', async () => {
    const n = 100_000;
    const lines = Array.from({ length: n }, (_, i) => `+\tint v${i};`);
    const diff = ['diff --git a/virt/kvm/big.c b/virt/kvm/big.c', 'new file mode 100644', '--- /dev/null', '+++ b/virt/kvm/big.c', `@@ -0,0 +1,${n} @@`, ...lines].join('\n');
    const p = (await readSeries(write('big-hunk.diff', diff))).chosen?.patches[0];
    expect(p).toMatchObject({ status: 'ok', files: [{ path: 'virt/kvm/big.c', additions: n }] });
  });

  it('fails a patch whose hunk header names a line past the limit, without trying to place it', async () => {
    const diff = diffOf('virt/kvm/kvm_main.c', 'int x;').replace('@@ -1,2 +1,3 @@', '@@ -2147483648,2 +2147483648,3 @@');
    const p = (await readSeries(write('far-hunk.patch', diff))).chosen?.patches[0];
    expect(p?.status).toBe('failed');
    expect(p?.reason).toContain('the hunk header at body line 5 names line 2147483648, past the 1,000,000-line limit of a file this reader accepts');
  });

  it('accounts for 2,000 patches and a 12,000-deep reply chain', async () => {
    const total = 2000;
    const parts: string[] = [];
    for (let k = 1; k <= total; k++) parts.push(mail({ subject: `[PATCH ${k}/${total}] KVM: demo: part ${k}`, id: `p${k}@x`, body: patchBody('virt/kvm/kvm_main.c', `int p${k};`) }));
    let parent = 'p1@x';
    for (let i = 0; i < 12_000; i++) {
      const id = `r${i}@x`;
      parts.push(mail({ subject: `Re: [PATCH 1/${total}] KVM: demo: part 1`, id, inReplyTo: parent, from: 'Rob <rob@example.com>', body: 'ok' }));
      parent = id;
    }
    const r = await readSeries(write('deep.mbx', parts.join('')));
    expect(r.chosen?.patches).toHaveLength(total);
    expect(r.chosen?.patches.every((p) => p.status === 'ok')).toBe(true);
    expect(r.chosen?.followUps).toHaveLength(12_000);
    expect(r.chosen?.followUps.every((f) => f.slot === 1)).toBe(true);
  });
});
