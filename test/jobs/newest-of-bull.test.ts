/**
 * The watcher's question "what became of v1's job?" asked by key on BullMQ
 * (a real redis-server): the key's newest job is found however many jobs the
 * queue holds (list() returns the newest 500, and a v1 enqueued before them
 * was "gone", so v2 was reviewed without its comparison), a newer head of
 * the key answers with its own job, and a key never enqueued answers null.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BullQueue } from '../../bot/jobs/bullmq-queue.js';
import { seriesJob, type JobSpec } from '../../bot/jobs/queue.js';
import { RedisServer } from './redis-server.js';

const pr = (n: number): JobSpec => ({ kind: 'pr', key: `pr:kvm/linux#${n}`, head: 'a'.repeat(40), installationId: 1, payload: { n } });

describe('the newest job of a key, on BullMQ', () => {
  const redis = new RedisServer();
  let queue: BullQueue;

  beforeAll(async () => {
    await redis.start();
    queue = new BullQueue(redis.url, { attempts: 3, backoffMs: 60_000 });
  });
  afterAll(async () => {
    await queue.close();
    await redis.destroy();
  });

  it('is found behind 600 other jobs, follows a newer head, and is null for a key never enqueued', async () => {
    // No worker runs: every job stays waiting, 600 of them after v1's.
    const v1 = await queue.enqueue(seriesJob('fp-v1', { version: 1 }));
    for (let n = 0; n < 600; n++) await queue.enqueue(pr(n));
    const listed = await queue.list();
    expect(listed).toHaveLength(500);
    expect(listed.some((j) => j.id === v1.id)).toBe(false);

    expect(await queue.newestOf(seriesJob('fp-v1', {}).key)).toMatchObject({ id: v1.id, state: 'waiting', key: 'series:fp-v1' });
    const again = await queue.enqueue({ ...seriesJob('fp-v1', { version: 1 }), head: 'fp-v1-again' });
    expect((await queue.newestOf('series:fp-v1'))?.id).toBe(again.id);
    expect(again.id).not.toBe(v1.id);
    expect(await queue.newestOf('series:never')).toBeNull();
  }, 60_000);
});
