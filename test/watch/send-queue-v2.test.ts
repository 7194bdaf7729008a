/**
 * `kvm-review watch` on the shared queue (a real redis-server on loopback,
 * BullMQ workers in this process): v2 of a posting waits for v1's record
 * while v1's job is to run; once v1's job failed for good (or left the
 * queue), the wait would never end, so v2 is enqueued without the
 * comparison, and its record and replies say why.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BullQueue } from '../../bot/jobs/bullmq-queue.js';
import type { JobHandler, JobInfo } from '../../bot/jobs/queue.js';
import { JobWorker } from '../../bot/jobs/worker.js';
import { seriesHandler } from '../../bot/watch/series-job.js';
import { kernelTree } from '../helpers/paths.js';
import { runCli, type CliResult } from '../helpers/run-cli.js';
import { RedisServer } from '../jobs/redis-server.js';
import { appendCommits, buildInbox, mail } from './inbox-fixture.js';

const TREE = kernelTree('6.1');
const work = mkdtempSync(join(tmpdir(), 'kvm-review-send-queue-'));
const redis = new RedisServer();

/** Patch v`v` of one posting by `sender`, touching a KVM file. */
const patch = (sender: string, v: number, date: string): string =>
  mail(
    { From: `Dev <${sender}>`, Subject: `[PATCH${v > 1 ? ` v${v}` : ''}] KVM: take the lock`, Date: date, 'Message-ID': `<${sender}.v${v}@example.org>` },
    ['Take it.', '', `Signed-off-by: Dev <${sender}>`, '---', ' virt/kvm/kvm_main.c | 1 +', '', 'diff --git a/virt/kvm/kvm_main.c b/virt/kvm/kvm_main.c', 'index 1111111..2222222 100644', '--- a/virt/kvm/kvm_main.c', '+++ b/virt/kvm/kvm_main.c', '@@ -1,2 +1,3 @@', ' a', `+b${v}`, ' c', ''].join('\n'),
  );

/** `watch --once` in process with REDIS_URL. */
async function watch(inbox: string, name: string): Promise<CliResult> {
  const saved = process.env.REDIS_URL;
  process.env.REDIS_URL = redis.url;
  try {
    return await runCli(['watch', '--once', '--inbox', inbox, '--tree', TREE, '--state', join(work, name, 'state'), '--outbox', join(work, name, 'outbox'), '--no-cache']);
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

/** Runs the queue's jobs with `series` until none is waiting or running. */
async function drain(series: JobHandler): Promise<void> {
  const worker = new JobWorker({ url: redis.url, handlers: { series }, lockMs: 5000 });
  const q = new BullQueue(redis.url);
  try {
    for (let i = 0; i < 1200 && !(await q.status()).idle; i++) await new Promise((r) => setTimeout(r, 100));
  } finally {
    await worker.stop(1000);
    await q.close();
  }
}

/** The series records' file names in an outbox. */
function records(name: string): string[] {
  return readdirSync(join(work, name, 'outbox', 'series'));
}

beforeAll(async () => {
  await redis.start();
  // The command and the engine it loads are compiled on first import: on a busy machine that alone can pass a test's timeout.
  await import('../../bot/cli/watch-command.js');
}, 600_000);

afterAll(async () => {
  await redis.destroy();
});

describe('watch on the shared queue: v2 after v1 failed', () => {
  it('v1 failed for good: v2 is enqueued without the comparison, and its record says why', async () => {
    const inbox = buildInbox([patch('failed@example.org', 1, 'Thu, 1 Jan 2026 00:00:00 +0000')]);
    expect((await watch(inbox, 'failed')).stderr).toMatch(/enqueued v1 "KVM: take the lock"/);
    // v1's worker fails it for good (not a transient error: no retry).
    await drain(async () => {
      throw new Error('series job: the tree moved since the series was enqueued');
    });
    expect((await jobs()).map((j) => j.state)).toEqual(['failed']);

    appendCommits(inbox, [patch('failed@example.org', 2, 'Fri, 2 Jan 2026 00:00:00 +0000')]);
    const r = await watch(inbox, 'failed');
    expect(r.stderr).not.toMatch(/waits for its previous version's review/);
    expect(r.stderr).toMatch(/enqueued v2 "KVM: take the lock" as job \S+, not compared with v1: its review failed on the shared queue \(series job: the tree moved since the series was enqueued\)/);

    await drain(seriesHandler());
    const v2 = (await jobs()).find((j) => j.state !== 'failed');
    expect(v2?.state).toBe('completed');
    // The worker wrote v2's record with the remark (its replies carry it as a note; this v2 has no finding, so no reply).
    const record = JSON.parse(readFileSync(join(work, 'failed', 'outbox', 'series', records('failed').find((f) => f.includes('-v2-')) ?? ''), 'utf8')) as { status: string; previous: unknown; notes: string[] };
    // Its hunk is on lines the tree does not have: read, not reviewed (the status says so), and done all the same.
    expect(record).toMatchObject({ status: 'not-reviewed', previous: null });
    expect(record.notes).toContain('not compared with v1: its review failed on the shared queue (series job: the tree moved since the series was enqueued)');
  }, 600_000);

  it('v1 still waiting on the queue: v2 waits for its record', async () => {
    const inbox = buildInbox([patch('waiting@example.org', 1, 'Thu, 1 Jan 2026 00:00:00 +0000'), patch('waiting@example.org', 2, 'Fri, 2 Jan 2026 00:00:00 +0000')]);
    const r = await watch(inbox, 'waiting');
    expect(r.stderr).toMatch(/enqueued v1 "KVM: take the lock"/);
    expect(r.stderr).toMatch(/v2 "KVM: take the lock" waits for its previous version's review/);
  }, 600_000);

  it('v1 dropped from the queue: v2 is enqueued without the comparison', async () => {
    const inbox = buildInbox([patch('dropped@example.org', 1, 'Thu, 1 Jan 2026 00:00:00 +0000')]);
    await watch(inbox, 'dropped');
    const q = new BullQueue(redis.url);
    try {
      for (const j of await q.list()) if (j.state === 'waiting') await q.drop(j.id);
    } finally {
      await q.close();
    }
    appendCommits(inbox, [patch('dropped@example.org', 2, 'Fri, 2 Jan 2026 00:00:00 +0000')]);
    const r = await watch(inbox, 'dropped');
    expect(r.stderr).toMatch(/enqueued v2 "KVM: take the lock" as job \S+, not compared with v1: its job is no longer on the shared queue/);
  }, 600_000);
});
