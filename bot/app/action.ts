/**
 * The same handlers as a GitHub Action (Probot's adapter): the workflow's
 * event is handled once, with the checkout (fetched with history, so the
 * base commit is there) as where the base tree is read from. The process
 * waits for the review; it exits 1 when the review could not run.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '@probot/adapter-github-actions';
import { kvmReviewApp } from './index.js';
import { Scheduler } from './scheduler.js';
import { readSettings } from './settings.js';

const env = process.env;
// On GitHub Enterprise Server the runner names its API; Probot reads GHE_HOST.
if (!env.GHE_HOST && env.GITHUB_API_URL && !/^https:\/\/api\.github\.com\/?$/.test(env.GITHUB_API_URL)) {
  const api = new URL(env.GITHUB_API_URL);
  env.GHE_HOST = api.host;
  env.GHE_PROTOCOL = api.protocol.replace(':', '');
}
const settings = readSettings({ ...env, KVM_REVIEW_CACHE_DIR: env.KVM_REVIEW_CACHE_DIR || join(env.RUNNER_TEMP || tmpdir(), 'kvm-review') });
const scheduler = new Scheduler((key, e) => console.error(`kvm-review: ${key}: ${e instanceof Error ? e.message : String(e)}`));
await run(kvmReviewApp({ settings, scheduler, checkout: env.GITHUB_WORKSPACE || process.cwd(), botLogin: env.KVM_REVIEW_BOT_LOGIN || 'github-actions[bot]', awaitJobs: true }) as unknown as Parameters<typeof run>[0]);
process.exitCode = scheduler.counts.failed ? 1 : 0;
