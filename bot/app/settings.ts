/**
 * The App's own settings, from the environment (Probot reads its standard
 * ones: APP_ID, PRIVATE_KEY/PRIVATE_KEY_PATH, WEBHOOK_SECRET, GHE_HOST,
 * GHE_PROTOCOL, HOST, PORT, LOG_LEVEL). Listed in the README.
 */
import { join } from 'node:path';
import envPaths from 'env-paths';
import { DEFAULT_RULES_URL } from './comment.js';
import { positiveIntEnv } from '../env-number.js';

export interface AppSettings {
  /** KVM_REVIEW_CACHE_DIR: blobs, tree listings and the index cache. */
  cacheDir: string;
  /** KVM_REVIEW_MIRROR: mirror mode, a directory of bare clones (`<owner>/<repo>.git`) fetched from their `origin` and read through git (tree-source.ts); unset: the API tree. */
  mirror: string | null;
  /** KVM_REVIEW_MAX_FILES: changed files past which a pull request is not reviewed. */
  maxFiles: number;
  /** KVM_REVIEW_MAX_LINES: added plus deleted lines past which it is not reviewed. */
  maxLines: number;
  /** KVM_REVIEW_MAX_COMMITS: commits of a pull request or a push past which it is not reviewed. */
  maxCommits: number;
  /** KVM_REVIEW_RULES_URL: the kvm-review repository's blob URL rule pages are linked under (ends in '/'). */
  rulesUrl: string;
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): AppSettings {
  const rulesUrl = env.KVM_REVIEW_RULES_URL || DEFAULT_RULES_URL;
  return {
    cacheDir: env.KVM_REVIEW_CACHE_DIR || join(envPaths('kvm-review', { suffix: '' }).cache, 'app'),
    mirror: env.KVM_REVIEW_MIRROR || null,
    maxFiles: positiveIntEnv(env, 'KVM_REVIEW_MAX_FILES', 300),
    maxLines: positiveIntEnv(env, 'KVM_REVIEW_MAX_LINES', 20000),
    maxCommits: positiveIntEnv(env, 'KVM_REVIEW_MAX_COMMITS', 50),
    rulesUrl: rulesUrl.endsWith('/') ? rulesUrl : `${rulesUrl}/`,
  };
}

/**
 * KVM_REVIEW_QUEUE_DIR: the in-process queue's journal (npm start without
 * REDIS_URL), by default `queue/` in the cache directory, so that the one
 * volume a deployment keeps (the Dockerfile's KVM_REVIEW_CACHE_DIR) keeps
 * the queued reviews too.
 */
export function queueDir(settings: Pick<AppSettings, 'cacheDir'>, env: NodeJS.ProcessEnv = process.env): string {
  return env.KVM_REVIEW_QUEUE_DIR || join(settings.cacheDir, 'queue');
}

/** KVM_REVIEW_STOP_GRACE_MS: on SIGTERM or SIGINT, how long npm start lets the running review finish (default 60 s, as `kvm-review worker --grace`). */
export function stopGraceMs(env: NodeJS.ProcessEnv = process.env): number {
  return positiveIntEnv(env, 'KVM_REVIEW_STOP_GRACE_MS', 60_000);
}
