/**
 * A job on the shared queue whose data is not a job (written by another
 * version, or by hand): the worker fails it for good at once with the reason
 * (not retried, not reported as a connection error), and `kvm-review jobs`
 * still lists the queue, that job included, so an operator can drop it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { main } from '../../bot/cli/main.js';
import { BullQueue } from '../../bot/jobs/bullmq-queue.js';
import { JobWorker } from '../../bot/jobs/worker.js';
import { ROOT } from '../helpers/paths.js';
import { RedisServer } from './redis-server.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function jobs(args: string[], url: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const saved = process.env.REDIS_URL;
  process.env.REDIS_URL = url;
  try {
    const code = await main(['node', 'kvm-review', 'jobs', ...args], { stdout: (t) => (out += t), stderr: (t) => (err += t), cwd: ROOT });
    return { code, out, err };
  } finally {
    process.env.REDIS_URL = saved;
  }
}

describe('a job whose data is not a job', () => {
  const redis = new RedisServer();
  beforeAll(async () => {
    await redis.start();
  });
  afterAll(async () => {
    await redis.destroy();
  });

  it('fails for good at once with the reason; kvm-review jobs lists it and drops it', async () => {
    const queue = new BullQueue(redis.url, { attempts: 3, backoffMs: 100 });
    await queue.queue.add('pr', { nonsense: true } as never, { jobId: 'stray-1', attempts: 3, backoff: { type: 'fixed', delay: 100 } });
    const logs: string[] = [];
    const worker = new JobWorker({ url: redis.url, lockMs: 2000, handlers: { pr: async () => 'reviewed' }, log: (level, message) => logs.push(`${level} ${message}`) });
    try {
      let state = '';
      for (let i = 0; i < 200 && state !== 'failed'; i++) {
        await sleep(50);
        state = (await (await queue.queue.getJob('stray-1'))?.getState()) ?? '';
      }
      const job = await queue.queue.getJob('stray-1');
      expect(job?.attemptsMade).toBe(1);
      expect(job?.failedReason).toBe('not a kvm-review job: a job must be an object');
      expect(logs.filter((l) => l.includes('queue connection'))).toEqual([]);
      expect(logs).toContain('error job failed for good');
    } finally {
      await worker.stop(1000);
      await queue.close();
    }
    const list = await jobs([], redis.url);
    expect(list.err).toBe('');
    expect(list.code).toBe(0);
    expect(list.out.split('\n').find((l) => l.includes('stray-1'))).toMatch(/^failed .*reason: not a kvm-review job: a job must be an object$/);
    expect(await jobs(['drop', 'stray-1'], redis.url)).toMatchObject({ code: 0 });
    expect((await jobs([], redis.url)).out).not.toContain('stray-1');
  }, 60_000);
});
