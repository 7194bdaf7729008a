/** The applier with nock: the review, fixed-in edits, replies, the check run in batches of 50; nothing else is called. */
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { DEFAULT_CONFIG } from '../../bot/app/config.js';
import { findingComment } from '../../bot/app/comment.js';
import { planReview } from '../../bot/app/plan.js';
import { CHECK_NAME, publishPullRequest, Superseded } from '../../bot/app/publish.js';
import { diffOf, finding, placed, testOctokit } from './helpers.js';

const repo = { owner: 'kvm', repo: 'linux' };
const HEAD = 'abcdef0000000000000000000000000000000002';
const RULES = 'https://example.org/rules/';

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

interface Body {
  [k: string]: unknown;
}

describe('publishPullRequest', () => {
  it('posts one review with the line comments, edits a fixed comment, replies in a discussed one, and completes the check', async () => {
    const fs = [placed(finding()), placed(finding())];
    const gone = finding();
    const discussed = finding();
    const plan = planReview({
      findings: fs,
      diff: diffOf(fs),
      existing: [
        { id: 11, kind: 'line', body: findingComment(gone, { rulesUrl: RULES }), mine: true, replies: 0 },
        { id: 12, kind: 'line', body: findingComment(discussed, { rulesUrl: RULES }), mine: true, replies: 2 },
        { id: 13, kind: 'line', body: 'LGTM', mine: false, replies: 0 },
      ],
      headSha: HEAD,
      config: DEFAULT_CONFIG,
      rulesUrl: RULES,
    });
    const seen: Record<string, Body> = {};
    const api = nock('https://api.github.com')
      .post('/repos/kvm/linux/pulls/5/reviews', (b: Body) => ((seen.review = b), true))
      .reply(200, { id: 900 })
      .patch('/repos/kvm/linux/pulls/comments/11', (b: Body) => ((seen.edit = b), true))
      .reply(200, {})
      .post('/repos/kvm/linux/pulls/5/comments/12/replies', (b: Body) => ((seen.reply = b), true))
      .reply(201, {})
      .post('/repos/kvm/linux/check-runs', (b: Body) => ((seen.check = b), true))
      .reply(201, { id: 77 });
    const out = await publishPullRequest(testOctokit(), repo, { number: 5, headSha: HEAD }, plan);
    expect(api.isDone()).toBe(true);
    expect(out).toEqual({ reviewId: 900, edited: [11], replied: [12], dismissed: [], checkRunId: 77 });
    expect(seen.review).toMatchObject({ commit_id: HEAD, event: 'COMMENT' });
    expect((seen.review?.comments as unknown[]).length).toBe(2);
    expect(String(seen.edit?.body)).toMatch(/Fixed in abcdef000000/);
    expect(seen.check).toMatchObject({ name: CHECK_NAME, head_sha: HEAD, status: 'completed', conclusion: 'failure' });
  });

  it('120 findings: the check run carries 50 annotations, then two updates carry 50 and 20', async () => {
    const fs = Array.from({ length: 120 }, () => placed(finding({ severity: 'warning' })));
    const plan = planReview({ findings: fs, diff: diffOf(fs), existing: [], headSha: HEAD, config: DEFAULT_CONFIG, rulesUrl: RULES });
    const sizes: number[] = [];
    const take = (b: Body): boolean => (sizes.push(((b.output as Body).annotations as unknown[]).length), true);
    nock('https://api.github.com')
      .post('/repos/kvm/linux/pulls/5/reviews', (b: Body) => (b.comments as unknown[]).length === 30)
      .reply(200, { id: 1 })
      .post('/repos/kvm/linux/check-runs', take)
      .reply(201, { id: 78 })
      .patch('/repos/kvm/linux/check-runs/78', take)
      .times(2)
      .reply(200, {});
    await publishPullRequest(testOctokit(), repo, { number: 5, headSha: HEAD }, plan);
    expect(sizes).toEqual([50, 50, 20]);
  });

  it('nothing new: no review, only the check run', async () => {
    const f = finding();
    const plan = planReview({ findings: [placed(f)], diff: diffOf([placed(f)]), existing: [{ id: 1, kind: 'line', body: findingComment(f, { rulesUrl: RULES }), mine: true, replies: 0 }], headSha: HEAD, config: DEFAULT_CONFIG, rulesUrl: RULES });
    nock('https://api.github.com').post('/repos/kvm/linux/check-runs').reply(201, { id: 3 });
    expect(await publishPullRequest(testOctokit(), repo, { number: 5, headSha: HEAD }, plan)).toMatchObject({ reviewId: null, edited: [], replied: [] });
  });

  it('a superseded job posts nothing', async () => {
    const plan = planReview({ findings: [placed(finding())], diff: diffOf([]), existing: [], headSha: HEAD, config: DEFAULT_CONFIG, rulesUrl: RULES });
    await expect(publishPullRequest(testOctokit(), repo, { number: 5, headSha: HEAD }, plan, { superseded: () => true })).rejects.toBeInstanceOf(Superseded);
  });
});
