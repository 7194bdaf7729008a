/**
 * The in-process queue, the default with no REDIS_URL: one job at a time
 * (the analysis is CPU-bound), and per key only the newest head: a newer
 * head removes the waiting job or cancels the running one (its superseded()
 * turns true: it posts nothing more); the same head again while its job
 * waits or runs is a duplicate. Transient errors are retried with backoff;
 * a job that fails for good keeps its reason.
 *
 * With a journal (journal.ts; `npm start` gives one) every accepted job is
 * on disk before enqueue() returns, and leaves it when it settles (a failed
 * one stays, with its reason). A new queue on the same journal queues its
 * pending jobs again, in their order and keeping their ids, the newest head
 * per key only: a job that was running when the process stopped runs again
 * (the review's check-run test and comment fingerprints keep it from
 * posting twice). stop() takes no new job and lets the running one finish
 * within a grace time; what waits stays in the journal for the next start.
 */
import { counted } from '../../analyzers/counted.js';
import type { JobJournal, JournalLog, JournalRecord } from './journal.js';
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

/** Finished jobs kept for `list` (the newest); a failed one's journal record goes with it. */
const KEEP_FINISHED = 500;

export interface MemoryQueueOptions {
  /** Where accepted jobs are kept until they settle (`npm start`); none: nothing survives the process (the Action, tests). */
  journal?: JobJournal | null;
  /** What the queue tells the operator: jobs restored, a journal write that failed. */
  log?: JournalLog;
}

export class MemoryQueue implements JobQueue {
  readonly counts: MemoryCounts = { queued: 0, running: 0, done: 0, failed: 0, superseded: 0 };
  private readonly jobs: Entry[] = [];
  private readonly latest = new Map<string, { gen: number; head: string; id: string }>();
  private handlers: JobHandlers = {};
  private running: Entry | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The running job's run(): what stop() waits for (a job that goes back to waiting for a retry never settles it). */
  private runningDone: Promise<void> | null = null;
  private seq = 0;
  private closed = false;
  /** stop() was called: jobs are still accepted (into the journal) but none starts. */
  private stopping = false;
  private readonly journal: JobJournal | null;
  private readonly log: JournalLog;

  constructor(
    private readonly onError: (key: string, e: unknown) => void = () => undefined,
    private readonly policy: RetryPolicy = retryPolicy(),
    options: MemoryQueueOptions = {},
  ) {
    this.journal = options.journal ?? null;
    this.log = options.log ?? (() => undefined);
    if (this.journal) this.restore(this.journal);
  }

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
    const now = Date.now();
    const record: JournalRecord = { id: `${this.seq + 1}`, spec, attemptsMade: 0, reason: null, enqueuedAt: now, runAt: now, finishedAt: null };
    // On disk first: if it cannot be stored, the delivery is not acknowledged (GitHub shows it failed) and nothing changed here.
    this.journal?.save('pending', record);
    this.seq += 1;
    return this.admit(record);
  }

  /** Takes a stored job in: it replaces (or cancels) the older head of its key. */
  private admit(r: JournalRecord): Enqueued {
    const { spec, id } = r;
    const last = this.latest.get(spec.key);
    const lastEntry = last ? this.jobs.find((j) => j.info.id === last.id) : undefined;
    const gen = (last?.gen ?? 0) + 1;
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
    const state = r.runAt > Date.now() ? 'delayed' : 'waiting';
    this.jobs.push({ spec, gen, runAt: r.runAt, settled, settle, info: { id, kind: spec.kind, key: spec.key, head: spec.head, state, attemptsMade: r.attemptsMade, reason: r.reason, outcome: null, enqueuedAt: r.enqueuedAt, finishedAt: null } });
    this.counts.queued += 1;
    this.pump();
    return { id, duplicate: false, replaced };
  }

  /**
   * The journal's jobs, queued again in id order: per key the newest
   * pending one runs (an older one, left by a crash between a newer head's
   * arrival and its own end, counts as superseded); failed ones are listed
   * with their reason. Ids continue after the highest found.
   */
  private restore(journal: JobJournal): void {
    const { pending, failed } = journal.load();
    const all = [...failed.map((r) => ({ r, failed: true })), ...pending.map((r) => ({ r, failed: false }))].sort((a, b) => Number(a.r.id) - Number(b.r.id));
    for (const { r, failed: isFailed } of all) {
      this.seq = Math.max(this.seq, Number(r.id));
      if (!isFailed) {
        this.admit(r);
        continue;
      }
      const gen = (this.latest.get(r.spec.key)?.gen ?? 0) + 1;
      this.latest.set(r.spec.key, { gen, head: r.spec.head, id: r.id });
      this.jobs.push({ spec: r.spec, gen, runAt: r.runAt, settled: Promise.resolve(), settle: () => undefined, info: { id: r.id, kind: r.spec.kind, key: r.spec.key, head: r.spec.head, state: 'failed', attemptsMade: r.attemptsMade, reason: r.reason, outcome: null, enqueuedAt: r.enqueuedAt, finishedAt: r.finishedAt } });
      this.counts.failed += 1;
    }
    const queued = this.jobs.filter((j) => j.info.state === 'waiting' || j.info.state === 'delayed');
    if (all.length) {
      this.log('info', `kvm-review: queue journal ${journal.dir}: ${counted(queued.length, 'job')} queued again, ${this.counts.superseded} superseded by a newer head, ${this.counts.failed} failed kept`, { queued: queued.map((j) => ({ id: j.info.id, key: j.info.key, head: j.info.head })) });
    }
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
    const now = Date.now();
    this.journal?.save('pending', { ...this.record(e), attemptsMade: 0, reason: null, runAt: now, finishedAt: null });
    this.journal?.remove('failed', id);
    e.info.state = 'waiting';
    e.info.finishedAt = null;
    e.runAt = now;
    e.info.attemptsMade = 0;
    this.counts.failed -= 1;
    this.counts.queued += 1;
    this.pump();
  }

  async drop(id: string): Promise<void> {
    const at = this.jobs.findIndex((j) => j.info.id === id && j.info.state !== 'active');
    const e = this.jobs[at];
    if (!e) throw new UnknownJobError(`no job ${id} that is not running`);
    this.journal?.remove(e.info.state === 'failed' ? 'failed' : 'pending', id);
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

  /**
   * A graceful stop: no job starts from now on (new ones are still stored,
   * for the next start); the running one has `graceMs` to end. Resolves
   * 'finished' when nothing runs any more, 'left running' when the grace
   * ran out: the process may exit, and its job, still in the journal, runs
   * again on the next start.
   */
  async stop(graceMs: number): Promise<'finished' | 'left running'> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.runningDone) return 'finished';
    let timer: NodeJS.Timeout | undefined;
    const out = await Promise.race([this.runningDone.then(() => 'finished' as const), new Promise<'left running'>((r) => (timer = setTimeout(() => r('left running'), graceMs)))]);
    clearTimeout(timer);
    return out;
  }

  private superseded(e: Entry): boolean {
    return this.latest.get(e.spec.key)?.gen !== e.gen;
  }

  private finish(e: Entry, state: 'completed' | 'failed', outcome: string | null, reason: string | null): void {
    e.info.state = state;
    e.info.outcome = outcome;
    e.info.reason = reason;
    e.info.finishedAt = Date.now();
    this.write(e, () => (state === 'failed' ? this.journal?.fail(this.record(e)) : this.journal?.remove('pending', e.info.id)));
    e.settle();
    const finished = this.jobs.filter((j) => j.info.state === 'completed' || j.info.state === 'failed');
    for (const old of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) {
      this.jobs.splice(this.jobs.indexOf(old), 1);
      if (old.info.state === 'failed') this.write(old, () => this.journal?.remove('failed', old.info.id));
    }
  }

  /** The journal's view of a job. */
  private record(e: Entry): JournalRecord {
    return { id: e.info.id, spec: e.spec, attemptsMade: e.info.attemptsMade, reason: e.info.reason, enqueuedAt: e.info.enqueuedAt, runAt: e.runAt, finishedAt: e.info.finishedAt };
  }

  /**
   * A journal update after the job's outcome: one that fails is logged,
   * not thrown (the outcome stands). The worst it leaves is a pending
   * record of a settled job, which runs again on the next start and, its
   * check run completed, posts nothing.
   */
  private write(e: Entry, update: () => void): void {
    try {
      update();
    } catch (err) {
      this.log('error', `kvm-review: queue journal: could not record job ${e.info.id} (${e.info.key}) as ${e.info.state}: ${reasonOf(err)}`, { id: e.info.id, key: e.info.key });
    }
  }

  /** Starts the next ready job when none runs; wakes up for the next delayed one. */
  private pump(): void {
    if (this.running || this.closed || this.stopping) return;
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
    this.runningDone = this.run(ready).finally(() => {
      this.running = null;
      this.runningDone = null;
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
        this.write(e, () => this.journal?.save('pending', this.record(e)));
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
