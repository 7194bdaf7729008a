/**
 * The "Fixed in" reply in a discussed thread is posted once. A gone
 * finding whose comment has replies is answered by a reply (the comment
 * is not edited), so the only record of it is the App's own reply: every
 * later run (the same job again after an error or a restart, a recheck, a
 * later head where the finding is still gone) must see it and post nothing.
 * The real read path (existingComments), planner and applier against the
 * fake GitHub the App tests use.
 */
import { afterEach, beforeAll, beforeEach, afterAll, describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import type { ReviewFinding } from '../../analyzers/review/model.js';
import { findingComment, fixedIn, fixedReply, markerOf } from '../../bot/app/comment.js';
import { DEFAULT_CONFIG } from '../../bot/app/config.js';
import { planReview } from '../../bot/app/plan.js';
import { publishPullRequest, type Octokit } from '../../bot/app/publish.js';
import { existingComments } from '../../bot/app/pull-request.js';
import { FakeGitHub, type ReviewComment } from './fake-github.js';
import { diffOf, finding, placed, testOctokit, unposted } from './helpers.js';
import { git, oneCommitRepo } from './kernel-repo.js';

const BOT = { login: 'kvm-review[bot]', type: 'Bot' as const };
const DEV = { login: 'dev', type: 'User' as const };
const RULES = 'https://x/';
const REPO = { owner: 'kvm', repo: 'linux' };
const HEAD1 = 'b'.repeat(40);
const HEAD2 = 'c'.repeat(40);
const HEAD3 = 'd'.repeat(40);

let dir: string;
let gh: FakeGitHub;
let url: string;
let octokit: Octokit;
beforeAll(async () => {
  dir = oneCommitRepo('reply-once-');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(async () => {
  const base = git(dir, ['rev-parse', 'HEAD']).trim();
  gh = new FakeGitHub(dir);
  url = `http://${await gh.start()}`;
  gh.prs.set(1, { number: 1, base, head: base });
  octokit = testOctokit(url);
});
afterEach(async () => gh.stop());

/** The App's earlier line comment on `f`, and a human's reply under it; returns the comment's id. */
function discussed(f: ReviewFinding, id = 1): number {
  gh.reviewComments.push({ id, pull_number: 1, path: f.file, line: f.line, side: 'RIGHT', body: findingComment(f, { rulesUrl: RULES }), commit_id: 'a'.repeat(40), user: BOT });
  gh.reviewComments.push({ id: id + 1, pull_number: 1, path: f.file, line: f.line, side: 'RIGHT', body: 'I disagree', commit_id: 'a'.repeat(40), user: DEV, in_reply_to_id: id });
  return id;
}

/** One review as the App runs it: read what is on the pull request, plan, publish. */
async function review(head: string, findings: ReviewFinding[] = []): Promise<void> {
  const existing = await existingComments(octokit, REPO, 1, BOT.login);
  const placedFindings = findings.map((f) => placed(f));
  const plan = planReview({ findings: placedFindings, diff: diffOf(placedFindings), existing, headSha: head, config: DEFAULT_CONFIG, rulesUrl: RULES });
  await publishPullRequest(octokit, REPO, { number: 1, headSha: head }, plan, {});
}

/** The App's replies in a thread, their bodies without the applier's post marker (post-once.ts). */
const botReplies = (to: number): ReviewComment[] => gh.reviewComments.filter((c) => c.in_reply_to_id === to && c.user.login === BOT.login).map((c) => ({ ...c, body: unposted(c.body) }));

describe('the "Fixed in" reply in a discussed thread', () => {
  it('is posted once: the same head run again, then later heads where the finding is still gone', async () => {
    const id = discussed(finding());
    for (const head of [HEAD1, HEAD1, HEAD1, HEAD2, HEAD3]) await review(head);
    expect(botReplies(id).map((r) => r.body)).toEqual([fixedReply(HEAD1)]);
    // The comment itself is not edited (someone replied), and the human's reply is untouched.
    expect(fixedIn(gh.reviewComments.find((c) => c.id === id)?.body)).toBeNull();
    expect(gh.reviewComments.find((c) => c.id === id + 1)?.body).toBe('I disagree');
    // Every run completed its check run.
    expect(gh.checkRuns.filter((r) => r.status === 'completed')).toHaveLength(5);
  });

  it('a reply GitHub kept but answered 500, a check run it answered 502, then the same head again: no second reply', async () => {
    const id = discussed(finding());
    // GitHub keeps the reply, the App sees a 500: it finds the reply rather than post it again (post-once.ts).
    let lost = false;
    gh.after = (r) => {
      if (!lost && r.method === 'POST' && r.path.endsWith(`/comments/${id}/replies`)) {
        lost = true;
        throw new Error('connection reset');
      }
    };
    await review(HEAD1);
    expect(lost).toBe(true);
    expect(botReplies(id)).toHaveLength(1);
    // A check run GitHub did not make (502) is posted again; the head run once more (a retry, a restart) posts no reply.
    gh.failures.set('POST /repos/kvm/linux/check-runs', [{ status: 502 }]);
    await review(HEAD1);
    await review(HEAD1);
    expect(botReplies(id)).toHaveLength(1);
    expect(gh.checkRuns.filter((r) => r.status === 'completed')).toHaveLength(3);
  });

  it('only the App\'s own reply counts: someone quoting its marker does not stop it', async () => {
    const id = discussed(finding(), 1);
    gh.reviewComments.push({ id: 3, pull_number: 1, path: 'x', line: 1, side: 'RIGHT', body: `quoting: ${fixedReply(HEAD1)}`, commit_id: 'a'.repeat(40), user: DEV, in_reply_to_id: id });
    await review(HEAD2);
    await review(HEAD2);
    expect(botReplies(id).map((r) => r.body)).toEqual([fixedReply(HEAD2)]);
  });

  it('each discussed thread gets its own reply once; an undiscussed comment is edited once', async () => {
    const a = finding();
    const b = finding();
    const c = finding();
    const ida = discussed(a, 1);
    const idb = discussed(b, 10);
    gh.reviewComments.push({ id: 20, pull_number: 1, path: c.file, line: c.line, side: 'RIGHT', body: findingComment(c, { rulesUrl: RULES }), commit_id: 'a'.repeat(40), user: BOT });
    await review(HEAD1, [b]);
    await review(HEAD1, [b]);
    expect(botReplies(ida)).toHaveLength(1);
    expect(botReplies(idb)).toHaveLength(0);
    await review(HEAD2);
    await review(HEAD3);
    expect(botReplies(ida).map((r) => r.body)).toEqual([fixedReply(HEAD1)]);
    expect(botReplies(idb).map((r) => r.body)).toEqual([fixedReply(HEAD2)]);
    expect(fixedIn(gh.reviewComments.find((x) => x.id === 20)?.body)).toBe(HEAD1);
    // The edit too is made once: the later heads left it naming the first.
    expect(gh.writes().filter((r) => r.method === 'PATCH' && r.path.endsWith('/pulls/comments/20'))).toHaveLength(1);
  });

  it('a finding that comes back after the reply is posted as a new comment, and that one is closed once when it goes again', async () => {
    const f = finding();
    const id = discussed(f);
    await review(HEAD1);
    // Back at the next head: the thread said it was fixed, so it is a new line comment, not a silent skip.
    await review(HEAD2, [f]);
    await review(HEAD2, [f]);
    const again = gh.reviewComments.filter((c) => c.id !== id && !c.in_reply_to_id && markerOf(c.body) === f.fingerprint);
    expect(again).toHaveLength(1);
    // Gone again: the new comment (no replies) is edited; the old thread gets nothing more.
    await review(HEAD3);
    await review(HEAD3);
    expect(fixedIn(again[0]?.body)).toBe(HEAD3);
    expect(botReplies(id).map((r) => r.body)).toEqual([fixedReply(HEAD1)]);
    expect(botReplies(again[0]?.id ?? -1)).toHaveLength(0);
  });
});

describe('existingComments', () => {
  it('names the commit of the App\'s own "Fixed in" reply in each thread, and only its own', async () => {
    const id = discussed(finding(), 1);
    const other = discussed(finding(), 10);
    gh.reviewComments.push({ id: 5, pull_number: 1, path: 'x', line: 1, side: 'RIGHT', body: fixedReply(HEAD2), commit_id: 'a'.repeat(40), user: BOT, in_reply_to_id: id });
    gh.reviewComments.push({ id: 15, pull_number: 1, path: 'x', line: 1, side: 'RIGHT', body: fixedReply(HEAD2), commit_id: 'a'.repeat(40), user: DEV, in_reply_to_id: other });
    const existing = await existingComments(octokit, REPO, 1, BOT.login);
    expect(existing.map((c) => [c.id, c.replies, c.repliedFixedIn ?? null])).toEqual([
      [id, 2, HEAD2],
      [other, 2, null],
    ]);
  });
});

describe('planReview', () => {
  it('a comment whose thread has the App\'s "Fixed in" reply is closed: no second reply; a finding back on its line is a new comment', () => {
    const f = finding();
    const existing = [{ id: 1, kind: 'line' as const, body: findingComment(f, { rulesUrl: RULES }), mine: true, replies: 2, repliedFixedIn: HEAD1 }];
    const gone = planReview({ findings: [], diff: new Map(), existing, headSha: HEAD2, config: DEFAULT_CONFIG, rulesUrl: RULES });
    expect(gone.actions).toEqual([]);
    expect(gone.review).toBeNull();
    const back = planReview({ findings: [placed(f)], diff: diffOf([placed(f)]), existing, headSha: HEAD2, config: DEFAULT_CONFIG, rulesUrl: RULES });
    expect(back.actions.map((a) => a.code)).toEqual(['create']);
  });
});
