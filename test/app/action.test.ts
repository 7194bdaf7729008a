/**
 * The Action form end to end: `dist/bot/app/action.js` run the way a
 * GitHub Actions runner runs it (the variables @probot/adapter-github-actions
 * reads: GITHUB_TOKEN, GITHUB_RUN_ID, GITHUB_EVENT_NAME, GITHUB_EVENT_PATH;
 * GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_WORKSPACE, RUNNER_TEMP), on a
 * checkout made by the test from the Debian 6.1 tree with a pull request's
 * lock-order bug, against the fake GitHub. The base tree comes from the
 * checkout's objects, never from the API. Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markerOf } from '../../bot/app/comment.js';
import { kernelTree, ROOT } from '../helpers/paths.js';
import { payload } from './app-server.js';
import { FakeGitHub } from './fake-github.js';
import { BUG_FILE as FILE, BUG_LINES as BUG, commitLockBug, kernelRepo, lineAt } from './kernel-repo.js';

const ENTRY = join(ROOT, 'dist', 'bot', 'app', 'action.js');

let gh: FakeGitHub;
let host: string;
let checkout: string;
let base: string;
let bug: string;

beforeAll(async () => {
  // actions/checkout with fetch-depth 0: the pull request's head checked out, the base commit among the objects.
  ({ dir: checkout, base } = kernelRepo(kernelTree('6.1')));
  bug = commitLockBug(checkout);
  gh = new FakeGitHub(checkout);
  gh.bot = { login: 'github-actions[bot]', type: 'Bot' };
  gh.prs.set(1, { number: 1, base, head: bug });
  host = await gh.start();
});

afterAll(async () => gh?.stop());

/** Runs the Action once on a pull_request event; resolves with its exit code and output. */
function runAction(): Promise<{ code: number; out: string }> {
  const tmp = mkdtempSync(join(tmpdir(), 'kvm-review-runner-'));
  const event = join(tmp, 'event.json');
  writeFileSync(event, JSON.stringify(payload('pull_request.opened', { HEAD_SHA: bug, BASE_SHA: base })));
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    GITHUB_ACTIONS: 'true',
    GITHUB_TOKEN: 'ghs_action_token',
    GITHUB_RUN_ID: '4242',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: event,
    GITHUB_REPOSITORY: 'kvm/linux',
    GITHUB_WORKSPACE: checkout,
    GITHUB_API_URL: `http://${host}/api/v3`,
    RUNNER_TEMP: tmp,
  };
  return new Promise((resolve) => {
    execFile(process.execPath, [ENTRY], { env, cwd: checkout, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

describe('the Action on a checkout', () => {
  it('reviews the pull request the workflow runs on: the line comment on the added line, a failing check run, the tree from the checkout', async () => {
    const { code, out } = await runAction();
    expect({ code, out: code === 0 ? '' : out }).toEqual({ code: 0, out: '' });
    const line = lineAt(checkout, bug, FILE, BUG[0] as string);
    const inversion = gh.reviewComments.find((c) => c.body.includes('order-inversion'));
    expect(inversion).toMatchObject({ path: FILE, line, side: 'RIGHT', commit_id: bug });
    expect(inversion?.body).toContain('kvm->lock is taken outside vcpu->mutex');
    const runs = gh.checkRuns.filter((r) => r.head_sha === bug);
    expect(runs.map((r) => [r.name, r.status, r.conclusion])).toEqual([['kvm-review', 'completed', 'failure']]);
    expect(runs[0]?.annotations).toContainEqual(expect.objectContaining({ path: FILE, start_line: line, annotation_level: 'failure' }));
    // Authenticated with the workflow's token, not as an App.
    expect(gh.requests.some((r) => r.path.includes('/access_tokens'))).toBe(false);
    expect(new Set(gh.requests.map((r) => r.auth?.replace(/^(token|bearer) /i, '')))).toEqual(new Set(['ghs_action_token']));
    expect(gh.requests.filter((r) => r.path.includes('/git/'))).toEqual([]);
  });

  it('the workflow run again (a re-run) posts nothing new', async () => {
    const posted = gh.reviewComments.map((c) => markerOf(c.body));
    const { code } = await runAction();
    expect(code).toBe(0);
    expect(gh.reviewComments.map((c) => markerOf(c.body))).toEqual(posted);
    expect(gh.reviews).toHaveLength(1);
    expect(gh.checkRuns.filter((r) => r.head_sha === bug)).toHaveLength(1);
  });
});
