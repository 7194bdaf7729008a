/**
 * What `npm start` does with a delivery Redis does not take (REDIS_URL, and
 * Redis down or not answering): the job is written to a spool on disk
 * (`redis-spool/` in KVM_REVIEW_QUEUE_DIR, a temporary file fsync'ed and
 * renamed into place), the delivery is answered 2xx, and the spool is
 * enqueued again, oldest first, with a backoff doubling from 1 s to at most
 * 60 s, until Redis has stored every entry; each is removed once Redis
 * stored it. A start enqueues what a stopped or killed server left there.
 *
 * Nothing is enqueued twice: each entry carries a delivery id, given to
 * Redis with the job, and a replay of a delivery Redis already stored (the
 * server stopped between Redis' answer and the removal, or Redis stored it
 * after the enqueue had timed out) is that job, not a second one, even for
 * a recheck. While the spool holds entries, new deliveries go behind them,
 * so a newer head is never enqueued before an older one it supersedes.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { checkSpec, reasonOf, type Enqueued, type JobInfo, type JobQueue, type JobSpec, type QueueStatus } from './queue.js';

/** The part of the shared queue the spool needs: an enqueue that knows delivery ids (BullQueue). */
export interface DeliveryQueue extends JobQueue {
  enqueue(spec: JobSpec, delivery?: string): Promise<Enqueued>;
}

/** One spooled delivery. */
interface SpoolEntry {
  delivery: string;
  spec: JobSpec;
  /** When it was spooled (ms). */
  since: number;
  /** Why Redis did not take it, the first time. */
  reason: string;
}

export type SpoolLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

/** Backoff between two tries of the spool: 1 s doubling, at most 60 s. */
export const SPOOL_FIRST_MS = 1000;
export const SPOOL_MAX_MS = 60_000;

export class SpooledQueue implements JobQueue {
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private tries = 0;
  private closed = false;

  constructor(
    private readonly inner: DeliveryQueue,
    readonly dir: string,
    private readonly log: SpoolLog = () => undefined,
  ) {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) if (name.startsWith('.')) rmSync(join(dir, name), { force: true });
    const left = this.names().length;
    if (left) {
      this.log('info', `kvm-review: ${left} ${left === 1 ? 'delivery' : 'deliveries'} spooled while Redis was down: enqueueing them`, { spool: dir });
      this.schedule(0);
    }
  }

  /** Entries still waiting for Redis. */
  pending(): number {
    return this.names().length;
  }

  async enqueue(spec: JobSpec): Promise<Enqueued> {
    checkSpec(spec);
    const delivery = randomUUID();
    // Behind what waits already: a newer head enqueued first would be superseded by the older one.
    if (this.pending() === 0) {
      try {
        return await this.inner.enqueue(spec, delivery);
      } catch (e) {
        return this.spool({ delivery, spec, since: Date.now(), reason: reasonOf(e) });
      }
    }
    return this.spool({ delivery, spec, since: Date.now(), reason: 'earlier deliveries are still spooled' });
  }

  /** Writes the entry (its rename is the acknowledgement) and starts the retries. */
  private spool(entry: SpoolEntry): Enqueued {
    const name = `${String(entry.since).padStart(15, '0')}-${entry.delivery}.json`;
    const tmp = join(this.dir, `.${name}.tmp-${process.pid}`);
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, `${JSON.stringify(entry)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(this.dir, name));
    this.log('warn', `kvm-review: Redis did not take job ${entry.spec.key} (${entry.reason}): spooled in ${this.dir}, enqueued once Redis answers`, { key: entry.spec.key, head: entry.spec.head });
    if (!this.timer && !this.draining) this.schedule(SPOOL_FIRST_MS);
    return { id: `spooled:${entry.delivery}`, duplicate: false, replaced: null };
  }

  private names(): string[] {
    return readdirSync(this.dir)
      .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
      .sort();
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.draining = this.drain().finally(() => (this.draining = null));
    }, ms);
  }

  /** Enqueues the entries oldest first; on the first Redis refuses, tries again after the backoff. */
  private async drain(): Promise<void> {
    for (const name of this.names()) {
      if (this.closed) return;
      const path = join(this.dir, name);
      let entry: SpoolEntry;
      try {
        entry = JSON.parse(readFileSync(path, 'utf8')) as SpoolEntry;
        checkSpec(entry.spec);
        if (typeof entry.delivery !== 'string' || !entry.delivery) throw new Error('no delivery id');
      } catch (e) {
        // Not ours to guess at: kept beside, named, for someone to look at.
        const aside = join(this.dir, `corrupt-${name}`.replace(/\.json$/, '.bad'));
        renameSync(path, aside);
        this.log('error', `kvm-review: spooled delivery ${path}: ${reasonOf(e)}; moved to ${aside}, not enqueued`, { file: path });
        continue;
      }
      try {
        const { id, duplicate } = await this.inner.enqueue(entry.spec, entry.delivery);
        rmSync(path, { force: true });
        this.log('info', `kvm-review: spooled job ${entry.spec.key} enqueued as ${id}${duplicate ? ' (Redis had it already)' : ''}`, { key: entry.spec.key, head: entry.spec.head, id, duplicate, spooledMs: Date.now() - entry.since });
      } catch (e) {
        this.tries++;
        const wait = Math.min(SPOOL_FIRST_MS * 2 ** (this.tries - 1), SPOOL_MAX_MS);
        this.log('warn', `kvm-review: Redis still does not take the spooled jobs (${reasonOf(e)}): ${this.pending()} waiting, tried again in ${wait / 1000} s`, { spool: this.dir });
        this.schedule(wait);
        return;
      }
    }
    this.tries = 0;
    // Deliveries spooled while this pass ran.
    if (this.pending() > 0) this.schedule(0);
  }

  list(): Promise<JobInfo[]> {
    return this.inner.list();
  }

  retry(id: string): Promise<void> {
    return this.inner.retry(id);
  }

  drop(id: string): Promise<void> {
    return this.inner.drop(id);
  }

  /** The shared queue's status, and the deliveries still spooled: the server is not idle while one waits for Redis. */
  async status(): Promise<QueueStatus> {
    // Counted before Redis is asked: an entry enqueued meanwhile is then counted twice, never in neither.
    const spooled = this.pending();
    const s = await this.inner.status();
    return { ...s, spooled, idle: s.idle && spooled === 0 };
  }

  /** Stops the retries (what is spooled stays for the next start) and closes the queue. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.draining;
    await this.inner.close();
  }
}
