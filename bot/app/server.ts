/**
 * `npm start` and the Dockerfile's entry: Probot's server with the App's
 * handlers. Probot reads its standard environment (APP_ID, PRIVATE_KEY or
 * PRIVATE_KEY_PATH, WEBHOOK_SECRET, GHE_HOST/GHE_PROTOCOL, HOST, PORT,
 * LOG_LEVEL); the App reads its own (settings.ts). Webhook signatures are
 * verified by Probot: a bad or missing one is answered 400 before any
 * handler runs.
 *
 * With REDIS_URL the server only verifies and enqueues: a delivery is
 * answered 2xx once Redis stored the job, and `kvm-review worker`
 * processes (same environment, no webhook port) run the reviews. Without
 * it the reviews run here, in process.
 */
import { run } from 'probot';
import { BullQueue } from '../jobs/bullmq-queue.js';
import { kvmReviewApp } from './index.js';
import { AppOctokit } from './octokit.js';
import { probotEnv } from './probot-env.js';
import { readSettings } from './settings.js';

try {
  const settings = readSettings();
  const url = process.env.REDIS_URL;
  const queue = url ? new BullQueue(url) : undefined;
  await run(kvmReviewApp({ settings, ...(queue ? { queue } : {}) }), { Octokit: AppOctokit, env: probotEnv(process.env) });
  const stop = (): void => {
    void (queue?.close() ?? Promise.resolve()).finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
} catch (e) {
  console.error(`kvm-review: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
}
