/**
 * A POST GitHub carried out but answered 502 (its gateway timed out while
 * the review of many comments was being made) is not posted again: the
 * server's own Octokit (retry and throttling on, as `npm start` runs it)
 * against the fake GitHub, through the real planner and applier.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import type { ReviewFinding } from '../../analyzers/review/model.js';
import { findingComment } from '../../bot/app/comment.js';
import { DEFAULT_CONFIG } from '../../bot/app/config.js';
import { AppOctokit } from '../../bot/app/octokit.js';
import { planReview } from '../../bot/app/plan.js';
import { publishPullRequest, startCheck, type Octokit } from '../../bot/app/publish.js';
import { existingComments } from '../../bot/app/pull-request.js';
import { FakeGitHub } from './fake-github.js';
import { diffOf, finding, placed } from './helpers.js';
import { git, oneCommitRepo } from './kernel-repo.js';

const BOT = { login: 'kvm-review[bot]', type: 'Bot' as const };
const DEV = { login: 'dev', type: 'User' as const };
const RULES = 'https://x/';
const REPO = { owner: 'kvm', repo: 'linux' };
const HEAD = 'b'.repeat(40);
const GATEWAY = { status: 502, message: 'Server Error', done: true };

let dir: string;
let gh: FakeGitHub;
let octokit: Octokit;
beforeAll(() => {
  dir = oneCommitRepo('post-once-');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  const base = git(dir, ['rev-parse', 'HEAD']).trim();
  gh = new FakeGitHub(dir);
  const host = await gh.start();
  gh.prs.set(1, { number: 1, base, head: base });
  octokit = new AppOctokit({ auth: { token: 'test' }, baseUrl: `http://${host}`, log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } }) as unknown as Octokit;
});
afterEach(async () => gh.stop());

/** One review as the App runs it: read what is on the pull request, plan, publish. */
async function review(findings: ReviewFinding[]): Promise<void> {
  const existing = await existingComments(octokit, REPO, 1, BOT.login);
  const p = findings.map((f) => placed(f));
  const plan = planReview({ findings: p, diff: diffOf(p), existing, headSha: HEAD, config: DEFAULT_CONFIG, rulesUrl: RULES });
  await publishPullRequest(octokit, REPO, { number: 1, headSha: HEAD }, plan, {});
}

const posts = (suffix: string): number => gh.requests.filter((r) => r.method === 'POST' && r.path.endsWith(suffix)).length;

describe('a POST GitHub answered 502', () => {
  it('the review was made: not posted again; each finding one line comment, the check run completed', async () => {
    gh.failures.set('POST /repos/kvm/linux/pulls/1/reviews', [GATEWAY]);
    await review([finding(), finding()]);
    expect(gh.reviews).toHaveLength(1);
    expect(gh.reviewComments).toHaveLength(2);
    expect(gh.checkRuns.map((r) => r.status)).toEqual(['completed']);
  });

  it('the review was not made: posted again, once', async () => {
    gh.failures.set('POST /repos/kvm/linux/pulls/1/reviews', [{ status: 502 }]);
    await review([finding(), finding()]);
    expect(posts('/pulls/1/reviews')).toBe(2);
    expect(gh.reviews).toHaveLength(1);
    expect(gh.reviewComments).toHaveLength(2);
  });

  it('a secondary rate limit on the review is waited out: one review', async () => {
    gh.failures.set('POST /repos/kvm/linux/pulls/1/reviews', [{ status: 403, headers: { 'retry-after': '1' }, message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' }]);
    await review([finding()]);
    expect(posts('/pulls/1/reviews')).toBe(2);
    expect(gh.reviews).toHaveLength(1);
    expect(gh.reviewComments).toHaveLength(1);
  });

  it('the "Fixed in" reply in a discussed thread was made: one reply', async () => {
    const f = finding();
    gh.reviewComments.push({ id: 1, pull_number: 1, path: f.file, line: f.line, side: 'RIGHT', body: findingComment(f, { rulesUrl: RULES }), commit_id: 'a'.repeat(40), user: BOT });
    gh.reviewComments.push({ id: 2, pull_number: 1, path: f.file, line: f.line, side: 'RIGHT', body: 'why?', commit_id: 'a'.repeat(40), user: DEV, in_reply_to_id: 1 });
    gh.failures.set('POST /repos/kvm/linux/pulls/1/comments/1/replies', [GATEWAY]);
    await review([]);
    expect(gh.reviewComments.filter((c) => c.in_reply_to_id === 1 && c.user.login === BOT.login)).toHaveLength(1);
  });

  it('the in-progress check run was made: one check run, no second one left spinning', async () => {
    gh.failures.set('POST /repos/kvm/linux/check-runs', [GATEWAY]);
    const id = await startCheck(octokit, REPO, HEAD);
    expect(gh.checkRuns.map((r) => [r.id, r.status])).toEqual([[id, 'in_progress']]);
  });

  it('the check run was made but is not on the first page of the commit\'s runs: found on a later page, not made again', async () => {
    gh.failures.set('POST /repos/kvm/linux/check-runs', [GATEWAY]);
    // 120 runs of ours listed before it (the fake lists newest first): other deliveries for the same commit.
    const runs = gh.checkRuns;
    const push = runs.push.bind(runs);
    runs.push = (...made) => {
      const n = push(...made);
      for (let k = 0; k < 120; k++) push({ id: 10_000 + k, name: 'kvm-review', head_sha: HEAD, status: 'completed', conclusion: 'success', output: {}, annotations: [], external_id: `other-${k}` });
      return n;
    };
    const id = await startCheck(octokit, REPO, HEAD);
    expect(posts('/check-runs')).toBe(1);
    expect(runs.filter((r) => !r.external_id?.startsWith('other-')).map((r) => [r.id, r.status])).toEqual([[id, 'in_progress']]);
  });
});
