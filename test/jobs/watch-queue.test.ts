/**
 * The watcher on the shared queue (issue 14, §1): with REDIS_URL, `watch
 * --once` reviews nothing itself but enqueues each due series as a
 * `series` job; a `kvm-review worker` process (the built CLI) runs it; the
 * outbox then holds the same bytes as the outbox of the same inbox watched
 * without Redis, and a second pass enqueues nothing. A real redis-server
 * on loopback, a tiny kernel repository made from the Debian 6.1 tree, an
 * inbox of two postings: one that takes kvm->lock under vcpu->mutex, one
 * that touches no KVM file (skipped by the watcher itself). A second inbox
 * holds v1 and v2 of one posting, run by two workers: v2 waits for v1's
 * record, then is compared with it.
 *
 * The records carry the index cache's counters, and the cache is keyed by
 * the analyser's code (jest's TypeScript and the worker's dist/ differ): the
 * runs share one fresh cache directory, in this order, so that each
 * comparison sees the same counters on both sides.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { BullQueue } from '../../bot/jobs/bullmq-queue.js';
import type { JobInfo } from '../../bot/jobs/queue.js';
import { checkSeriesPayload, SeriesPayloadError, seriesHandler } from '../../bot/watch/series-job.js';
import { git } from '../app/kernel-repo.js';
import { kernelTree } from '../helpers/paths.js';
import { runCli, type CliResult } from '../helpers/run-cli.js';
import { appendCommits, buildInbox, mail } from '../watch/inbox-fixture.js';
import { appEnv, head, tinyKernelRepo, WorkerProcess } from './harness.js';
import { freePort, RedisServer } from './redis-server.js';

const work = mkdtempSync(join(tmpdir(), 'kvm-review-watch-queue-'));
const cache = join(work, 'cache');
const redis = new RedisServer();
let repo = '';
let base = '';
let inbox = '';
/** The commit posted as v1 (and, in the second inbox, as v2). */
let bug = '';

/** Every file under `dir` (relative path -> bytes), directories left out. */
function files(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** `watch --once` in process, with REDIS_URL set to `redisUrl` (or unset). */
async function watch(name: string, redisUrl: string | undefined, extra: string[] = []): Promise<CliResult & { outbox: string }> {
  const saved = process.env.REDIS_URL;
  if (redisUrl) process.env.REDIS_URL = redisUrl;
  else delete process.env.REDIS_URL;
  const outbox = join(work, name, 'outbox');
  try {
    const r = await runCli(['watch', '--once', '--inbox', inbox, '--repo', repo, '--rev', base, '--state', join(work, name, 'state'), '--outbox', outbox, '--cache-dir', cache, ...extra]);
    return { ...r, outbox };
  } finally {
    if (saved === undefined) delete process.env.REDIS_URL;
    else process.env.REDIS_URL = saved;
  }
}

async function jobs(): Promise<JobInfo[]> {
  const q = new BullQueue(redis.url);
  try {
    return await q.list();
  } finally {
    await q.close();
  }
}

beforeAll(async () => {
  await redis.start();
  const tiny = tinyKernelRepo(kernelTree('6.1'));
  repo = tiny.dir;
  base = tiny.base;
  bug = head(repo, base, tiny.bugTree, 1, 1);
  // The posting as a list carries it: format-patch mail with a Message-ID (public-inbox stores no mbox separator).
  const patch = git(repo, ['format-patch', '--stdout', '-1', bug])
    .replace(/^From [0-9a-f]{40} .*\n/, '')
    .replace(/^(From: .*)$/m, '$1\nMessage-ID: <watch-queue-1@example.org>');
  const notKvm = mail(
    { From: 'Doc Writer <doc@example.org>', Subject: '[PATCH] docs: fix a typo', Date: 'Thu, 1 Jan 2026 00:00:00 +0000', 'Message-ID': '<watch-queue-2@example.org>' },
    [
      'Signed-off-by: Doc Writer <doc@example.org>',
      '---',
      ' Documentation/process/howto.rst | 2 +-',
      '',
      'diff --git a/Documentation/process/howto.rst b/Documentation/process/howto.rst',
      'index 1111111..2222222 100644',
      '--- a/Documentation/process/howto.rst',
      '+++ b/Documentation/process/howto.rst',
      '@@ -1 +1 @@',
      '-teh',
      '+the',
      '',
    ].join('\n'),
  );
  inbox = buildInbox([patch, notKvm]);
}, 600_000);

afterAll(async () => {
  await redis.destroy();
});

describe('watch with REDIS_URL', () => {
  let reference: Awaited<ReturnType<typeof watch>>;
  let queued: Awaited<ReturnType<typeof watch>>;
  let worker: WorkerProcess | null = null;

  beforeAll(async () => {
    reference = await watch('no-redis', undefined);
    queued = await watch('redis', redis.url);
  }, 600_000);

  afterAll(async () => {
    await worker?.stop('SIGKILL');
  });

  it('reviews nothing itself: the KVM series is one series job keyed by its fingerprint, the other is skipped as without Redis', async () => {
    expect(reference.code).toBe(1);
    expect(reference.stderr).toMatch(/reviewed v1 "KVM: take kvm->lock in the vCPU ioctl \(PR 1 v1\)": [1-9]\d* finding/);
    expect(queued.code).toBe(0);
    expect(queued.stderr).not.toMatch(/reviewed v1/);
    expect(queued.stderr).toMatch(/enqueued v1 "KVM: take kvm->lock in the vCPU ioctl \(PR 1 v1\)" as job /);
    expect(queued.stderr).toMatch(/pass: 2 commits read \(0 bad\), 1 series enqueued, 1 skipped/);
    const list = await jobs();
    expect(list.map((j) => [j.kind, j.state])).toEqual([['series', 'waiting']]);
    const key = list[0]?.key ?? '';
    expect(key).toMatch(/^series:/);
    // The fingerprint is the one the reference run recorded for the series it reviewed.
    const journal = readFileSync(join(work, 'no-redis', 'state', 'journal.jsonl'), 'utf8');
    expect(journal).toContain(`"key":"${key.slice('series:'.length)}","status":"reviewed"`);
    // Before a worker ran: the skipped series' record only, no reply.
    const before = [...files(queued.outbox).keys()];
    expect(before.filter((f) => f.startsWith('series/'))).toHaveLength(1);
    expect(before.filter((f) => f.startsWith('new/'))).toEqual([]);
  });

  it('a worker process runs the job; the outbox then equals the outbox watched without Redis, byte for byte', async () => {
    worker = new WorkerProcess(appEnv('127.0.0.1:9', redis.url, cache));
    let list: JobInfo[] = [];
    for (let i = 0; i < 600; i++) {
      list = await jobs();
      if (list.every((j) => j.state === 'completed' || j.state === 'failed')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const stopped = await worker.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    expect(list.map((j) => [j.kind, j.state, j.outcome, j.reason])).toEqual([['series', 'completed', 'reviewed', null]]);
    const want = files(reference.outbox);
    const got = files(queued.outbox);
    expect([...got.keys()]).toEqual([...want.keys()]);
    expect([...want.keys()].filter((f) => f.startsWith('new/'))).not.toEqual([]);
    for (const [name, bytes] of want) expect([name, got.get(name)?.equals(bytes)]).toEqual([name, true]);
  }, 120_000);

  it('the job run again (a retry after a worker died mid-write) writes no reply twice: every reply is the same file', async () => {
    const q = new BullQueue(redis.url);
    let spec;
    try {
      const id = (await q.list())[0]?.id ?? '';
      spec = (await q.queue.getJob(id))?.data.spec;
    } finally {
      await q.close();
    }
    if (!spec) throw new Error('the series job is not in Redis');
    const replies = (): [string, number][] => [...files(queued.outbox).keys()].filter((f) => f.startsWith('new/')).map((f) => [f, statSync(join(queued.outbox, f)).ino]);
    const before = replies();
    const records = files(join(queued.outbox, 'series'));
    expect(before).not.toEqual([]);
    const outcome = await seriesHandler()(spec, { id: 'retry', attempt: 2, superseded: () => false });
    expect(outcome).toBe('reviewed');
    // A rewrite would be a rename of a new file: another inode.
    expect(replies()).toEqual(before);
    // The record says the same but for the cache's counters (this run found the files in the cache).
    const sameBut = (b: Buffer | undefined): unknown => ({ ...(JSON.parse(b?.toString() ?? '{}') as object), cache: null });
    const after = files(join(queued.outbox, 'series'));
    expect([...after.keys()]).toEqual([...records.keys()]);
    for (const [name, bytes] of records) expect(sameBut(after.get(name))).toEqual(sameBut(bytes));
  }, 120_000);

  it('a second pass enqueues nothing new and writes nothing', async () => {
    const before = files(queued.outbox);
    const again = await watch('redis', redis.url);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/pass: 0 commits read \(0 bad\), 0 series enqueued, 0 skipped, 0 waiting/);
    expect((await jobs()).length).toBe(1);
    expect(again.stderr).not.toMatch(/enqueued v1/);
    expect(files(queued.outbox)).toEqual(before);
  }, 120_000);

  it('--send and an mbox outbox are refused with REDIS_URL: exit 2, nothing written', async () => {
    const send = await watch('refused-send', redis.url, ['--send', '--smtp', 'smtp://127.0.0.1:9', '--from', 'R <r@example.org>']);
    expect(send.code).toBe(2);
    expect(send.stderr).toMatch(/--send with REDIS_URL/);
    const mbox = await watch('refused-mbox', redis.url, ['--outbox-format', 'mbox']);
    expect(mbox.code).toBe(2);
    expect(mbox.stderr).toMatch(/--outbox-format mbox with REDIS_URL/);
    expect(existsSync(join(work, 'refused-send'))).toBe(false);
    expect(existsSync(join(work, 'refused-mbox'))).toBe(false);
  });
});

/** Waits until every job whose key is in `keys` is completed or failed; returns them. */
async function settled(keys: Set<string>, want: number): Promise<JobInfo[]> {
  let list: JobInfo[] = [];
  for (let i = 0; i < 1200; i++) {
    list = (await jobs()).filter((j) => keys.size === 0 || keys.has(j.key));
    if (list.length >= want && list.every((j) => j.state === 'completed' || j.state === 'failed')) return list;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`jobs not settled: ${JSON.stringify(list)}`);
}

describe('v1 then v2 with two workers', () => {
  let inbox2 = '';
  const workers: WorkerProcess[] = [];

  beforeAll(() => {
    const posting = (version: number, date: string): string =>
      git(repo, ['format-patch', '--stdout', '-1', ...(version > 1 ? [`--subject-prefix=PATCH v${version}`] : []), bug])
        .replace(/^From [0-9a-f]{40} .*\n/, '')
        .replace(/^Date: .*$/m, `Date: ${date}`)
        // Another sender than the first inbox's: a series of its own (the queue keys jobs by fingerprint, across watchers).
        .replace(/^From: .*$/m, `From: Other Author <other@example.org>\nMessage-ID: <watch-queue-v${version}@example.org>`);
    inbox2 = buildInbox([posting(1, 'Thu, 1 Jan 2026 10:00:00 +0000'), posting(2, 'Fri, 2 Jan 2026 10:00:00 +0000')]);
  });

  afterAll(async () => {
    for (const w of workers) await w.stop('SIGKILL');
  });

  async function watch2(name: string, redisUrl: string | undefined): Promise<CliResult & { outbox: string }> {
    const saved = inbox;
    inbox = inbox2;
    try {
      return await watch(name, redisUrl);
    } finally {
      inbox = saved;
    }
  }

  it('v2 waits for v1 on the queue, is then compared with it, and the outbox equals the one watched without Redis', async () => {
    const reference = await watch2('v-no-redis', undefined);
    expect(reference.stderr).toMatch(/reviewed v2 .*, compared with v1/);
    const done = new Set((await jobs()).map((j) => j.key));
    workers.push(new WorkerProcess(appEnv('127.0.0.1:9', redis.url, cache)), new WorkerProcess(appEnv('127.0.0.1:9', redis.url, cache)));

    const first = await watch2('v-redis', redis.url);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/enqueued v1 /);
    expect(first.stderr).toMatch(/v2 ".*" waits for its previous version's review/);
    expect(first.stderr).toMatch(/1 series enqueued, 0 skipped, 1 waiting/);
    const keys = new Set((await jobs()).map((j) => j.key).filter((k) => !done.has(k)));
    expect(keys.size).toBe(1);
    await settled(keys, 1);

    const second = await watch2('v-redis', redis.url);
    expect(second.stderr).toMatch(/enqueued v2 .*, to be compared with v1/);
    expect(second.stderr).toMatch(/1 series enqueued, 0 skipped, 0 waiting/);
    for (const k of (await jobs()).map((j) => j.key)) if (!done.has(k)) keys.add(k);
    expect(keys.size).toBe(2);
    const list = await settled(keys, 2);
    expect(list.map((j) => [j.state, j.outcome])).toEqual([
      ['completed', 'reviewed'],
      ['completed', 'reviewed'],
    ]);
    for (const w of workers) expect((await w.stop('SIGTERM')).code).toBe(0);

    const want = files(reference.outbox);
    const got = files(join(work, 'v-redis', 'outbox'));
    expect([...got.keys()]).toEqual([...want.keys()]);
    // The v2 record says which findings were there since v1: the comparison was made from the worker's v1 record.
    const v2 = [...got].find(([name]) => /^series\/.*-v2-/.test(name))?.[1].toString() ?? '';
    expect(v2).toMatch(/"since": 1\b/);
    expect(v2).not.toMatch(/"since": 2\b/);
    for (const [name, bytes] of want) expect([name, got.get(name)?.equals(bytes)]).toEqual([name, true]);
  }, 300_000);
});

describe('late patches on the queue', () => {
  const workers: WorkerProcess[] = [];
  let mails: string[] = [];
  let traffic = '';

  beforeAll(() => {
    // Two patches: the bug, then a comment added to an x86 KVM file; sent as one thread, [PATCH 1/2] and [PATCH 2/2].
    const env = { ...process.env, GIT_INDEX_FILE: join(work, 'late-index') };
    const x86 = 'arch/x86/kvm/irq.c';
    const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: repo, env, input: `${git(repo, ['show', `${base}:${x86}`])}/* late patch 2 */\n` }).toString().trim();
    execFileSync('git', ['read-tree', bug], { cwd: repo, env });
    execFileSync('git', ['update-index', '--cacheinfo', `100644,${blob},${x86}`], { cwd: repo, env });
    const tree = execFileSync('git', ['write-tree'], { cwd: repo, env }).toString().trim();
    const second = git(repo, ['commit-tree', tree, '-p', bug, '-m', 'KVM: x86: note the late patch\n\nSigned-off-by: Late Author <late@example.org>']).trim();
    mails = git(repo, ['format-patch', '--stdout', '--numbered', `${base}..${second}`])
      .split(/^From [0-9a-f]{40} .*\n/m)
      .filter(Boolean)
      .map((m, i) =>
        m
          .replace(/^From: .*$/m, `From: Late Author <late@example.org>\nMessage-ID: <late-${i + 1}@example.org>${i ? '\nIn-Reply-To: <late-1@example.org>\nReferences: <late-1@example.org>' : ''}`)
          .replace(/^Date: .*$/m, `Date: Mon, 5 Jan 2026 10:0${i}:00 +0000`),
      );
    // A day of list traffic after 1/2: its wait is over, it is reviewed as partial.
    traffic = mail(
      { From: 'Doc Writer <doc@example.org>', Subject: '[PATCH] docs: fix another typo', Date: 'Wed, 7 Jan 2026 00:00:00 +0000', 'Message-ID': '<late-traffic@example.org>' },
      'Signed-off-by: Doc Writer <doc@example.org>\n---\ndiff --git a/Documentation/process/howto.rst b/Documentation/process/howto.rst\nindex 1111111..2222222 100644\n--- a/Documentation/process/howto.rst\n+++ b/Documentation/process/howto.rst\n@@ -1 +1 @@\n-teh\n+the\n',
    );
  });

  afterAll(async () => {
    for (const w of workers) await w.stop('SIGKILL');
  });

  it('2/2 after 1/2 was reviewed as partial: the worker\'s record says what it completes, as the watcher\'s does, and the outbox is the same', async () => {
    const saved = inbox;
    const lateInbox = buildInbox([mails[0] ?? '', traffic]);
    inbox = lateInbox;
    try {
      const done = new Set((await jobs()).map((j) => j.key));
      const pending = async (): Promise<Set<string>> => new Set((await jobs()).map((j) => j.key).filter((k) => !done.has(k)));
      await watch('late-no-redis', undefined);
      workers.push(new WorkerProcess(appEnv('127.0.0.1:9', redis.url, cache)));
      const first = await watch('late-redis', redis.url);
      expect(first.stderr).toMatch(/enqueued \(partial series: 1 of 2 patches\) v1 /);
      await settled(await pending(), 1);
      appendCommits(lateInbox, [mails[1] ?? '']);
      const reference = await watch('late-no-redis', undefined);
      expect(reference.stderr).toMatch(/reviewed v1 .*completed by the late patch 2 after the partial review of 1 of 2 patches/);
      const second = await watch('late-redis', redis.url);
      expect(second.stderr).toMatch(/enqueued v1 .*completed by the late patch 2 after the partial review of 1 of 2 patches/);
      const list = await settled(await pending(), 2);
      expect(list.map((j) => [j.state, j.outcome]).sort()).toEqual([
        ['completed', 'partial'],
        ['completed', 'reviewed'],
      ]);
      const completes = (name: string): (string | null)[] =>
        [...files(join(work, name, 'outbox', 'series')).values()].map((b) => (JSON.parse(b.toString()) as { completes?: string }).completes ?? null);
      expect(completes('late-no-redis').filter(Boolean)).toEqual([expect.stringMatching(/^completed by the late patch 2 after the partial review of 1 of 2 patches \(.*\.json\)$/)]);
      expect(completes('late-redis')).toEqual(completes('late-no-redis'));
      // The whole outbox, records and replies, byte for byte.
      const want = files(join(work, 'late-no-redis', 'outbox'));
      const got = files(join(work, 'late-redis', 'outbox'));
      expect([...got.keys()]).toEqual([...want.keys()]);
      for (const [name, bytes] of want) expect([name, got.get(name)?.equals(bytes)]).toEqual([name, true]);
    } finally {
      inbox = saved;
    }
  }, 300_000);
});

describe('Redis unreachable', () => {
  it('--once: exit 2 naming the series not enqueued, nothing recorded; the next pass with Redis enqueues it', async () => {
    const down = await watch('down', `redis://127.0.0.1:${await freePort()}`);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/cannot enqueue v1 "KVM: take kvm->lock in the vCPU ioctl \(PR 1 v1\)": Redis at redis:\/\/127\.0\.0\.1:\d+: .*; tried again next pass/);
    expect(down.stderr).toMatch(/0 series enqueued \(1 not: the queue did not take them\), 1 skipped/);
    expect(readFileSync(join(work, 'down', 'state', 'journal.jsonl'), 'utf8')).not.toContain('"status":"enqueued"');
    const up = await watch('down', redis.url);
    expect(up.code).toBe(0);
    expect(up.stderr).toMatch(/enqueued v1 "KVM: take kvm->lock in the vCPU ioctl \(PR 1 v1\)" as job /);
    expect(readFileSync(join(work, 'down', 'state', 'journal.jsonl'), 'utf8')).toContain('"status":"enqueued"');
  }, 120_000);
});

describe('a series job payload', () => {
  const good = {
    fingerprint: 'f'.repeat(16),
    tree: { kind: 'dir', path: '/k' },
    outbox: { dir: '/o', format: 'maildir' },
    from: 'kvm-review <r@example.org>',
    cache: { dir: null, disabled: false },
    mails: [{ inbox: '/i', commit: 'c'.repeat(40), raw: Buffer.from('Subject: x\n\n').toString('base64') }],
    prev: null,
  };

  it('is read back as written, and one that a worker cannot use is refused naming the field', () => {
    expect(checkSeriesPayload(good).outbox).toEqual({ dir: '/o', format: 'maildir' });
    const bad: [object, RegExp][] = [
      [{ ...good, tree: { kind: 'dir', path: 'relative/k' } }, /tree.path relative\/k must be an absolute path/],
      [{ ...good, outbox: { dir: '/o', format: 'mh' } }, /outbox.format mh/],
      [{ ...good, mails: [] }, /no mails/],
      [{ ...good, tree: { kind: 'svn' } }, /tree.kind svn/],
      [{ ...good, completes: 'the late patch 2' }, /completes must be an object/],
      [{ ...good, completes: { key: 'k' } }, /completes.note must be a non-empty string/],
    ];
    for (const [payload, message] of bad) {
      expect(() => checkSeriesPayload(payload as never)).toThrow(SeriesPayloadError);
      expect(() => checkSeriesPayload(payload as never)).toThrow(message);
    }
  });
});
