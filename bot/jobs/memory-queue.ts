/**
 * The in-process queue, the default with no REDIS_URL: one job at a time
 * (the analysis is CPU-bound), and per key only the newest head: a newer
 * head removes the waiting job or cancels the running one (its superseded()
 * turns true: it posts nothing more); the same head again while its job
 * waits or runs is a duplicate. Transient errors are retried with backoff;
 * a job that fails for good keeps its reason. Nothing survives the process:
 * that is what REDIS_URL is for.
 */
import {
  backoff,
  isSupersededError,
  isTransient,
  reasonOf,
  retryPolicy,
  UnknownJobError,
  type Enqueued,
  type JobHandlers,
  type JobInfo,
  type JobQueue,
  type JobSpec,
  type QueueStatus,
  type RetryPolicy,
} from './queue.js';

export interface MemoryCounts {
  queued: number;
  running: number;
  done: number;
  failed: number;
  superseded: number;
}

interface Entry {
  info: JobInfo;
  spec: JobSpec;
  gen: number;
  runAt: number;
  settled: Promise<void>;
  settle: () => void;
}

/** Finished jobs kept for `list` (the newest). */
const KEEP_FINISHED = 500;

export class MemoryQueue implements JobQueue {
  readonly counts: MemoryCounts = { queued: 0, running: 0, done: 0, failed: 0, superseded: 0 };
  private readonly jobs: Entry[] = [];
  private readonly latest = new Map<string, { gen: number; head: string; id: string }>();
  private handlers: JobHandlers = {};
  private running: Entry | null = null;
  private timer: NodeJS.Timeout | null = null;
  private seq = 0;
  private closed = false;

  constructor(
    private readonly onError: (key: string, e: unknown) => void = () => undefined,
    private readonly policy: RetryPolicy = retryPolicy(),
  ) {}

  /** The handlers jobs run with, by kind. */
  serve(handlers: JobHandlers): this {
    this.handlers = { ...this.handlers, ...handlers };
    this.pump();
    return this;
  }

  async enqueue(spec: JobSpec): Promise<Enqueued> {
    if (this.closed) throw new Error('the job queue is closed');
    const last = this.latest.get(spec.key);
    const lastEntry = last ? this.jobs.find((j) => j.info.id === last.id) : undefined;
    if (!spec.force && last && lastEntry && last.head === spec.head && ['waiting', 'delayed', 'active'].includes(lastEntry.info.state)) {
      return { id: last.id, duplicate: true, replaced: null };
    }
    const gen = (last?.gen ?? 0) + 1;
    this.seq += 1;
    const id = `${this.seq}`;
    this.latest.set(spec.key, { gen, head: spec.head, id });
    let replaced: string | null = null;
    if (lastEntry && (lastEntry.info.state === 'waiting' || lastEntry.info.state === 'delayed')) {
      // Replaced before it ran: it never starts.
      this.finish(lastEntry, 'completed', 'superseded', null);
      this.counts.queued -= 1;
      this.counts.superseded += 1;
      replaced = lastEntry.info.id;
    } else if (lastEntry?.info.state === 'active') replaced = lastEntry.info.id;
    let settle = (): void => undefined;
    const settled = new Promise<void>((r) => (settle = r));
    const now = Date.now();
    this.jobs.push({ spec, gen, runAt: now, settled, settle, info: { id, kind: spec.kind, key: spec.key, head: spec.head, state: 'waiting', attemptsMade: 0, reason: null, outcome: null, enqueuedAt: now, finishedAt: null } });
    this.counts.queued += 1;
    this.pump();
    return { id, duplicate: false, replaced };
  }

  /** Resolves when the job completed, failed for good or was replaced (at once for an unknown id). */
  settled(id: string): Promise<void> {
    return this.jobs.find((j) => j.info.id === id)?.settled ?? Promise.resolve();
  }

  async list(): Promise<JobInfo[]> {
    return this.jobs.map((j) => ({ ...j.info }));
  }

  async retry(id: string): Promise<void> {
    const e = this.jobs.find((j) => j.info.id === id && j.info.state === 'failed');
    if (!e) throw new UnknownJobError(`no failed job ${id}`);
    e.info.state = 'waiting';
    e.info.finishedAt = null;
    e.runAt = Date.now();
    e.info.attemptsMade = 0;
    this.counts.failed -= 1;
    this.counts.queued += 1;
    this.pump();
  }

  async drop(id: string): Promise<void> {
    const at = this.jobs.findIndex((j) => j.info.id === id && j.info.state !== 'active');
    const e = this.jobs[at];
    if (!e) throw new UnknownJobError(`no job ${id} that is not running`);
    if (e.info.state === 'waiting' || e.info.state === 'delayed') this.counts.queued -= 1;
    this.jobs.splice(at, 1);
    e.settle();
  }

  async status(): Promise<QueueStatus> {
    const n = (s: JobInfo['state']): number => this.jobs.filter((j) => j.info.state === s).length;
    return { idle: this.idle(), waiting: n('waiting'), delayed: n('delayed'), active: n('active'), done: this.counts.done, failed: this.counts.failed, superseded: this.counts.superseded };
  }

  /** Nothing queued or running. */
  idle(): boolean {
    return this.counts.queued === 0 && this.counts.running === 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.settled;
  }

  private superseded(e: Entry): boolean {
    return this.latest.get(e.spec.key)?.gen !== e.gen;
  }

  private finish(e: Entry, state: 'completed' | 'failed', outcome: string | null, reason: string | null): void {
    e.info.state = state;
    e.info.outcome = outcome;
    e.info.reason = reason;
    e.info.finishedAt = Date.now();
    e.settle();
    const finished = this.jobs.filter((j) => j.info.state === 'completed' || j.info.state === 'failed');
    for (const old of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.splice(this.jobs.indexOf(old), 1);
  }

  /** Starts the next ready job when none runs; wakes up for the next delayed one. */
  private pump(): void {
    if (this.running || this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const now = Date.now();
    const ready = this.jobs.find((j) => (j.info.state === 'waiting' || j.info.state === 'delayed') && j.runAt <= now && this.handlers[j.spec.kind]);
    if (!ready) {
      const next = Math.min(...this.jobs.filter((j) => j.info.state === 'delayed').map((j) => j.runAt));
      if (Number.isFinite(next)) this.timer = setTimeout(() => this.pump(), Math.max(0, next - now));
      return;
    }
    this.running = ready;
    void this.run(ready).finally(() => {
      this.running = null;
      this.pump();
    });
  }

  private async run(e: Entry): Promise<void> {
    this.counts.queued -= 1;
    if (this.superseded(e)) {
      this.counts.superseded += 1;
      return this.finish(e, 'completed', 'superseded', null);
    }
    const handler = this.handlers[e.spec.kind];
    if (!handler) throw new Error(`no handler for ${e.spec.kind}`);
    e.info.state = 'active';
    this.counts.running += 1;
    try {
      const outcome = (await handler(e.spec, { id: e.info.id, attempt: e.info.attemptsMade + 1, superseded: () => this.superseded(e) })) ?? 'done';
      if (outcome === 'superseded') this.counts.superseded += 1;
      else this.counts.done += 1;
      this.finish(e, 'completed', outcome, null);
    } catch (err) {
      if (isSupersededError(err)) {
        this.counts.superseded += 1;
        return this.finish(e, 'completed', 'superseded', null);
      }
      e.info.attemptsMade += 1;
      e.info.reason = reasonOf(err);
      if (isTransient(err) && e.info.attemptsMade < this.policy.attempts && !this.superseded(e)) {
        e.info.state = 'delayed';
        e.runAt = Date.now() + backoff(this.policy, e.info.attemptsMade);
        this.counts.queued += 1;
        return;
      }
      this.counts.failed += 1;
      this.finish(e, 'failed', null, e.info.reason);
      this.onError(e.spec.key, err);
    } finally {
      this.counts.running -= 1;
    }
  }
}
