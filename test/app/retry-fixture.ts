/**
 * What the tests of a failed review's retry share, for both queues: a small
 * repository that is not a kernel tree (a review ends in a neutral "Not a
 * kernel tree" check run: enough to see whether it ran), served by the fake
 * GitHub; the App loaded with a given queue and its defaults (skipReviewed
 * on: a head with a completed check run is not reviewed again); and the
 * scenarios, run against whichever queue the test gives.
 *
 * A review fails for good here by a 404 GitHub answers once (the pull
 * request's read, or a push's compare): runJob completes the check run as
 * "kvm-review could not run" and the job fails with the reason.
 */
import { expect } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Probot } from 'probot';
import { kvmReviewApp, type AppOptions } from '../../bot/app/index.js';
import { FAILED_TITLE } from '../../bot/app/job.js';
import { AppOctokit } from '../../bot/app/octokit.js';
import { readSettings } from '../../bot/app/settings.js';
import type { JobInfo, JobQueue } from '../../bot/jobs/queue.js';
import { payload } from './app-server.js';
import { FakeGitHub } from './fake-github.js';
import { commitEdit, git } from './kernel-repo.js';

export { FAILED_TITLE };
export const NOT_KERNEL = 'Not a kernel tree';

export interface RetryRepo {
  gh: FakeGitHub;
  url: string;
  base: string;
  /** A new head on `base`, its own commit each call. */
  head: () => string;
}

export async function retryRepo(): Promise<RetryRepo> {
  const dir = mkdtempSync(join(tmpdir(), 'kvm-review-retry-'));
  writeFileSync(join(dir, 'README'), 'not a kernel\n');
  git(dir, ['init', '-q', '-b', 'master']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'base']);
  const base = git(dir, ['rev-parse', 'HEAD']).trim();
  const tree = git(dir, ['rev-parse', `${commitEdit(dir, 'README', (t) => `${t}more\n`, 'one')}^{tree}`]).trim();
  git(dir, ['reset', '-q', '--hard', base]);
  let n = 0;
  const gh = new FakeGitHub(dir);
  gh.config = 'push-branches: [queue]\n';
  const url = `http://${await gh.start()}`;
  return { gh, url, base, head: () => git(dir, ['commit-tree', tree, '-p', base, '-m', `head ${++n}`]).trim() };
}

/** The App's options in these tests: the App's defaults (not awaiting the review: skipReviewed on). */
export function appOptions(queue: JobQueue): AppOptions {
  return { settings: readSettings({ KVM_REVIEW_CACHE_DIR: mkdtempSync(join(tmpdir(), 'kvm-review-retry-cache-')) }), queue, botLogin: 'kvm-review[bot]' };
}

export async function loadApp(repo: RetryRepo, queue: JobQueue): Promise<Probot> {
  const p = new Probot({ githubToken: 'test-token', baseUrl: repo.url, Octokit: AppOctokit, logLevel: 'fatal' });
  await p.load(kvmReviewApp(appOptions(queue)));
  return p;
}

/** Which job kind a scenario delivers: a pull request opened on `head`, or a push of `head` to the configured branch. */
export interface Kind {
  name: 'pr' | 'push';
  /** GitHub's answer to this request fails the review (once). */
  failing: string;
  deliver: (p: Probot, repo: RetryRepo, head: string) => Promise<void>;
}

export const PR: Kind = {
  name: 'pr',
  failing: 'GET /repos/kvm/linux/pulls/1',
  deliver: async (p, repo, head) => {
    repo.gh.prs.set(1, { number: 1, base: repo.base, head });
    await p.receive({ id: `pr-${head}`, name: 'pull_request', payload: payload('pull_request.opened', { HEAD_SHA: head, BASE_SHA: repo.base }) as never });
  },
};

export const PUSH: Kind = {
  name: 'push',
  failing: 'GET /repos/kvm/linux/compare/',
  deliver: async (p, repo, head) => {
    await p.receive({ id: `push-${head}`, name: 'push', payload: payload('push', { BEFORE_SHA: repo.base, AFTER_SHA: head }) as never });
  },
};

/** The kvm-review check runs on `sha`: status, conclusion, title. */
export function runsOn(repo: RetryRepo, sha: string): [string, string | null, string | undefined][] {
  return repo.gh.checkRuns.filter((r) => r.head_sha === sha).map((r) => [r.status, r.conclusion, r.output.title]);
}

/** Waits until nothing waits or runs; the jobs of `head`, oldest first. */
export async function settle(queue: JobQueue, head: string): Promise<JobInfo[]> {
  for (let i = 0; i < 600; i++) {
    const s = await queue.status();
    if (s.idle) return (await queue.list()).filter((j) => j.head === head).sort((a, b) => a.enqueuedAt - b.enqueuedAt || Number(a.finishedAt) - Number(b.finishedAt));
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the queue did not settle: ${JSON.stringify(await queue.status())}`);
}

/** A scenario's App, repository and queue. */
export interface Setup {
  p: Probot;
  repo: RetryRepo;
  queue: JobQueue;
  /** Whether the same head delivered again after a review adds a job (in process: one that ends as already-reviewed) or nothing (BullMQ: the completed job's id). */
  redeliveryAddsJob: boolean;
}

/** A delivery whose review fails for good: the job failed with the reason, the check run completed as FAILED_TITLE. */
export async function failedDelivery({ p, repo, queue }: Setup, kind: Kind, head: string): Promise<JobInfo> {
  repo.gh.failures.set(kind.failing, [{ status: 404, message: 'Not Found' }]);
  await kind.deliver(p, repo, head);
  const jobs = await settle(queue, head);
  expect(jobs.map((j) => [j.kind, j.state])).toEqual([[kind.name, 'failed']]);
  expect(jobs[0]?.reason).toMatch(/Not Found/);
  expect(runsOn(repo, head)).toEqual([['completed', 'neutral', FAILED_TITLE]]);
  return jobs[0] as JobInfo;
}

/** A redelivery of a head already reviewed posts nothing: no second review. */
export async function redeliveryPostsNothing({ p, repo, queue, redeliveryAddsJob }: Setup, kind: Kind, head: string): Promise<void> {
  const before = new Set((await queue.list()).map((j) => j.id));
  const writes = repo.gh.writes().length;
  await kind.deliver(p, repo, head);
  const jobs = await settle(queue, head);
  expect(repo.gh.writes().slice(writes)).toEqual([]);
  expect(runsOn(repo, head)).toEqual([['completed', 'neutral', NOT_KERNEL]]);
  expect(jobs.filter((j) => !before.has(j.id)).map((j) => [j.state, j.outcome])).toEqual(redeliveryAddsJob ? [['completed', 'already-reviewed']] : []);
}

/** An operator retries the failed job: it reviews the head (one check run, the review's), and a redelivery then posts nothing. */
export async function retryReviews(setup: Setup, kind: Kind): Promise<void> {
  const { repo, queue } = setup;
  const head = repo.head();
  const failed = await failedDelivery(setup, kind, head);
  await queue.retry(failed.id);
  const jobs = await settle(queue, head);
  expect(jobs.map((j) => [j.id, j.state, j.outcome])).toEqual([[failed.id, 'completed', 'not-kernel']]);
  expect(runsOn(repo, head)).toEqual([['completed', 'neutral', NOT_KERNEL]]);
  await redeliveryPostsNothing(setup, kind, head);
}

/** GitHub redelivers the event (or sends it again) after the review failed: it reviews the head; the failed job keeps its reason. */
export async function redeliveryReviews(setup: Setup, kind: Kind): Promise<void> {
  const { p, repo, queue } = setup;
  const head = repo.head();
  const failed = await failedDelivery(setup, kind, head);
  await kind.deliver(p, repo, head);
  const jobs = await settle(queue, head);
  expect(jobs.map((j) => [j.id === failed.id, j.state, j.outcome])).toEqual([
    [true, 'failed', null],
    [false, 'completed', 'not-kernel'],
  ]);
  expect(jobs[0]?.reason).toMatch(/Not Found/);
  expect(runsOn(repo, head)).toEqual([['completed', 'neutral', NOT_KERNEL]]);
  await redeliveryPostsNothing(setup, kind, head);
}
