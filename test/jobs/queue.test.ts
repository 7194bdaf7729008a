/**
 * The shared queue against a real redis-server (and the in-process queue
 * with the same semantics): a newer head replaces a waiting job and
 * cancels a running one, the same head is stored once, transient errors
 * are retried with backoff, other errors fail for good with their reason,
 * and list/retry/drop; a stopping worker finishes or returns its job.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { BullQueue, jobInfo } from '../../bot/jobs/bullmq-queue.js';
import { MemoryQueue } from '../../bot/jobs/memory-queue.js';
import { UnknownJobError, type JobContext, type JobHandler, type JobQueue, type JobSpec } from '../../bot/jobs/queue.js';
import { JobWorker } from '../../bot/jobs/worker.js';
import { RedisServer } from './redis-server.js';

const policy = { attempts: 3, backoffMs: 300 };
const spec = (n: number, head: string, force = false): JobSpec => ({ kind: 'pr', key: `pr:kvm/linux#${n}`, head, installationId: 1, payload: { n }, ...(force ? { force } : {}) });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, f: () => Promise<T | null | undefined | false> | T | null | undefined | false, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await f();
    if (v) return v;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A handler that records its runs and, per head, does what the test says. */
function recorder(behave: (spec: JobSpec, ctx: JobContext) => Promise<string | void> = async () => 'reviewed'): { handler: JobHandler; runs: { head: string; attempt: number; at: number }[] } {
  const runs: { head: string; attempt: number; at: number }[] = [];
  return {
    runs,
    handler: async (s, ctx) => {
      runs.push({ head: s.head, attempt: ctx.attempt, at: Date.now() });
      return behave(s, ctx);
    },
  };
}

/** Waits until superseded() or `ms` passed; says which. */
async function waitForCancel(ctx: JobContext, ms: number): Promise<string> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (ctx.superseded()) return 'superseded';
    await sleep(20);
  }
  return 'reviewed';
}

describe('the shared queue (BullMQ on a real Redis)', () => {
  const redis = new RedisServer();
  let queue: BullQueue;
  const workers: JobWorker[] = [];
  const worker = (h: JobHandler, lockMs = 2000): JobWorker => {
    const w = new JobWorker({ url: redis.url, handlers: { pr: h }, lockMs, pollMs: 100 });
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    await redis.start();
  });
  afterAll(async () => {
    await redis.destroy();
  });
  beforeEach(async () => {
    queue = new BullQueue(redis.url, policy);
    await queue.queue.obliterate({ force: true });
    const { Redis } = await import('ioredis');
    const r = new Redis(redis.url);
    await r.flushall();
    r.disconnect();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop(1000)));
    await queue.close();
  });

  it('a newer head replaces the waiting job; the same head again is stored once', async () => {
    const a = await queue.enqueue(spec(1, 'a'.repeat(40)));
    const again = await queue.enqueue(spec(1, 'a'.repeat(40)));
    expect(again).toMatchObject({ id: a.id, duplicate: true });
    const b = await queue.enqueue(spec(1, 'b'.repeat(40)));
    expect(b).toMatchObject({ duplicate: false, replaced: a.id });
    expect(b.id).not.toBe(a.id);
    const other = await queue.enqueue(spec(2, 'a'.repeat(40)));
    const waiting = (await queue.list()).filter((j) => j.state === 'waiting');
    expect(waiting.map((j) => j.id).sort()).toEqual([b.id, other.id].sort());
    const { handler, runs } = recorder();
    worker(handler);
    await until('both jobs done', async () => (await queue.status()).done === 2);
    expect(runs.map((r) => r.head).sort()).toEqual(['a'.repeat(40), 'b'.repeat(40)]);
    expect((await queue.status()).superseded).toBe(1);
  });

  it('a newer head cancels the running job: its superseded() turns true and the newer one runs', async () => {
    const { handler, runs } = recorder((_, ctx) => waitForCancel(ctx, 8000));
    worker(handler);
    const a = await queue.enqueue(spec(1, 'a'.repeat(40)));
    await until('a started', () => runs.length === 1);
    const t = Date.now();
    await queue.enqueue(spec(1, 'b'.repeat(40)));
    await until('b started', () => runs.length === 2);
    expect(Date.now() - t).toBeLessThan(3000);
    await until('a finished', async () => (await queue.list()).find((j) => j.id === a.id)?.state === 'completed');
    expect((await queue.list()).find((j) => j.id === a.id)?.outcome).toBe('superseded');
  });

  it('a recheck (force) of the same head is a job of its own', async () => {
    const a = await queue.enqueue(spec(1, 'a'.repeat(40)));
    const r = await queue.enqueue(spec(1, 'a'.repeat(40), true));
    expect(r.duplicate).toBe(false);
    expect(r.replaced).toBe(a.id);
  });

  it('a job read while it ran and finished before its state was asked shows the outcome it finished with', async () => {
    // What list() meets when a job completes between reading the jobs and asking each one's state:
    // test/jobs/watch-queue.test.ts, waiting for its jobs, once read a completed review with no outcome.
    const { handler, runs } = recorder();
    const { id } = await queue.enqueue(spec(1, 'a'.repeat(40)));
    const read = await queue.queue.getJob(id);
    expect(read?.finishedOn).toBeUndefined();
    worker(handler);
    await until('completed', async () => (await queue.queue.getJob(id))?.finishedOn);
    expect(runs).toHaveLength(1);
    const shown = await jobInfo(queue.queue, read as NonNullable<typeof read>);
    expect([shown.state, shown.outcome]).toEqual(['completed', 'reviewed']);
  });

  it('transient errors (5xx) are retried with exponential backoff, then the job completes', async () => {
    const { handler, runs } = recorder(async (_, ctx) => {
      if (ctx.attempt < 3) throw Object.assign(new Error('Bad Gateway'), { status: 502 });
      return 'reviewed';
    });
    worker(handler);
    const { id } = await queue.enqueue(spec(1, 'a'.repeat(40)));
    await until('completed', async () => (await queue.list()).find((j) => j.id === id)?.state === 'completed');
    expect(runs.map((r) => r.attempt)).toEqual([1, 2, 3]);
    const [r1, r2, r3] = runs.map((r) => r.at) as [number, number, number];
    expect(r2 - r1).toBeGreaterThanOrEqual(policy.backoffMs);
    expect(r3 - r2).toBeGreaterThanOrEqual(2 * policy.backoffMs);
  });

  it('a job that keeps failing transiently fails after its attempts, keeping the reason', async () => {
    const { handler, runs } = recorder(async () => {
      throw Object.assign(new Error('API rate limit exceeded'), { status: 429 });
    });
    worker(handler);
    const { id } = await queue.enqueue(spec(1, 'a'.repeat(40)));
    const failed = await until('failed', async () => (await queue.list()).find((j) => j.id === id && j.state === 'failed'));
    expect(runs).toHaveLength(policy.attempts);
    expect(failed.reason).toContain('API rate limit exceeded');
  });

  it('a permanent error fails for good at once with its reason; retry runs it again, drop removes it', async () => {
    let broken = true;
    const { handler, runs } = recorder(async () => {
      if (broken) throw Object.assign(new Error('Not Found'), { status: 404 });
      return 'reviewed';
    });
    worker(handler);
    const { id } = await queue.enqueue(spec(1, 'a'.repeat(40)));
    const failed = await until('failed', async () => (await queue.list()).find((j) => j.id === id && j.state === 'failed'));
    expect(runs).toHaveLength(1);
    expect(failed.reason).toBe('Not Found (HTTP 404)');
    expect((await queue.status()).failed).toBe(1);

    broken = false;
    await queue.retry(id);
    await until('completed after retry', async () => (await queue.list()).find((j) => j.id === id)?.state === 'completed');
    expect(runs).toHaveLength(2);
    await expect(queue.retry(id)).rejects.toBeInstanceOf(UnknownJobError);

    await queue.drop(id);
    expect((await queue.list()).some((j) => j.id === id)).toBe(false);
    await expect(queue.drop(id)).rejects.toBeInstanceOf(UnknownJobError);
  });

  it('a worker that loses its job lock (blocked past it, the lock taken) posts nothing more, and the job runs again', async () => {
    const told: boolean[] = [];
    const { handler, runs } = recorder(async (_, ctx) => {
      if (runs.length > 1) return 'reviewed';
      told.push(await until('told', () => ctx.superseded(), 15_000));
      return 'reviewed';
    });
    worker(handler, 2000);
    const { id } = await queue.enqueue(spec(1, 'a'.repeat(40)));
    await until('started', () => runs.length === 1);
    // What a stalled check does to a lock that expired: it is gone; the next renewal fails.
    const { Redis } = await import('ioredis');
    const r = new Redis(redis.url);
    expect(await r.del(`bull:kvm-review:${id}:lock`)).toBe(1);
    r.disconnect();
    await until('the running handler told', () => told.length === 1);
    await until('run again and completed', async () => runs.length === 2 && (await queue.list()).find((j) => j.id === id)?.state === 'completed');
    expect((await queue.list()).find((j) => j.id === id)?.outcome).toBe('reviewed');
  });

  it('stopping: an idle worker stops at once; a running job finishes within the grace', async () => {
    const idle = worker(recorder().handler);
    await sleep(300);
    let t = Date.now();
    await idle.stop(5000);
    expect(Date.now() - t).toBeLessThan(10_000);

    const { handler, runs } = recorder(async () => {
      await sleep(1000);
      return 'reviewed';
    });
    const w = worker(handler);
    const { id } = await queue.enqueue(spec(1, 'a'.repeat(40)));
    await until('started', () => runs.length === 1);
    t = Date.now();
    await w.stop(10_000);
    expect((await queue.list()).find((j) => j.id === id)?.state).toBe('completed');
  });

  it('stopping past the grace returns the running job to the queue, and another worker runs it', async () => {
    const seen: boolean[] = [];
    const slow = recorder(async (_, ctx) => {
      await sleep(3000);
      seen.push(ctx.superseded());
      return 'reviewed';
    });
    const w = worker(slow.handler);
    const { id } = await queue.enqueue(spec(1, 'a'.repeat(40)));
    await until('started', () => slow.runs.length === 1);
    await w.stop(300);
    expect(['waiting', 'active']).toContain((await queue.list()).find((j) => j.id === id)?.state);
    const next = recorder();
    worker(next.handler);
    await until('run by the next worker', async () => (await queue.list()).find((j) => j.id === id)?.state === 'completed');
    expect(next.runs).toHaveLength(1);
    // The first handler, left running, was told to post nothing more.
    await until('the first handler ended', () => seen.length === 1);
    expect(seen).toEqual([true]);
  });
});

describe('the in-process queue (no Redis): the same semantics', () => {
  const make = (h: JobHandler): MemoryQueue => new MemoryQueue(() => undefined, policy).serve({ pr: h });

  it('replaces a waiting job, cancels a running one, stores the same head once', async () => {
    const { handler, runs } = recorder((_, ctx) => waitForCancel(ctx, 3000));
    const q = make(handler);
    const a = await q.enqueue(spec(1, 'a'.repeat(40)));
    expect((await q.enqueue(spec(1, 'a'.repeat(40)))).duplicate).toBe(true);
    await until('a started', () => runs.length === 1);
    const b = await q.enqueue(spec(1, 'b'.repeat(40)));
    expect(b.replaced).toBe(a.id);
    const c = await q.enqueue(spec(1, 'c'.repeat(40)));
    expect(c.replaced).toBe(b.id);
    await q.settled(a.id);
    await q.settled(c.id);
    const jobs = await q.list();
    expect(jobs.map((j) => [j.head[0], j.outcome])).toEqual([
      ['a', 'superseded'],
      ['b', 'superseded'],
      ['c', 'reviewed'],
    ]);
    expect(runs.map((r) => r.head[0])).toEqual(['a', 'c']);
    expect(q.counts).toMatchObject({ done: 1, superseded: 2, failed: 0, queued: 0, running: 0 });
  });

  it('retries transient errors with backoff; a permanent error fails for good; retry and drop', async () => {
    let mode: 'flaky' | 'broken' | 'ok' = 'flaky';
    const { handler, runs } = recorder(async (_, ctx) => {
      if (mode === 'flaky' && ctx.attempt < 2) throw Object.assign(new Error('Service Unavailable'), { status: 503 });
      if (mode === 'broken') throw new Error('the patch is not a patch');
      return 'reviewed';
    });
    const q: JobQueue & MemoryQueue = make(handler);
    const a = await q.enqueue(spec(1, 'a'.repeat(40)));
    await q.settled(a.id);
    expect(runs.map((r) => r.attempt)).toEqual([1, 2]);
    expect((runs[1]?.at ?? 0) - (runs[0]?.at ?? 0)).toBeGreaterThanOrEqual(policy.backoffMs);
    mode = 'broken';
    const b = await q.enqueue(spec(2, 'b'.repeat(40)));
    await q.settled(b.id);
    expect((await q.list()).find((j) => j.id === b.id)).toMatchObject({ state: 'failed', reason: 'the patch is not a patch', attemptsMade: 1 });
    mode = 'ok';
    await q.retry(b.id);
    await until('b completed', async () => (await q.list()).find((j) => j.id === b.id)?.state === 'completed');
    await q.drop(b.id);
    await expect(q.drop(b.id)).rejects.toBeInstanceOf(UnknownJobError);
    expect((await q.status()).idle).toBe(true);
  });

  it('a thrown value that is not an Error keeps what it says as the reason, not "[object Object]"', async () => {
    const thrown: unknown[] = [{ code: 'EBADHUNK', detail: 'hunk 2 of 3' }, 'a plain string', Object.create(null) as object];
    const q = make(async (s) => {
      throw thrown[(s.payload as { n: number }).n - 10];
    });
    const reasons: string[] = [];
    for (let i = 0; i < thrown.length; i++) {
      const job = await q.enqueue(spec(10 + i, String(i).repeat(40)));
      await q.settled(job.id);
      reasons.push((await q.list()).find((j) => j.id === job.id)?.reason ?? '');
    }
    expect(reasons).toEqual(['{"code":"EBADHUNK","detail":"hunk 2 of 3"}', 'a plain string', 'a thrown object with keys: none']);
  });
});
