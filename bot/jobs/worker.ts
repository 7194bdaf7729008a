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
import { checkSpec, isSupersededError, isTransient, reasonOf, type JobHandlers } from './queue.js';

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

/**
 * How long a stopping worker with nothing left running waits for an unreachable Redis before it
 * stops without it. BullMQ's close waits for its blocking connection to end, which never happens
 * while Redis is down: an idle worker ignored SIGTERM for as long as Redis stayed away.
 */
const CLOSE_MS = 5000;

/**
 * BullMQ's worker, with a way to stop without Redis: its close() stops the lock renewal timer
 * and the stalled check's only after the blocking connection ended, which it never does while
 * Redis is down, and those timers kept a stopped `kvm-review worker` process alive (the stalled
 * check's for up to a lock time). The stalled check's stopper is private to BullMQ: called if
 * it is there (a BullMQ without it leaves that one timer, as before).
 */
class Abandonable<D, R> extends Worker<D, R> {
  async abandon(): Promise<void> {
    await this.lockManager.close();
    (this as unknown as { stalledCheckStopper?: () => void }).stalledCheckStopper?.();
  }
}

/** Times a job may be found stalled (its worker died) before it fails for good. */
const MAX_STALLED = 3;

export class JobWorker {
  private readonly worker: Abandonable<JobData, string>;
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
  private gaveUpFired = false;
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
    this.worker = new Abandonable<JobData, string>(QUEUE_NAME, (job, token) => this.process(job, token), {
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
      this.log(forGood ? 'error' : 'warn', forGood ? 'job failed for good' : 'job failed; retried with backoff', { id: job.id, key: job.data?.spec?.key ?? null, reason: e.message, attempt: job.attemptsMade });
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
    // Data that is not a job (another version's, or written by hand) fails the same way every time: for good, saying why.
    try {
      checkSpec(job.data?.spec);
    } catch (e) {
      throw new UnrecoverableError(`not a kvm-review job: ${reasonOf(e)}`);
    }
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

  /**
   * Takes no new job; lets running ones finish for up to graceMs, then returns them to the queue.
   * With Redis unreachable it stops once nothing runs here (or the grace is over) and Redis has not
   * answered for CLOSE_MS: a job still marked running there runs again once its lock expires.
   */
  async stop(graceMs: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const timer = setTimeout(() => {
      this.gaveUpFired = true;
      this.giveUp?.();
    }, graceMs);
    let closed = false;
    try {
      const closing = this.worker.close().finally(() => (closed = true));
      closing.catch(() => undefined);
      const clean = await Promise.race([closing.then(() => true), this.redisGone(() => closed)]);
      if (!clean) await this.worker.abandon();
      if (!clean) this.log('warn', `Redis has not answered for ${CLOSE_MS / 1000} s: stopping without it; a job it still holds as running here runs again once its lock expires`);
    } finally {
      clearTimeout(timer);
      this.redis.disconnect();
      this.connection.disconnect();
      this.subscriber.disconnect();
    }
  }

  /** Resolves false once nothing runs here (or the grace is over) and Redis has not answered for CLOSE_MS; never while `closed()` is false and Redis answers. */
  private async redisGone(closed: () => boolean): Promise<false> {
    let since = Date.now();
    while (!closed()) {
      await new Promise((r) => setTimeout(r, 200));
      const busy = this.losing.size > 0 && !this.gaveUpFired;
      if (busy || this.connection.status === 'ready') since = Date.now();
      else if (Date.now() - since >= CLOSE_MS) return false;
    }
    // Closed: the race was won by the close itself; this answer is not read.
    return false;
  }
}
