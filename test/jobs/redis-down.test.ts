/**
 * A Redis that is wrong or gone, as an operator meets it: `kvm-review
 * worker` and `kvm-review jobs` with a REDIS_URL that does not answer (a
 * refused port, a password required) say so naming the URL and why, exit 2
 * and do not hang; a worker told to stop while its Redis is down stops
 * rather than waiting for a Redis that may never come back.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { BullQueue } from '../../bot/jobs/bullmq-queue.js';
import { JobWorker } from '../../bot/jobs/worker.js';
import { AppServer } from '../app/app-server.js';
import { appEnv, WorkerProcess } from './harness.js';
import { cli } from './cli-in-process.js';
import { RedisServer } from './redis-server.js';

const KEY = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** What a promise did within `ms`: a hang reads 'still waiting' rather than failing by the test's timeout with no word. */
const within = <T>(p: Promise<T>, ms: number): Promise<T | 'still waiting'> => Promise.race([p, sleep(ms).then(() => 'still waiting' as const)]);

/** A port nothing listens on: a redis-server started and destroyed. */
async function deadUrl(): Promise<string> {
  const dead = new RedisServer();
  await dead.start();
  const url = dead.url;
  await dead.destroy();
  return url;
}

describe('a REDIS_URL that does not answer', () => {
  const locked = new RedisServer();
  beforeAll(async () => {
    await locked.start();
    // A Redis that requires a password, as a managed one does.
    const { Redis } = await import('ioredis');
    const r = new Redis(locked.url);
    await r.config('SET', 'requirepass', 'sekret');
    r.disconnect();
  });
  afterAll(async () => {
    await locked.destroy();
  });

  it('kvm-review worker: exit 2 naming the URL and why (refused, password required), not a worker waiting forever', async () => {
    const identity = { APP_ID: '1', PRIVATE_KEY: KEY, PRIVATE_KEY_PATH: undefined, LOG_LEVEL: 'silent' };
    const url = await deadUrl();
    const refused = await within(cli(['worker'], { ...identity, REDIS_URL: url }), 30_000);
    expect(refused).toMatchObject({ code: 2, err: expect.stringContaining(`cannot reach Redis at ${url}: connect ECONNREFUSED`) });
    const noAuth = await within(cli(['worker'], { ...identity, REDIS_URL: locked.url }), 30_000);
    expect(noAuth).toMatchObject({ code: 2, err: expect.stringContaining(`cannot reach Redis at ${locked.url}: NOAUTH`) });
  }, 90_000);

  it('npm start: exit 2 naming the URL and why, not a server that answers every delivery with an error', async () => {
    const app = new AppServer('127.0.0.1:1', { REDIS_URL: locked.url, KVM_REVIEW_CACHE_DIR: locked.dir });
    try {
      await expect(app.start()).rejects.toThrow(/the server exited 2:[\s\S]*cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+\/?: NOAUTH/);
    } finally {
      await app.stop(true);
    }
  }, 60_000);

  it('kvm-review jobs: the reason is the connection error, not the client library retry count', async () => {
    const url = await deadUrl();
    const r = await cli(['jobs'], { REDIS_URL: url });
    expect(r.code).toBe(2);
    expect(r.err).toContain(`cannot reach Redis at ${url}: connect ECONNREFUSED`);
    expect(r.err).not.toContain('maxRetriesPerRequest');
  }, 30_000);
});

describe('Redis gone while a worker waits', () => {
  it('the worker told to stop stops: it does not wait for Redis to come back', async () => {
    const redis = new RedisServer();
    await redis.start();
    try {
      const queue = new BullQueue(redis.url, { attempts: 1, backoffMs: 100 });
      const ran: string[] = [];
      const worker = new JobWorker({ url: redis.url, lockMs: 2000, handlers: { pr: async (s) => void ran.push(s.head) } });
      // One job run first: the worker is connected and waiting when Redis goes.
      await queue.enqueue({ kind: 'pr', key: 'pr:kvm/linux#1', head: 'a'.repeat(40), installationId: 1, payload: {} });
      for (let i = 0; i < 200 && !ran.length; i++) await sleep(50);
      expect(ran).toHaveLength(1);
      await queue.close();
      await redis.stop('SIGKILL');
      await sleep(500);
      expect(await within(worker.stop(1000), 20_000)).toBeUndefined();
    } finally {
      await redis.destroy();
    }
  }, 60_000);

  it('kvm-review worker (the process) told to stop while Redis is down exits 0, not kept alive by the queue library timers', async () => {
    const redis = new RedisServer();
    await redis.start();
    const w = new WorkerProcess(appEnv('127.0.0.1:1', redis.url, redis.dir, { KVM_REVIEW_JOB_LOCK_MS: '30000' }));
    try {
      for (let i = 0; i < 200 && !w.log.includes('jobs from'); i++) await sleep(50);
      await sleep(500);
      await redis.stop('SIGKILL');
      await sleep(500);
      const stopped = await within(w.stop('SIGTERM'), 20_000);
      expect(stopped).toMatchObject({ code: 0 });
      expect(w.log).toContain('Redis has not answered');
    } finally {
      await w.stop('SIGKILL');
      await redis.destroy();
    }
  }, 60_000);
});
