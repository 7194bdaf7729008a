/**
 * `kvm-review worker [--concurrency N] [--grace DURATION]`: runs the shared
 * queue's jobs. Reads the environment `npm start` reads (APP_ID,
 * PRIVATE_KEY or PRIVATE_KEY_PATH, GHE_HOST/GHE_PROTOCOL, REDIS_URL, the
 * KVM_REVIEW_* settings) and opens no port. Wiring only: a Probot for
 * installation tokens, the App's pr/push handlers, the watcher's series
 * handler (bot/watch/series-job.ts), the queue's worker.
 *
 * REDIS_URL must answer at start (else exit 2 naming it and why); a Redis
 * lost later is waited for, the worker reconnecting.
 *
 * SIGTERM or SIGINT: no new job is taken; a running one may finish within
 * --grace, else it goes back to the queue for another worker. An idle
 * worker exits at once (well within 10 s).
 */
import { createProbot } from 'probot';
import { reviewHandlers } from '../app/index.js';
import { AppOctokit } from '../app/octokit.js';
import { probotEnv } from '../app/probot-env.js';
import { readSettings } from '../app/settings.js';
import { checkRedis, redactUrl } from '../jobs/bullmq-queue.js';
import type { JobHandlers } from '../jobs/queue.js';
import { JobWorker } from '../jobs/worker.js';
import { seriesHandler } from '../watch/series-job.js';
import type { Io } from './doc-command.js';
import { EXIT, InputError, type ExitCode } from './exit-codes.js';
import { parseDuration } from './watch-command.js';

export interface WorkerCommandOptions {
  concurrency: number;
  grace: string;
}

function lockMs(env: NodeJS.ProcessEnv): number {
  const raw = env.KVM_REVIEW_JOB_LOCK_MS;
  if (!raw) return 30_000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1000) throw new InputError(`KVM_REVIEW_JOB_LOCK_MS=${raw}: expected milliseconds, at least 1000`);
  return n;
}

export async function runWorker(o: WorkerCommandOptions, io: Io, env: NodeJS.ProcessEnv = process.env, signals: NodeJS.EventEmitter = process): Promise<ExitCode> {
  const url = env.REDIS_URL;
  if (!url) throw new InputError('worker: REDIS_URL is not set: without a shared queue the App (npm start) runs its reviews in process, and there is nothing for a worker to do');
  const graceMs = parseDuration(o.grace, '--grace');
  if (!env.APP_ID || !(env.PRIVATE_KEY || env.PRIVATE_KEY_PATH)) throw new InputError('worker: APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) are needed, as for npm start: the worker posts as the App');
  let settings;
  try {
    settings = readSettings(env);
  } catch (e) {
    throw new InputError(`worker: ${e instanceof Error ? e.message : String(e)}`);
  }
  // A wrong REDIS_URL (host, port, password) is said now, naming it, rather than retried in the log forever.
  try {
    await checkRedis(url);
  } catch (e) {
    throw new InputError(`worker: ${e instanceof Error ? e.message : String(e)}`);
  }
  const probot = createProbot({ env: probotEnv(env), overrides: { Octokit: AppOctokit } });
  // The kinds this process runs. The digest's `digest` handler joins here when it enqueues.
  const handlers: JobHandlers = { ...reviewHandlers(probot, { settings }), series: seriesHandler() };
  const say = (line: string): void => {
    io.stderr(`kvm-review worker: ${line}\n`);
  };
  const worker = new JobWorker({
    url,
    handlers,
    concurrency: o.concurrency,
    lockMs: lockMs(env),
    log: (level, message, fields) => probot.log[level](fields ?? {}, message),
  });
  say(`running ${Object.keys(handlers).join(', ')} jobs from ${redactUrl(url)}, ${o.concurrency} at a time`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      say(`${signal}: taking no new job; a running one has ${graceMs / 1000} s to finish, then goes back to the queue`);
      void worker.stop(graceMs).finally(resolve);
    };
    signals.once('SIGTERM', () => stop('SIGTERM'));
    signals.once('SIGINT', () => stop('SIGINT'));
  });
  say(`stopped: ${worker.counts.done} done, ${worker.counts.superseded} superseded, ${worker.counts.retried} to be retried, ${worker.counts.failed} failed, ${worker.counts.returned} returned to the queue`);
  return EXIT.ok;
}
