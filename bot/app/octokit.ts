/**
 * Probot's Octokit with the App's retry policy. Probot's own already
 * retries 5xx answers (plugin-retry) and primary rate limits (twice), but
 * only logs a secondary rate limit (403 or 429 "secondary rate limit" with
 * `retry-after`) and fails the request; a review posting 30 comments is the
 * very thing that meets one. Here it waits `retry-after` and tries again,
 * up to SECONDARY_RETRIES times; past that the job reports a neutral check.
 */
import { ProbotOctokit } from 'probot';

/** Retries after a secondary rate limit before giving up. */
export const SECONDARY_RETRIES = 3;

type Options = Record<string, unknown> & { throttle?: Record<string, unknown> };

export const AppOctokit = ProbotOctokit.defaults((options: Options) => ({
  ...options,
  throttle: {
    ...options.throttle,
    onSecondaryRateLimit: (retryAfter: number, request: { method: string; url: string }, octokit: { log: { warn: (m: string) => void } }, retryCount: number): boolean => {
      octokit.log.warn(`secondary rate limit on ${request.method} ${request.url}: retry ${retryCount + 1} in ${retryAfter} s`);
      return retryCount < SECONDARY_RETRIES;
    },
  },
}));
