/**
 * `kvm-review jobs` and `kvm-review worker` through the CLI's main(): the
 * shared queue listed, a failed job retried and dropped, unknown ids and a
 * missing REDIS_URL answered with exit 2 (or, for a plain list, with the
 * news that there is no shared queue); and bot/jobs knows no job kind's
 * meaning (it imports nothing from app/ or watch/).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BullQueue } from '../../bot/jobs/bullmq-queue.js';
import { JobWorker } from '../../bot/jobs/worker.js';
import { ROOT } from '../helpers/paths.js';
import { cli } from './cli-in-process.js';
import { RedisServer } from './redis-server.js';

describe('kvm-review jobs', () => {
  const redis = new RedisServer();
  let failedId = '';
  let doneId = '';

  beforeAll(async () => {
    await redis.start();
    const queue = new BullQueue(redis.url, { attempts: 1, backoffMs: 100 });
    const worker = new JobWorker({
      url: redis.url,
      lockMs: 2000,
      handlers: {
        pr: async (spec) => {
          if (spec.head.startsWith('bad')) throw Object.assign(new Error('Validation Failed: line must be part of the diff'), { status: 422 });
          return 'reviewed';
        },
      },
    });
    failedId = (await queue.enqueue({ kind: 'pr', key: 'pr:kvm/linux#7', head: 'bad'.padEnd(40, '0'), installationId: 1, payload: {} })).id;
    doneId = (await queue.enqueue({ kind: 'pr', key: 'pr:kvm/linux#8', head: 'a'.repeat(40), installationId: 1, payload: {} })).id;
    for (let i = 0; i < 200 && !(await queue.status()).idle; i++) await new Promise((r) => setTimeout(r, 50));
    await worker.stop(1000);
    await queue.close();
  });
  afterAll(async () => {
    await redis.destroy();
  });

  it('lists the jobs with their state, and a failed one with its reason; exit 0', async () => {
    const r = await cli(['jobs'], { REDIS_URL: redis.url });
    expect(r.code).toBe(0);
    const failed = r.out.split('\n').find((l) => l.includes(failedId));
    expect(failed).toMatch(/^failed /);
    expect(failed).toContain('reason: Validation Failed: line must be part of the diff (HTTP 422)');
    expect(r.out.split('\n').find((l) => l.includes(doneId))).toMatch(/^completed .* reviewed$/);
    expect(r.out).toMatch(/0 waiting, 0 delayed \(retry backoff\), 0 running, 1 failed; 1 done/);
    const json = await cli(['jobs', '--format', 'json'], { REDIS_URL: redis.url });
    const parsed = JSON.parse(json.out) as { jobs: { id: string; state: string; reason: string | null }[] };
    expect(parsed.jobs.find((j) => j.id === failedId)).toMatchObject({ state: 'failed', reason: expect.stringContaining('Validation Failed') });
  });

  it('retry ID puts a failed job back; drop ID removes it; an unknown ID is exit 2 naming it', async () => {
    expect((await cli(['jobs', 'retry', doneId], { REDIS_URL: redis.url })).code).toBe(2);
    const retried = await cli(['jobs', 'retry', failedId], { REDIS_URL: redis.url });
    expect(retried).toMatchObject({ code: 0, out: expect.stringContaining(`retrying ${failedId}`) });
    expect((await cli(['jobs'], { REDIS_URL: redis.url })).out.split('\n').find((l) => l.includes(failedId))).toMatch(/^waiting /);
    expect((await cli(['jobs', 'drop', failedId], { REDIS_URL: redis.url })).code).toBe(0);
    expect((await cli(['jobs'], { REDIS_URL: redis.url })).out).not.toContain(failedId);
    const unknown = await cli(['jobs', 'drop', 'pr/nope@0'], { REDIS_URL: redis.url });
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('no job pr/nope@0');
    expect((await cli(['jobs', 'retry'], { REDIS_URL: redis.url })).code).toBe(2);
    expect((await cli(['jobs', 'frobnicate'], { REDIS_URL: redis.url })).code).toBe(2);
  });

  it('with no REDIS_URL: list says there is no shared queue (exit 0); retry and drop are exit 2', async () => {
    const list = await cli(['jobs'], { REDIS_URL: undefined });
    expect(list.code).toBe(0);
    expect(list.out).toContain('no shared queue: REDIS_URL is not set');
    const retry = await cli(['jobs', 'retry', 'x'], { REDIS_URL: undefined });
    expect(retry.code).toBe(2);
    expect(retry.err).toContain('no shared queue');
  });

  it('a Redis that does not answer is exit 2 naming it, not a hang', async () => {
    const dead = new RedisServer();
    await dead.start();
    const url = dead.url;
    await dead.destroy();
    const t = Date.now();
    const r = await cli(['jobs'], { REDIS_URL: url });
    expect(r.code).toBe(2);
    expect(r.err).toContain(`cannot reach Redis at ${url}`);
    expect(Date.now() - t).toBeLessThan(15_000);
  });
});

describe('kvm-review worker', () => {
  it('needs REDIS_URL and the App identity: exit 2 saying so', async () => {
    const noRedis = await cli(['worker'], { REDIS_URL: undefined });
    expect(noRedis.code).toBe(2);
    expect(noRedis.err).toContain('REDIS_URL is not set');
    const noApp = await cli(['worker'], { REDIS_URL: 'redis://127.0.0.1:1', APP_ID: undefined, PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: undefined });
    expect(noApp.code).toBe(2);
    expect(noApp.err).toContain('APP_ID and PRIVATE_KEY');
    expect((await cli(['worker', '--concurrency', '0'], { REDIS_URL: 'redis://127.0.0.1:1' })).code).toBe(2);
  });
});

describe('bot/jobs', () => {
  it('imports nothing from app/ or watch/: handlers are given to it', () => {
    const dir = join(ROOT, 'bot', 'jobs');
    const bad = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/from '(\.[^']+)'/g)].map((m) => `${f} -> ${m[1]}`))
      .filter((i) => / -> \.\.\/(app|watch|cli)\//.test(i));
    expect(bad).toEqual([]);
  });
});
