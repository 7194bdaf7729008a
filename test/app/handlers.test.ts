/**
 * The handlers in process (Probot.receive) against the fake GitHub on a
 * small repository that is not a kernel tree: configuration errors, drafts,
 * size limits, recheck permissions, and Probot's retry and throttling on
 * (the server's Octokit class, not a test double).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Probot } from 'probot';
import { AppOctokit } from '../../bot/app/octokit.js';
import { kvmReviewApp, type AppOptions } from '../../bot/app/index.js';
import { readSettings, type AppSettings } from '../../bot/app/settings.js';
import { payload } from './app-server.js';
import { FakeGitHub } from './fake-github.js';
import { commitEdit, git } from './kernel-repo.js';

let gh: FakeGitHub;
let url: string;
let base: string;
let head: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvm-review-small-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'README'), 'not a kernel\n');
  writeFileSync(join(dir, 'src', 'a.c'), 'int a;\n');
  git(dir, ['init', '-q', '-b', 'master']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'base']);
  base = git(dir, ['rev-parse', 'HEAD']).trim();
  commitEdit(dir, 'README', (t) => `${t}more\n`, 'one');
  head = commitEdit(dir, 'src/a.c', (t) => `${t}int b;\n`, 'two');
  gh = new FakeGitHub(dir);
  url = `http://${await gh.start()}`;
  gh.prs.set(1, { number: 1, base, head });
});
afterAll(async () => gh.stop());

function probot(settings: Partial<AppSettings> = {}, options: Partial<AppOptions> = {}): Probot {
  const p = new Probot({ githubToken: 'test-token', baseUrl: url, Octokit: AppOctokit, logLevel: 'fatal' });
  void p.load(kvmReviewApp({ settings: { ...readSettings({ KVM_REVIEW_CACHE_DIR: mkdtempSync(join(tmpdir(), 'kvm-review-h-')) }), ...settings }, awaitJobs: true, botLogin: 'kvm-review[bot]', ...options }));
  return p;
}

async function opened(p: Probot, over: { draft?: boolean } = {}): Promise<void> {
  const body = payload('pull_request.opened', { HEAD_SHA: head, BASE_SHA: base }) as { pull_request: { draft: boolean } };
  body.pull_request.draft = Boolean(over.draft);
  await p.receive({ id: 'd1', name: 'pull_request', payload: body as never });
}

function lastCheck(): { conclusion: string | null; output: { title?: string; summary?: string } } | undefined {
  return gh.checkRuns.filter((r) => r.head_sha === head).at(-1);
}

function reset(): void {
  gh.checkRuns.length = 0;
  gh.requests.length = 0;
  gh.config = null;
}

/** A check_run or check_suite `rerequested` delivery (a maintainer's "Re-run" on the checks tab) for `sha`, with the pull requests GitHub names (none for a fork's). */
function rerequested(kind: 'check_run' | 'check_suite', sha: string, prs: number[], branch: string | null = 'pr-1'): { name: string; payload: unknown } {
  const pullRequests = prs.map((n) => ({ number: n, head: { sha, ref: branch }, base: { sha: base, ref: 'master' } }));
  const suite = { id: 7, head_branch: branch, head_sha: sha, before: base, after: sha, pull_requests: pullRequests, app: { id: 1, slug: 'kvm-review' } };
  const repository = { id: 1, name: 'linux', full_name: 'kvm/linux', default_branch: 'master', owner: { login: 'kvm', type: 'Organization' } };
  const body = kind === 'check_run' ? { check_run: { id: 9, name: 'kvm-review', head_sha: sha, status: 'completed', pull_requests: pullRequests, check_suite: suite, app: suite.app } } : { check_suite: suite };
  return { name: kind, payload: { action: 'rerequested', ...body, repository, installation: { id: 1 }, sender: { login: 'maintainer', type: 'User' } } };
}

/** The review runs against the repository's tree: here (no kernel tree) its sign is a check run completed 'Not a kernel tree'. */
const reviewsRun = (): number => gh.requests.filter((r) => r.method === 'PATCH' && r.path.includes('/check-runs/') && (r.body as { output?: { title?: string } }).output?.title === 'Not a kernel tree').length;

describe('the handlers', () => {
  it('an invalid configuration: a neutral check run naming the key and its line, and no review', async () => {
    reset();
    gh.config = 'fail-on: error\nmax-comments: 99\n';
    await opened(probot());
    expect(lastCheck()?.conclusion).toBe('neutral');
    expect(lastCheck()?.output.summary).toMatch(/kvm-review\.yml:2: max-comments: /);
    expect(gh.requests.some((r) => r.path.includes('/git/'))).toBe(false);
    expect(gh.reviews).toEqual([]);
  });

  it('a repository that is not a kernel tree: neutral, saying so, and nothing else', async () => {
    reset();
    await opened(probot());
    expect(lastCheck()).toMatchObject({ conclusion: 'neutral', output: { title: 'Not a kernel tree' } });
    expect(gh.writes().every((w) => w.path.includes('/check-runs'))).toBe(true);
  });

  it('a draft is skipped unless configured', async () => {
    reset();
    await opened(probot(), { draft: true });
    expect(gh.writes()).toEqual([]);
    gh.config = 'drafts: true\n';
    await opened(probot(), { draft: true });
    expect(lastCheck()?.conclusion).toBe('neutral');
  });

  it('past the size limits: neutral with the reason', async () => {
    reset();
    await opened(probot({ maxFiles: 1 }));
    expect(lastCheck()).toMatchObject({ conclusion: 'neutral', output: { title: 'Pull request too large to review' } });
    expect(lastCheck()?.output.summary).toMatch(/2 changed files \(limit 1\)/);
  });

  it('/kvm-review recheck runs for a writer, not for a reader', async () => {
    reset();
    const p = probot();
    await p.receive({ id: 'c1', name: 'issue_comment', payload: payload('issue_comment.created', { COMMENTER: 'reader' }) as never });
    expect(gh.writes()).toEqual([]);
    await p.receive({ id: 'c2', name: 'issue_comment', payload: payload('issue_comment.created', { COMMENTER: 'maintainer' }) as never });
    expect(lastCheck()?.conclusion).toBe('neutral');
  });

  it('a pull request closed or merged: an event delivered late posts no review, its check run says why and does not count as a review; a recheck is ignored', async () => {
    for (const [state, word] of [[{ state: 'closed' as const }, 'closed'], [{ state: 'closed' as const, merged: true }, 'merged']] as const) {
      reset();
      gh.prs.set(1, { number: 1, base, head, ...state });
      try {
        // The App's server: a head with a completed check run is not reviewed again, unless the run says it was not.
        const p = probot({}, { awaitJobs: true, skipReviewed: true });
        await opened(p);
        expect(gh.reviews).toEqual([]);
        expect(lastCheck()).toMatchObject({ conclusion: 'neutral', output: { title: 'Not reviewed: the pull request is closed' } });
        expect(lastCheck()?.output.summary).toBe(`Pull request #1 is ${word}: nothing is posted on it. Reopened, it is reviewed.`);
        const writes = gh.writes().length;
        await p.receive({ id: 'c3', name: 'issue_comment', payload: payload('issue_comment.created', { COMMENTER: 'maintainer' }) as never });
        expect(gh.writes().length).toBe(writes);
        // Reopened: reviewed (this repository is no kernel tree, which the check run now says).
        gh.prs.set(1, { number: 1, base, head });
        await opened(p);
        expect(lastCheck()?.output.title).toBe('Not a kernel tree');
      } finally {
        gh.prs.set(1, { number: 1, base, head });
      }
    }
  });

  it("a 502 is retried by the server's Octokit and the review goes on", async () => {
    reset();
    gh.failures.set('GET /repos/kvm/linux/pulls/1', [{ status: 502 }]);
    await opened(probot());
    expect(gh.requests.filter((r) => r.method === 'GET' && r.path === '/repos/kvm/linux/pulls/1').length).toBe(2);
    expect(lastCheck()?.output.title).toBe('Not a kernel tree');
  });

  it('a secondary rate limit (403, retry-after) is waited out and retried, not a failure', async () => {
    reset();
    gh.failures.set('POST /repos/kvm/linux/check-runs', [{ status: 403, headers: { 'retry-after': '1' }, message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' }]);
    const t = Date.now();
    await opened(probot());
    expect(Date.now() - t).toBeGreaterThanOrEqual(900);
    expect(gh.requests.filter((r) => r.method === 'POST' && r.path === '/repos/kvm/linux/check-runs').length).toBe(2);
    expect(lastCheck()?.output.title).toBe('Not a kernel tree');
  });

  it('"Re-run" on the check run or the check suite reviews the head again, though it was reviewed; a fork\'s pull request (none named) is found by its head', async () => {
    reset();
    const p = probot({}, { awaitJobs: true, skipReviewed: true });
    await opened(p);
    expect(reviewsRun()).toBe(1);
    // A redelivery is not a re-run: nothing.
    await opened(p);
    expect(reviewsRun()).toBe(1);
    await p.receive({ id: 'r1', ...rerequested('check_run', head, [1]) } as never);
    expect(reviewsRun()).toBe(2);
    await p.receive({ id: 'r2', ...rerequested('check_suite', head, [1]) } as never);
    expect(reviewsRun()).toBe(3);
    await p.receive({ id: 'r3', ...rerequested('check_run', head, [], 'fork-branch') } as never);
    expect(reviewsRun()).toBe(4);
    // Someone else's check run: not ours to run.
    const other = rerequested('check_run', head, [1]) as { name: string; payload: { check_run: { name: string } } };
    other.payload.check_run.name = 'ci';
    await p.receive({ id: 'r4', ...other } as never);
    expect(reviewsRun()).toBe(4);
  });

  it('"Re-run" on a push\'s check run reviews the pushed branch again', async () => {
    reset();
    gh.config = 'push-branches: [queue]\n';
    const p = probot({}, { awaitJobs: true, skipReviewed: true });
    await p.receive({ id: 'p1', name: 'push', payload: payload('push', { BEFORE_SHA: base, AFTER_SHA: head }) as never });
    expect(reviewsRun()).toBe(1);
    gh.prs.delete(1);
    try {
      await p.receive({ id: 'p2', ...rerequested('check_suite', head, [], 'queue') } as never);
    } finally {
      gh.prs.set(1, { number: 1, base, head });
    }
    expect(reviewsRun()).toBe(2);
  });

  it('the base branch changed (edited, changes.base): the head is reviewed again on the new base; a title edited is not', async () => {
    reset();
    const p = probot({}, { awaitJobs: true, skipReviewed: true });
    await opened(p);
    expect(reviewsRun()).toBe(1);
    const edited = (changes: Record<string, unknown>): unknown => ({ ...(payload('pull_request.opened', { HEAD_SHA: head, BASE_SHA: base }) as object), action: 'edited', changes });
    await p.receive({ id: 'e1', name: 'pull_request', payload: edited({ title: { from: 'KVM: old title' } }) as never });
    expect(reviewsRun()).toBe(1);
    await p.receive({ id: 'e2', name: 'pull_request', payload: edited({ base: { ref: { from: 'kvm-next' }, sha: { from: 'f'.repeat(40) } } }) as never });
    expect(reviewsRun()).toBe(2);
  });
});
