/**
 * GitHub answers every list a page at a time (30 by default, 100 at most;
 * a pull request's files up to 3000), and the fake GitHub does the same,
 * with the Link header Octokit's paginate() follows. What the App reads
 * past the first page must count:
 * - the pull request's files: a lock change in a file past the first 100
 *   is on the diff, so it gets its line comment (read from page 1 only, it
 *   would be "not on a line of the diff");
 * - the review comments, where the App finds its own comments and its own
 *   "Fixed in" replies by their markers: one past the first page missed
 *   would be posted a second time.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReviewFinding } from '../../analyzers/review/model.js';
import { findingComment, fixedReply, markerOf } from '../../bot/app/comment.js';
import { DEFAULT_CONFIG } from '../../bot/app/config.js';
import { planReview } from '../../bot/app/plan.js';
import { publishPullRequest } from '../../bot/app/publish.js';
import { existingComments } from '../../bot/app/pull-request.js';
import { FakeGitHub } from './fake-github.js';
import { deliverPullRequest, kernelHost, type KernelHost } from './in-process.js';
import { diffOf, finding, placed, testOctokit, unposted } from './helpers.js';
import { BUG_ANCHOR, BUG_FILE, BUG_LINES, commitEdit, git, insertAfter, lineAt, oneCommitRepo } from './kernel-repo.js';

const BOT = { login: 'kvm-review[bot]', type: 'Bot' as const };
const DEV = { login: 'dev', type: 'User' as const };

describe('a pull request of more than 100 files', () => {
  let host: KernelHost;
  let gh: FakeGitHub;
  let dir: string;
  let base: string;
  const cache = mkdtempSync(join(tmpdir(), 'kvm-review-pages-'));

  beforeAll(async () => {
    host = await kernelHost();
    ({ gh, dir, base } = host);
  });
  afterAll(async () => gh.stop());

  it('the lock change in a file past the first page of 100 gets its line comment', async () => {
    git(dir, ['checkout', '-q', '-b', 'many-files', base]);
    // 150 new files sorting before virt/ (GitHub lists them by path, as git does): kvm_main.c is on page 2.
    mkdirSync(join(dir, 'Documentation/kvm-review-pages'), { recursive: true });
    for (let i = 0; i < 150; i++) writeFileSync(join(dir, `Documentation/kvm-review-pages/note-${String(i).padStart(3, '0')}.txt`), `note ${i}\n`);
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '-m', 'Documentation: 150 notes\n\nSigned-off-by: Test Author <author@example.org>']);
    const head = commitEdit(dir, BUG_FILE, insertAfter(BUG_ANCHOR, BUG_LINES, 1), 'KVM: take kvm->lock in the vCPU ioctl');
    const files = git(dir, ['diff', '--name-only', base, head]).split('\n').filter(Boolean);
    expect(files.length).toBe(151);
    expect(files.indexOf(BUG_FILE)).toBeGreaterThanOrEqual(100);

    await deliverPullRequest(host, cache, { number: 1, action: 'opened', head, base });

    const comment = gh.reviewComments.find((c) => c.pull_number === 1 && c.body.includes('order-inversion'));
    expect(comment).toMatchObject({ path: BUG_FILE, line: lineAt(dir, head, BUG_FILE, BUG_LINES[0] as string) });
    const run = gh.checkRuns.find((r) => r.head_sha === head);
    expect(run?.conclusion).toBe('failure');
    expect(run?.output.summary).not.toContain('Not on a line of the diff');
    // The App asked for the second page of files (the fake gives 100 at most a page).
    expect(gh.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/pulls/1/files')).length).toBeGreaterThanOrEqual(2);
  });
});

describe('review comments past the first page', () => {
  let dir: string;
  let gh: FakeGitHub;
  let octokit: ReturnType<typeof testOctokit>;
  const REPO = { owner: 'kvm', repo: 'linux' };

  beforeAll(async () => {
    dir = oneCommitRepo('pages-comments-');
    const sha = git(dir, ['rev-parse', 'HEAD']).trim();
    gh = new FakeGitHub(dir);
    gh.prs.set(1, { number: 1, base: sha, head: sha });
    octokit = testOctokit(`http://${await gh.start()}`);
  });
  afterAll(async () => {
    await gh.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One review as the App runs it: read what is on the pull request, plan, publish. */
  async function review(head: string, findings: ReviewFinding[]): Promise<void> {
    const existing = await existingComments(octokit, REPO, 1, BOT.login);
    const p = findings.map((f) => placed(f));
    await publishPullRequest(octokit, REPO, { number: 1, headSha: head }, planReview({ findings: p, diff: diffOf(p), existing, headSha: head, config: DEFAULT_CONFIG, rulesUrl: 'https://x/' }), {});
  }

  it('the App\'s comment and its own "Fixed in" reply, both past page 1 of 100, are found: nothing is posted twice', async () => {
    const standing = finding();
    const fixed = finding();
    // 150 comments by someone else first: the App's own are on page 2.
    for (let i = 0; i < 150; i++) gh.reviewComments.push({ id: i + 1, pull_number: 1, path: 'README', line: 1, side: 'RIGHT', body: `nit ${i}`, commit_id: 'a'.repeat(40), user: DEV });
    gh.reviewComments.push({ id: 500, pull_number: 1, path: standing.file, line: standing.line, side: 'RIGHT', body: findingComment(standing, { rulesUrl: 'https://x/' }), commit_id: 'a'.repeat(40), user: BOT });
    gh.reviewComments.push({ id: 501, pull_number: 1, path: fixed.file, line: fixed.line, side: 'RIGHT', body: findingComment(fixed, { rulesUrl: 'https://x/' }), commit_id: 'a'.repeat(40), user: BOT });
    gh.reviewComments.push({ id: 502, pull_number: 1, path: fixed.file, line: fixed.line, side: 'RIGHT', body: 'fixed now?', commit_id: 'a'.repeat(40), user: DEV, in_reply_to_id: 501 });
    gh.reviewComments.push({ id: 503, pull_number: 1, path: fixed.file, line: fixed.line, side: 'RIGHT', body: fixedReply('b'.repeat(40)), commit_id: 'a'.repeat(40), user: BOT, in_reply_to_id: 501 });

    await review('c'.repeat(40), [standing]);

    // The standing finding is already posted: no review, no second comment; the thread already answered gets no second reply.
    expect(gh.reviews).toEqual([]);
    expect(gh.reviewComments.filter((c) => markerOf(c.body) === standing.fingerprint)).toHaveLength(1);
    expect(gh.reviewComments.filter((c) => c.in_reply_to_id === 501 && c.user.login === BOT.login).map((c) => unposted(c.body))).toEqual([fixedReply('b'.repeat(40))]);
    expect(gh.writes().filter((w) => w.method === 'PATCH' && w.path.includes('/pulls/comments/'))).toEqual([]);
    // It did read past page 1.
    expect(gh.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/pulls/1/comments')).length).toBeGreaterThanOrEqual(2);
  });
});
