/**
 * A review that failed for good completed its check run as "kvm-review could
 * not run": that check run does not make the head reviewed. The operator's
 * retry (which runs as attempt 1 again) and a redelivery of the same head
 * review it; once reviewed, a redelivery posts nothing. The in-process
 * queue; retry-failed-review-bull.test.ts runs the same on BullMQ.
 */
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { MemoryQueue } from '../../bot/jobs/memory-queue.js';
import { loadApp, PR, PUSH, redeliveryReviews, retryRepo, retryReviews, type RetryRepo, type Setup } from './retry-fixture.js';

let repo: RetryRepo;
beforeAll(async () => void (repo = await retryRepo()));
afterAll(async () => repo.gh.stop());

async function withQueue(run: (setup: Setup) => Promise<void>): Promise<void> {
  const queue = new MemoryQueue(() => undefined, { attempts: 3, backoffMs: 10 });
  try {
    await run({ p: await loadApp(repo, queue), repo, queue, redeliveryAddsJob: true });
  } finally {
    await queue.close();
  }
}

describe.each([PR, PUSH])('a failed $name review, in process', (kind) => {
  it('retried, it reviews the head; a redelivery then posts nothing', () => withQueue((s) => retryReviews(s, kind)));
  it('delivered again, it reviews the head; the failed job keeps its reason', () => withQueue((s) => redeliveryReviews(s, kind)));
});
