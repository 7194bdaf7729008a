/**
 * What a newer head does to the key's previous job on BullMQ (a real
 * redis-server), as in the in-process queue: one that has not started
 * (waiting, or delayed before a retry) is removed and counted superseded;
 * a running one is told (superseded() turns true) and counted once, when it
 * stops; a finished one is left as it is: a failed job keeps its reason
 * until dropped, a completed one its outcome, and neither is counted as
 * superseded.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { BullQueue, countSuperseded, STATS } from '../../bot/jobs/bullmq-queue.js';
import { MemoryQueue } from '../../bot/jobs/memory-queue.js';
import type { JobHandler, JobInfo, JobQueue, JobSpec } from '../../bot/jobs/queue.js';
import { JobWorker } from '../../bot/jobs/worker.js';
import { RedisServer } from './redis-server.js';

const spec = (branch: string, head: string): JobSpec => ({ kind: 'push', key: `push:kvm/linux:${branch}`, head, installationId: null, payload: {} });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, f: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await f();
    if (v) return v;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const job = async (q: JobQueue, id: string): Promise<JobInfo | undefined> => (await q.list()).find((j) => j.id === id);
const finished = (q: JobQueue, id: string): Promise<JobInfo> => until(`job ${id} finished`, async () => ((s) => (s?.state === 'completed' || s?.state === 'failed' ? s : null))(await job(q, id)));
const row = (j: JobInfo | undefined): unknown[] => [j?.head, j?.state, j?.outcome ?? j?.reason];

/** 'bad' heads fail for good (GitHub's 422), 'slow' ones run until superseded, 'flaky' ones fail with a 502 (retried later); others are reviewed. */
const handler: JobHandler = async (s, ctx) => {
  if (s.head.startsWith('bad')) throw Object.assign(new Error('GitHub said 422: no such commit'), { status: 422 });
  if (s.head.startsWith('flaky')) throw Object.assign(new Error('GitHub said 502'), { status: 502 });
  if (s.head.startsWith('slow')) {
    while (!ctx.superseded()) await sleep(20);
    return 'superseded';
  }
  return 'reviewed';
};

/** A newer head on a branch whose job completed, and on one whose job failed: both kept as they were, nothing counted superseded. */
async function finishedJobsKept(q: JobQueue): Promise<void> {
  const a = await q.enqueue(spec('main', 'good'));
  const b = await q.enqueue(spec('dev', 'bad'));
  await finished(q, a.id);
  await finished(q, b.id);
  const a2 = await q.enqueue(spec('main', 'good2'));
  const b2 = await q.enqueue(spec('dev', 'good3'));
  expect([a2.replaced, b2.replaced]).toEqual([null, null]);
  await finished(q, a2.id);
  await finished(q, b2.id);
  expect(row(await job(q, a.id))).toEqual(['good', 'completed', 'reviewed']);
  expect(row(await job(q, b.id))).toEqual(['bad', 'failed', 'GitHub said 422: no such commit (HTTP 422)']);
  expect(row(await job(q, a2.id))).toEqual(['good2', 'completed', 'reviewed']);
  expect(row(await job(q, b2.id))).toEqual(['good3', 'completed', 'reviewed']);
  expect(await q.status()).toMatchObject({ superseded: 0, failed: 1, done: 3 });
}

describe('a newer head and the previous job, on BullMQ', () => {
  const redis = new RedisServer();
  let queue: BullQueue;
  let worker: JobWorker | null = null;
  const work = (): JobWorker => (worker = new JobWorker({ url: redis.url, handlers: { push: handler }, lockMs: 2000, pollMs: 100 }));

  beforeAll(async () => void (await redis.start()));
  afterAll(async () => redis.destroy());
  beforeEach(async () => {
    const r = new Redis(redis.url);
    await r.flushall();
    r.disconnect();
    queue = new BullQueue(redis.url, { attempts: 3, backoffMs: 60_000 });
  });
  afterEach(async () => {
    await worker?.stop(1000);
    worker = null;
    await queue.close();
  });

  it('a finished job is left as it is: a failed one keeps its reason, neither counts as superseded', async () => {
    work();
    await finishedJobsKept(queue);
  });

  it('a failed job replaced by a newer head can still be retried: it finds its generation moved and ends superseded', async () => {
    work();
    const b = await queue.enqueue(spec('dev', 'bad'));
    await finished(queue, b.id);
    const b2 = await queue.enqueue(spec('dev', 'good'));
    await finished(queue, b2.id);
    await queue.retry(b.id);
    expect(row(await finished(queue, b.id))).toEqual(['bad', 'completed', 'superseded']);
    expect(await queue.status()).toMatchObject({ superseded: 1, failed: 0, done: 1 });
  });

  it('a waiting job is removed and counted superseded once', async () => {
    const a = await queue.enqueue(spec('main', 'one'));
    const a2 = await queue.enqueue(spec('main', 'two'));
    expect(a2.replaced).toBe(a.id);
    expect(await job(queue, a.id)).toBeUndefined();
    expect((await queue.status()).superseded).toBe(1);
    work();
    expect(row(await finished(queue, a2.id))).toEqual(['two', 'completed', 'reviewed']);
    expect(await queue.status()).toMatchObject({ superseded: 1, done: 1 });
  });

  it('a job delayed before its retry is removed and counted superseded once', async () => {
    work();
    const a = await queue.enqueue(spec('main', 'flaky'));
    await until('the flaky job delayed', async () => (await job(queue, a.id))?.state === 'delayed');
    const a2 = await queue.enqueue(spec('main', 'two'));
    expect(a2.replaced).toBe(a.id);
    expect(await job(queue, a.id)).toBeUndefined();
    expect(row(await finished(queue, a2.id))).toEqual(['two', 'completed', 'reviewed']);
    expect(await queue.status()).toMatchObject({ superseded: 1, done: 1, delayed: 0 });
  });

  it('a running job is told, kept with its outcome, and counted superseded once', async () => {
    work();
    const a = await queue.enqueue(spec('main', 'slow'));
    await until('the slow job running', async () => (await job(queue, a.id))?.state === 'active');
    const a2 = await queue.enqueue(spec('main', 'two'));
    expect(a2.replaced).toBe(a.id);
    expect(row(await finished(queue, a.id))).toEqual(['slow', 'completed', 'superseded']);
    await finished(queue, a2.id);
    expect(await queue.status()).toMatchObject({ superseded: 1, done: 1 });
  });

  it('a job is counted superseded once, whoever counts it (the remover, or the worker that found its generation moved)', async () => {
    const r = new Redis(redis.url);
    try {
      await countSuperseded(r, 'push/kvm/linux/main@one.1');
      await countSuperseded(r, 'push/kvm/linux/main@one.1');
      await countSuperseded(r, 'push/kvm/linux/main@two.2');
      expect(await r.hget(STATS, 'superseded')).toBe('2');
    } finally {
      r.disconnect();
    }
  });
});

describe('the in-process queue does the same', () => {
  it('a finished job is left as it is: a failed one keeps its reason, neither counts as superseded', async () => {
    const q = new MemoryQueue(() => undefined, { attempts: 3, backoffMs: 60_000 }).serve({ push: handler });
    try {
      await finishedJobsKept(q);
    } finally {
      await q.close();
    }
  });
});
