/**
 * retry-failed-review.test.ts on BullMQ: a real redis-server, the App
 * enqueueing into it and a JobWorker running the App's handlers. `kvm-review
 * jobs retry` resets the attempts (the retry runs as attempt 1); a failed
 * review's check run does not make the head reviewed, so it reviews. The
 * same head delivered again after its job failed is a new job (the failed
 * one is kept, with its reason); after a review, it stores nothing.
 */
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { reviewHandlers } from '../../bot/app/index.js';
import { BullQueue } from '../../bot/jobs/bullmq-queue.js';
import { JobWorker } from '../../bot/jobs/worker.js';
import { appOptions, loadApp, PR, PUSH, redeliveryReviews, retryRepo, retryReviews, type RetryRepo, type Setup } from '../app/retry-fixture.js';
import { RedisServer } from './redis-server.js';

const redis = new RedisServer();
let repo: RetryRepo;
beforeAll(async () => {
  await redis.start();
  repo = await retryRepo();
});
afterAll(async () => {
  await repo.gh.stop();
  await redis.destroy();
});

async function withQueue(run: (setup: Setup) => Promise<void>): Promise<void> {
  const queue = new BullQueue(redis.url, { attempts: 3, backoffMs: 10 });
  const p = await loadApp(repo, queue);
  const worker = new JobWorker({ url: redis.url, handlers: reviewHandlers(p, appOptions(queue)), lockMs: 5000 });
  try {
    await run({ p, repo, queue, redeliveryAddsJob: false });
  } finally {
    await worker.stop(1000);
    await queue.close();
  }
}

describe.each([PR, PUSH])('a failed $name review, on BullMQ', (kind) => {
  it('kvm-review jobs retry reviews the head; a redelivery then posts nothing', () => withQueue((s) => retryReviews(s, kind)));
  it('delivered again, it reviews the head in a new job; the failed job keeps its reason', () => withQueue((s) => redeliveryReviews(s, kind)));
});
