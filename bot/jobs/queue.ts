/**
 * One job interface for the review work: what a job is (serialisable: it
 * crosses Redis), how it is keyed, and what a queue offers. Two queues
 * implement it: in process (memory-queue.ts, the default) and BullMQ on
 * Redis (bullmq-queue.ts, with REDIS_URL). Handlers are looked up by kind;
 * this folder knows no kind's meaning, so it never imports app/ or watch/.
 */
import { positiveIntEnv } from '../env-number.js';

/** The kinds of work: a pull request, a pushed branch, a lore series, a digest. */
export const JOB_KINDS = ['pr', 'push', 'series', 'digest'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** JSON all the way down: a job is stored in Redis and read back by another process. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface JobSpec {
  kind: JobKind;
  /** One job at a time per key: `pr:owner/repo#12`, `push:owner/repo:branch`, `series:<fingerprint>`, `digest:<name>`. */
  key: string;
  /** What the job reviews (a commit, a series fingerprint): a newer head replaces or cancels the older one with the same key. */
  head: string;
  /** The GitHub App installation the work acts as, when it posts to GitHub. */
  installationId: number | null;
  /** What the handler needs, as JSON (the event's repository, the PR, the push...). */
  payload: { [key: string]: Json };
  /** Run even when the same head is waiting or already done (an explicit recheck). */
  force?: boolean;
}

/** What a running job can ask. */
export interface JobContext {
  /** The queue's id of the job. */
  id: string;
  /** 1 on the first run, 2 on the first retry... (a job picked up again after its worker died keeps its number). */
  attempt: number;
  /** True once a newer head for the same key was enqueued (or the worker is stopping): post nothing more. */
  superseded: () => boolean;
}

/** Runs one job; resolves to an outcome word for the log and `kvm-review jobs` ('superseded' counts as such). */
export type JobHandler = (spec: JobSpec, ctx: JobContext) => Promise<string | void>;
export type JobHandlers = Partial<Record<JobKind, JobHandler>>;

export type JobState = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed';

export interface JobInfo {
  id: string;
  kind: JobKind;
  key: string;
  head: string;
  state: JobState;
  /** Runs that ended in an error so far. */
  attemptsMade: number;
  /** Why the last run failed (for a failed job: why it failed for good). */
  reason: string | null;
  /** The handler's outcome word, for a completed job. */
  outcome: string | null;
  enqueuedAt: number;
  finishedAt: number | null;
}

export interface Enqueued {
  id: string;
  /** The same key and head was already waiting or running: nothing new was stored. */
  duplicate: boolean;
  /** The job this one replaced (removed while waiting, or cancelled while running). */
  replaced: string | null;
}

export interface QueueStatus {
  /** Nothing waiting, delayed or running. */
  idle: boolean;
  waiting: number;
  delayed: number;
  active: number;
  done: number;
  failed: number;
  superseded: number;
  /** With Redis: deliveries this server spooled on disk that Redis has not taken yet (spool.ts). */
  spooled?: number;
}

export interface JobQueue {
  /** Stores the job (with Redis: acknowledged by Redis before this resolves). */
  enqueue(spec: JobSpec): Promise<Enqueued>;
  list(): Promise<JobInfo[]>;
  /** A failed job runs again; UnknownJobError when there is no such failed job. */
  retry(id: string): Promise<void>;
  /** Removes a job that is not running; UnknownJobError when there is none. */
  drop(id: string): Promise<void>;
  status(): Promise<QueueStatus>;
  close(): Promise<void>;
}

/** `jobs retry/drop` of an id the queue does not have (or not in a state that allows it). */
export class UnknownJobError extends Error {
  override readonly name = 'UnknownJobError';
}

/** Retries and their spacing: exponential backoff from `backoffMs` (5 s, 10 s, 20 s, 40 s by default). */
export interface RetryPolicy {
  attempts: number;
  backoffMs: number;
}

/** KVM_REVIEW_JOB_ATTEMPTS (default 5) and KVM_REVIEW_JOB_BACKOFF_MS (default 5000). */
export function retryPolicy(env: NodeJS.ProcessEnv = process.env): RetryPolicy {
  return { attempts: positiveIntEnv(env, 'KVM_REVIEW_JOB_ATTEMPTS', 5), backoffMs: positiveIntEnv(env, 'KVM_REVIEW_JOB_BACKOFF_MS', 5000) };
}

/** The wait before retry `n` (1-based). */
export function backoff(policy: RetryPolicy, n: number): number {
  return policy.backoffMs * 2 ** (n - 1);
}

/**
 * Worth another try later: GitHub's 5xx, rate limits (429, or 403 naming a
 * rate limit) and the network failing. Anything else (a 404, a bug, bad
 * input) fails the same way again: it fails for good at once, with its reason.
 */
export function isTransient(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const err = e as { status?: unknown; code?: unknown; message?: unknown; cause?: unknown };
  const status = typeof err.status === 'number' ? err.status : null;
  const message = typeof err.message === 'string' ? err.message : '';
  if (status !== null) return status >= 500 || status === 429 || (status === 403 && /rate limit/i.test(message));
  if (typeof err.code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EAI_AGAIN|UND_ERR_\w+)$/.test(err.code)) return true;
  if (/fetch failed|socket hang up|network/i.test(message)) return true;
  return err.cause !== undefined && err.cause !== e && isTransient(err.cause);
}

/** A job's error said in one line, for the failed job's reason. */
export function reasonOf(e: unknown): string {
  const err = e as { name?: unknown; message?: unknown; status?: unknown };
  const message = typeof err?.message === 'string' ? err.message : thrownValue(e);
  const status = typeof err?.status === 'number' ? ` (HTTP ${err.status})` : '';
  return `${message.replace(/\s+/g, ' ').trim()}${status}`;
}

/**
 * A thrown value that is not an Error, as text: a plain object by its JSON (a library's
 * `{ code, detail }` read "[object Object]" in the job list), cut to a line's worth.
 */
function thrownValue(e: unknown): string {
  if (typeof e !== 'object' || e === null) return String(e);
  let json: string | undefined;
  try {
    json = JSON.stringify(e);
  } catch {
    // A cycle or a BigInt: the object's own keys are all that can be said.
  }
  const text = json && json !== '{}' ? json : `a thrown ${e.constructor?.name ?? 'object'} with keys: ${Object.keys(e).join(', ') || 'none'}`;
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}

/** The review's way of saying "a newer head superseded me" (publish.ts's Superseded), recognised by name: jobs/ does not import app/. */
export function isSupersededError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'Superseded';
}

/** Validates a job read back from storage or typed by a person; throws naming what is wrong. */
export function checkSpec(value: unknown): JobSpec {
  const v = value as Partial<JobSpec> | null;
  if (!v || typeof v !== 'object') throw new Error('a job must be an object');
  if (!JOB_KINDS.includes(v.kind as JobKind)) throw new Error(`job kind ${String(v.kind)}: expected one of ${JOB_KINDS.join(', ')}`);
  if (typeof v.key !== 'string' || !v.key) throw new Error('a job needs a key');
  if (typeof v.head !== 'string' || !v.head) throw new Error(`job ${v.key}: needs a head`);
  if (v.installationId !== null && !Number.isInteger(v.installationId)) throw new Error(`job ${v.key}: installationId must be an integer or null`);
  if (!v.payload || typeof v.payload !== 'object') throw new Error(`job ${v.key}: payload must be an object`);
  return v as JobSpec;
}

/**
 * A lore series job (the watcher enqueues one per complete series): keyed
 * and headed by the series fingerprint, so the same series is reviewed
 * once and a v2 (another fingerprint) is a job of its own. `payload` is the
 * watcher's: what its `series` handler needs to review and reply.
 */
export function seriesJob(fingerprint: string, payload: JobSpec['payload']): JobSpec {
  return { kind: 'series', key: `series:${fingerprint}`, head: fingerprint, installationId: null, payload };
}

/** A digest job: keyed by the digest's name, headed by its period (`2026-W49`): one digest per period. */
export function digestJob(name: string, period: string, payload: JobSpec['payload']): JobSpec {
  return { kind: 'digest', key: `digest:${name}`, head: period, installationId: null, payload };
}
