/**
 * `npm start` and the Dockerfile's entry: Probot's server with the App's
 * handlers. Probot reads its standard environment (APP_ID, PRIVATE_KEY or
 * PRIVATE_KEY_PATH, WEBHOOK_SECRET, GHE_HOST/GHE_PROTOCOL, HOST, PORT,
 * LOG_LEVEL); the App reads its own (settings.ts). Webhook signatures are
 * verified by Probot: a bad or missing one is answered 400 before any
 * handler runs.
 *
 * With REDIS_URL the server only verifies and enqueues (Redis must answer
 * at start, else exit 2 naming it and why): a delivery is answered 2xx
 * once Redis stored the job, or, Redis down, once it is spooled on disk
 * (enqueued once Redis answers, spool.ts), and `kvm-review worker` processes (same
 * environment, no webhook port) run the reviews. Without
 * it the reviews run here, in process, from a queue journaled in
 * KVM_REVIEW_QUEUE_DIR: a delivery is answered 2xx once its job is on
 * disk, and a restart queues again what had not settled. The journal is
 * locked first (journal-lock.ts): a second server on the same directory
 * exits 2 instead of running the same jobs; a dead server's lock is taken
 * over.
 *
 * SIGTERM or SIGINT: in process, no new review starts; the running one has
 * KVM_REVIEW_STOP_GRACE_MS to finish, and what waits stays in the journal
 * for the next start (deliveries that arrive meanwhile are stored there
 * too); exit 0. A second signal stops at once (the running review, still in
 * the journal, runs again on the next start). The lock goes with the
 * process: removed at exit, taken over after a kill.
 */
import { run, type Probot } from 'probot';
import { join } from 'node:path';
import { BullQueue } from '../jobs/bullmq-queue.js';
import { JournalLock } from '../jobs/journal-lock.js';
import type { MemoryQueue } from '../jobs/memory-queue.js';
import { SpooledQueue } from '../jobs/spool.js';
import { inProcessQueue, kvmReviewApp } from './index.js';
import { AppOctokit } from './octokit.js';
import { probotEnv } from './probot-env.js';
import { queueDir, readSettings, stopGraceMs } from './settings.js';

try {
  const settings = readSettings();
  const graceMs = stopGraceMs();
  const url = process.env.REDIS_URL;
  const shared = url ? new BullQueue(url) : null;
  // A wrong REDIS_URL (host, port, password) is said at start, naming it: running on, every delivery would be answered with an error.
  if (shared && url) await shared.ready(url);
  let local: { queue: MemoryQueue; app: Probot } | null = null;
  const journal = queueDir(settings);
  if (!shared) {
    const lock = await JournalLock.acquire(journal, {
      log: (message) => console.error(message),
      onLost: (message) => {
        console.error(message);
        process.exit(1);
      },
    });
    process.on('exit', () => lock.release());
  }
  // With Redis, a delivery Redis does not take is spooled on disk and enqueued once Redis answers (spool.ts).
  let spooled: SpooledQueue | null = null;
  const queue = shared
    ? (app: Probot): SpooledQueue => (spooled = new SpooledQueue(shared, join(journal, 'redis-spool'), (level, message, fields = {}) => app.log[level](fields, message)))
    : (app: Probot): MemoryQueue => (local = { queue: inProcessQueue(app, journal), app }).queue;
  await run(kvmReviewApp({ settings, queue }), { Octokit: AppOctokit, env: probotEnv(process.env) });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      local?.app.log.warn(`kvm-review: ${signal} again: stopping now; a review still running stays in ${journal} and runs again on the next start`);
      process.exit(0);
    }
    stopping = true;
    if (!local) {
      // What is still spooled stays on disk for the next start.
      void ((spooled as SpooledQueue | null)?.close() ?? shared?.close() ?? Promise.resolve()).finally(() => process.exit(0));
      return;
    }
    const { queue: q, app } = local;
    app.log.info(`kvm-review: ${signal}: starting no new review; a running one has ${graceMs / 1000} s to finish; waiting ones stay in ${journal} for the next start`);
    void q.stop(graceMs).then((how) => {
      if (how === 'left running') app.log.warn(`kvm-review: the running review did not finish within ${graceMs / 1000} s: stopping; it stays in ${journal} and runs again on the next start`);
      app.log.info('kvm-review: stopped');
      // The log goes out through a stream: let it flush.
      setImmediate(() => process.exit(0));
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (e) {
  console.error(`kvm-review: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
}
