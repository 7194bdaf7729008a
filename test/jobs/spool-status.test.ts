/**
 * GET /kvm-review/status with REDIS_URL answers from the spool too: a
 * delivery spooled on disk while Redis is down is work the server still
 * has, so the server is not idle until Redis has taken it (an operator, or
 * a deploy script waiting for idle, would otherwise stop it with the job
 * only on disk). The shared queue here is the in-process queue behind a
 * switch that refuses as an unreachable Redis does: the window between
 * Redis answering again and the spool's next try is a race against a real
 * redis-server (ioredis finishes a pending enqueue on reconnect).
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryQueue } from '../../bot/jobs/memory-queue.js';
import type { Enqueued, JobSpec } from '../../bot/jobs/queue.js';
import { SpooledQueue, type DeliveryQueue } from '../../bot/jobs/spool.js';

const spec: JobSpec = { kind: 'pr', key: 'pr:kvm/linux#9', head: 'e'.repeat(40), installationId: 1, payload: {} };
const files = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.json')) : []);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The in-process queue as the shared one, refusing every enqueue while `down`. */
class Switched extends MemoryQueue implements DeliveryQueue {
  down = true;
  override async enqueue(s: JobSpec): Promise<Enqueued> {
    if (this.down) throw new Error('cannot reach Redis at redis://127.0.0.1:1: connect ECONNREFUSED');
    return super.enqueue(s);
  }
}

describe('the spool in the queue status', () => {
  it('a spooled delivery keeps the server from being idle until the shared queue has it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kvm-review-spool-status-')), 'redis-spool');
    const inner = new Switched();
    const q = new SpooledQueue(inner, dir);
    try {
      expect((await q.enqueue(spec)).id).toMatch(/^spooled:/);
      // The shared queue holds nothing and says idle; the delivery waits on disk.
      expect(await inner.status()).toMatchObject({ idle: true, waiting: 0 });
      expect(await q.status()).toMatchObject({ idle: false, spooled: 1, waiting: 0 });
      inner.down = false;
      for (let i = 0; i < 100 && files(dir).length > 0; i++) await sleep(100);
      expect(files(dir)).toEqual([]);
      // Taken: it waits in the shared queue now (no worker serves it here), and nothing is spooled.
      expect(await q.status()).toMatchObject({ idle: false, spooled: 0, waiting: 1 });
    } finally {
      await q.close();
    }
  }, 30_000);
});
