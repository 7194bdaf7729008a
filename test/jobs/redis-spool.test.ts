/**
 * A delivery while Redis is down (REDIS_URL): the job is spooled on disk
 * and the delivery answered, then enqueued on its own once Redis is back,
 * across a restart of the server, and never twice (a recheck included,
 * whose every enqueue is otherwise a job of its own). A real redis-server
 * on loopback, stopped and started again on the same port and data; the
 * App's real server for the delivery.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BullQueue } from '../../bot/jobs/bullmq-queue.js';
import type { JobInfo, JobSpec } from '../../bot/jobs/queue.js';
import { SpooledQueue } from '../../bot/jobs/spool.js';
import { AppServer } from '../app/app-server.js';
import { prPayload } from './harness.js';
import { RedisServer } from './redis-server.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const spec = (head: string, force = false): JobSpec => ({ kind: 'pr', key: 'pr:kvm/linux#7', head, installationId: 1, payload: {}, ...(force ? { force } : {}) });
const files = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.json')) : []);

async function jobsOf(url: string): Promise<JobInfo[]> {
  const q = new BullQueue(url);
  try {
    return await q.list();
  } finally {
    await q.close();
  }
}

/** Waits (at most 60 s) until `dir` holds no spooled entry. */
async function drained(dir: string): Promise<void> {
  for (let i = 0; i < 600 && files(dir).length > 0; i++) await sleep(100);
  expect(files(dir)).toEqual([]);
}

const servers: RedisServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.destroy();
});

describe('the spool', () => {
  it('Redis down: spooled, kept across a restart, enqueued once Redis is back; a replay of what Redis stored is not a second job', async () => {
    const redis = new RedisServer();
    servers.push(redis);
    await redis.start();
    const dir = join(mkdtempSync(join(tmpdir(), 'kvm-review-spool-')), 'redis-spool');
    const logs: string[] = [];
    const log = (_: string, m: string): number => logs.push(m);
    let q = new SpooledQueue(new BullQueue(redis.url, { attempts: 1, backoffMs: 100 }), dir, log);
    await redis.stop('SIGTERM');
    // A recheck: force makes every enqueue a new job, so only the delivery id keeps a replay from running it twice.
    const answer = await q.enqueue(spec('a'.repeat(40), true));
    expect(answer.id).toMatch(/^spooled:/);
    expect(files(dir)).toHaveLength(1);
    expect(logs.join('\n')).toMatch(/Redis did not take job pr:kvm\/linux#7 \(cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+\/?: connect ECONNREFUSED.*\): spooled in/);
    // A newer head arrives behind it.
    await q.enqueue(spec('b'.repeat(40)));
    expect(files(dir)).toHaveLength(2);
    const saved = join(dir, '..', 'first.json.saved');
    copyFileSync(join(dir, files(dir)[0] ?? ''), saved);
    // The server stops while Redis is down: the spool stays.
    await q.close();
    expect(files(dir)).toHaveLength(2);
    q = new SpooledQueue(new BullQueue(redis.url, { attempts: 1, backoffMs: 100 }), dir, log);
    await sleep(1500);
    expect(files(dir)).toHaveLength(2);
    expect(logs.join('\n')).toMatch(/Redis still does not take the spooled jobs .*: 2 waiting, tried again in \d+ s/);
    await redis.start();
    await drained(dir);
    expect(await q.status()).toMatchObject({ spooled: 0 });
    let jobs = await jobsOf(redis.url);
    // Oldest first: the recheck of a, then b replacing it while it waited.
    expect(jobs.map((j) => j.head[0])).toEqual(['b']);
    expect(logs.join('\n')).toMatch(/spooled job pr:kvm\/linux#7 enqueued as /);
    await q.close();

    // Redis had stored the recheck, and the server was stopped before it removed the entry: started again, it posts nothing twice.
    copyFileSync(saved, join(dir, 'x-replayed.json'));
    q = new SpooledQueue(new BullQueue(redis.url, { attempts: 1, backoffMs: 100 }), dir, log);
    await drained(dir);
    expect(logs.join('\n')).toMatch(/enqueued as .* \(Redis had it already\)/);
    jobs = await jobsOf(redis.url);
    expect(jobs.map((j) => j.head[0])).toEqual(['b']);
    await q.close();
  }, 120_000);
});

describe('npm start with REDIS_URL, Redis down', () => {
  it('the delivery is answered 2xx and its job is enqueued once Redis is back, with no redelivery', async () => {
    const redis = new RedisServer();
    servers.push(redis);
    await redis.start();
    const cacheDir = mkdtempSync(join(tmpdir(), 'kvm-review-spool-app-'));
    const app = new AppServer('127.0.0.1:9', { REDIS_URL: redis.url, KVM_REVIEW_CACHE_DIR: cacheDir });
    try {
      await app.start();
      await redis.stop('SIGKILL');
      const status = await app.deliver('pull_request', prPayload('opened', 3, 'c'.repeat(40), 'd'.repeat(40)));
      expect(status).toBeGreaterThanOrEqual(200);
      expect(status).toBeLessThan(300);
      const spool = join(cacheDir, 'queue', 'redis-spool');
      expect(files(spool)).toHaveLength(1);
      // Stopped while Redis is still down: the spooled job stays on disk; the next start enqueues it.
      expect(await app.signal('SIGTERM')).toMatchObject({ code: 0 });
      expect(files(spool)).toHaveLength(1);
      await redis.start();
      await app.start();
      await drained(spool);
      await app.logged(/spooled job pr:kvm\/linux#3 enqueued as /);
      const jobs = await jobsOf(redis.url);
      expect(jobs.map((j) => [j.kind, j.head])).toEqual([['pr', 'c'.repeat(40)]]);
    } finally {
      await app.stop(true);
    }
  }, 120_000);
});
