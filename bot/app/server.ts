/**
 * `npm start` and the Dockerfile's entry: Probot's server with the App's
 * handlers. Probot reads its standard environment (APP_ID, PRIVATE_KEY or
 * PRIVATE_KEY_PATH, WEBHOOK_SECRET, GHE_HOST/GHE_PROTOCOL, HOST, PORT,
 * LOG_LEVEL); the App reads its own (settings.ts). Webhook signatures are
 * verified by Probot: a bad or missing one is answered 400 before any
 * handler runs.
 */
import { run } from 'probot';
import { kvmReviewApp } from './index.js';
import { AppOctokit } from './octokit.js';
import { readSettings } from './settings.js';

try {
  const settings = readSettings();
  await run(kvmReviewApp({ settings }), { Octokit: AppOctokit });
} catch (e) {
  console.error(`kvm-review: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
}
