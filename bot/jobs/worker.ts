/**
 * Runs the shared queue's jobs with the handlers it is given (it knows no
 * job kind). A job whose generation moved before it starts is skipped; while
 * it runs, the generation is polled so its superseded() turns true soon
 * after a newer head is enqueued. Errors: a transient one is thrown back
 * to BullMQ (retried with exponential backoff), anything else fails the job
 * for good with its reason (UnrecoverableError).
 *
 * A worker that dies leaves its job locked; the lock expires after
 * `lockMs` and the next stalled check (every `lockMs`) of any live worker
 * returns it to the queue, so it is picked up again within 2 * lockMs (60 s
 * by default). A worker whose lock renewal fails (its event loop blocked
 * past the lock, or Redis gave the job to another worker) tells the running
 * handler through superseded(): it posts nothing more, and the job runs
 * again from the queue. `stop(graceMs)` lets running jobs finish, and after graceMs
 * returns them to the queue (their handlers see superseded(): they post
 * nothing more).
 */
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { countSuperseded, keyHash, MOVED_CHANNEL, QUEUE_NAME, redisClient, STATS, type JobData } from './bullmq-queue.js';
import { isSupersededError, isTransient, reasonOf, type JobHandlers } from './queue.js';

export interface WorkerOptions {
  url: string;
  handlers: JobHandlers;
  /** Jobs run at once by this process (they share one event loop: the analysis is CPU-bound). */
  concurrency?: number;
  /** BullMQ's lockDuration and stalledInterval (KVM_REVIEW_JOB_LOCK_MS, default 30 s). */
  lockMs?: number;
  /** How often a running job re-reads its key's generation (besides the message a newer head publishes). */
  pollMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

/** Times a job may be found stalled (its worker died) before it fails for good. */
const MAX_STALLED = 3;

export class JobWorker {
  private readonly worker: Worker<JobData, string>;
  private readonly redis: Redis;
  /** The worker's own connection: BullMQ does not close a connection it was given. */
  private readonly connection: Redis;
  /** Subscribed to MOVED_CHANNEL: the running jobs' keys, told at once when a newer head arrives. */
  private readonly subscriber: Redis;
  private readonly watching = new Map<string, Set<() => void>>();
  /** Running jobs by id: told when their lock could not be renewed (another worker may have them now). */
  private readonly losing = new Map<string, () => void>();
  private stopping = false;
  /** Released when stop() gives up waiting: running jobs go back to the queue. */
  private giveUp: (() => void) | null = null;
  private readonly gaveUp: Promise<void>;
  readonly counts = { done: 0, failed: 0, retried: 0, superseded: 0, returned: 0 };

  constructor(private readonly opts: WorkerOptions) {
    this.redis = redisClient(opts.url, 'worker');
    this.redis.on('error', () => undefined);
    this.gaveUp = new Promise((r) => (this.giveUp = r));
    const lockMs = opts.lockMs ?? 30_000;
    this.subscriber = redisClient(opts.url, 'worker');
    this.subscriber.on('error', () => undefined);
    this.subscriber.subscribe(MOVED_CHANNEL).catch(() => undefined);
    this.subscriber.on('message', (_channel: string, key: string) => {
      for (const wake of this.watching.get(key) ?? []) wake();
    });
    this.connection = redisClient(opts.url, 'worker');
    this.connection.on('error', () => undefined);
    this.worker = new Worker<JobData, string>(QUEUE_NAME, (job, token) => this.process(job, token), {
      connection: this.connection as never,
      concurrency: opts.concurrency ?? 1,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      maxStalledCount: MAX_STALLED,
      autorun: true,
    });
    this.worker.on('error', (e) => this.log('warn', `queue connection: ${reasonOf(e)}`));
    this.worker.on('failed', (job, e) => {
      if (!job || e.name === 'WaitingError') return;
      const forGood = job.attemptsMade >= (job.opts.attempts ?? 1) || e.name === 'UnrecoverableError';
      if (forGood) this.counts.failed += 1;
      else this.counts.retried += 1;
      this.log(forGood ? 'error' : 'warn', forGood ? 'job failed for good' : 'job failed; retried with backoff', { id: job.id, key: job.data.spec.key, reason: e.message, attempt: job.attemptsMade });
    });
    // The event loop was blocked past the lock, or the lock was taken: the job is no longer ours to post from.
    this.worker.on('lockRenewalFailed', (ids: string[]) => {
      for (const id of ids) this.losing.get(id)?.();
    });
    this.worker.on('stalled', (id) => this.log('warn', 'job stalled (its worker died or was blocked): returned to the queue', { id }));
  }

  private log(level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}): void {
    this.opts.log?.(level, message, fields);
  }

  private async generation(key: string): Promise<number> {
    return Number((await this.redis.hget(keyHash(key), 'gen')) ?? 0);
  }

  private async process(job: Job<JobData, string>, token?: string): Promise<string> {
    const { spec, gen } = job.data;
    const handler = this.opts.handlers[spec.kind];
    if (!handler) throw new UnrecoverableError(`no handler for job kind ${spec.kind} in this worker`);
    if ((await this.generation(spec.key)) !== gen) return this.finish('superseded', job);
    let moved = false;
    const check = (): void => {
      this.generation(spec.key)
        .then((g) => (moved ||= g !== gen))
        .catch(() => undefined);
    };
    const poll = setInterval(check, this.opts.pollMs ?? 250);
    const watchers = this.watching.get(spec.key) ?? new Set<() => void>();
    this.watching.set(spec.key, watchers.add(check));
    let returned = false;
    let lost = false;
    this.losing.set(String(job.id), () => {
      lost = true;
      this.log('warn', 'job lock lost: posting nothing more; the job runs again from the queue', { id: job.id });
    });
    const superseded = (): boolean => moved || returned || lost;
    const started = Date.now();
    this.log('info', 'job started', { id: job.id, key: spec.key, head: spec.head, attempt: job.attemptsMade + 1, queuedMs: Date.now() - job.timestamp });
    const run = handler(spec, { id: String(job.id), attempt: job.attemptsMade + 1, superseded });
    run.catch(() => undefined);
    try {
      const outcome = await Promise.race([run, this.gaveUp.then(() => null)]);
      if (outcome === null) {
        // Stopping and out of time: back to the queue; the handler, still running here, posts nothing more.
        returned = true;
        await job.moveToWait(token);
        this.counts.returned += 1;
        this.log('warn', 'job returned to the queue: the worker is stopping', { id: job.id });
        throw new WaitingError();
      }
      if (lost) throw new WaitingError();
      return await this.finish(moved ? 'superseded' : (outcome ?? 'done'), job, Date.now() - started);
    } catch (e) {
      // Not ours any more (returned, or its lock lost): BullMQ leaves its state to whoever holds it.
      if (e instanceof WaitingError || lost) throw e instanceof WaitingError ? e : new WaitingError();
      if (isSupersededError(e) || moved) return this.finish('superseded', job);
      if (isTransient(e)) throw e instanceof Error ? e : new Error(reasonOf(e));
      throw new UnrecoverableError(reasonOf(e));
    } finally {
      clearInterval(poll);
      watchers.delete(check);
      this.losing.delete(String(job.id));
      if (!watchers.size) this.watching.delete(spec.key);
    }
  }

  private async finish(outcome: string, job: Job<JobData, string>, ms = 0): Promise<string> {
    const superseded = outcome === 'superseded';
    if (superseded) this.counts.superseded += 1;
    else this.counts.done += 1;
    await (superseded ? countSuperseded(this.redis, String(job.id)) : this.redis.hincrby(STATS, 'done', 1)).catch(() => undefined);
    this.log('info', 'job done', { id: job.id, key: job.data.spec.key, head: job.data.spec.head, outcome, ms });
    return outcome;
  }

  /** Takes no new job; lets running ones finish for up to graceMs, then returns them to the queue. */
  async stop(graceMs: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const timer = setTimeout(() => this.giveUp?.(), graceMs);
    try {
      await this.worker.close();
    } finally {
      clearTimeout(timer);
      this.redis.disconnect();
      this.connection.disconnect();
      this.subscriber.disconnect();
    }
  }
}
