/**
 * A head that already has a completed kvm-review check run: the App's
 * handlers (skipReviewed, the default of the server and the worker) post
 * nothing for a redelivery, a recheck still reviews it; the Action's
 * (awaiting the review) reviews again on a re-run. Probot.receive against
 * the fake GitHub on a small repository that is not a kernel tree (the
 * review ends in a neutral check run: enough to see what was written).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Probot } from 'probot';
import { kvmReviewApp, type AppOptions } from '../../bot/app/index.js';
import { AppOctokit } from '../../bot/app/octokit.js';
import { readSettings } from '../../bot/app/settings.js';
import { payload } from '../app/app-server.js';
import { FakeGitHub } from '../app/fake-github.js';
import { commitEdit, git } from '../app/kernel-repo.js';

let gh: FakeGitHub;
let url: string;
let base: string;
let head: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvm-review-redelivery-'));
  writeFileSync(join(dir, 'README'), 'not a kernel\n');
  git(dir, ['init', '-q', '-b', 'master']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'base']);
  base = git(dir, ['rev-parse', 'HEAD']).trim();
  head = commitEdit(dir, 'README', (t) => `${t}more\n`, 'one');
  gh = new FakeGitHub(dir);
  url = `http://${await gh.start()}`;
  gh.prs.set(1, { number: 1, base, head });
});
afterAll(async () => gh.stop());

function probot(over: Partial<AppOptions>): Probot {
  const p = new Probot({ githubToken: 'test-token', baseUrl: url, Octokit: AppOctokit, logLevel: 'fatal' });
  void p.load(kvmReviewApp({ settings: readSettings({ KVM_REVIEW_CACHE_DIR: mkdtempSync(join(tmpdir(), 'kvm-review-rd-')) }), awaitJobs: true, botLogin: 'kvm-review[bot]', ...over }));
  return p;
}

const opened = (p: Probot): Promise<void> => p.receive({ id: 'd', name: 'pull_request', payload: payload('pull_request.opened', { HEAD_SHA: head, BASE_SHA: base }) as never });

describe('a head that already has a completed check run', () => {
  it('the App posts nothing for a redelivery; a recheck reviews it again', async () => {
    gh.checkRuns.length = 0;
    const p = probot({ skipReviewed: true });
    await opened(p);
    expect(gh.checkRuns.filter((r) => r.head_sha === head).map((r) => r.status)).toEqual(['completed']);
    const writes = gh.writes().length;
    await opened(p);
    expect(gh.writes().slice(writes)).toEqual([]);
    await p.receive({ id: 'c', name: 'issue_comment', payload: payload('issue_comment.created', { COMMENTER: 'maintainer' }) as never });
    expect(gh.writes().slice(writes).some((w) => /\/check-runs\/\d+$/.test(w.path))).toBe(true);
    expect(gh.checkRuns.filter((r) => r.head_sha === head)).toHaveLength(1);
  });

  it('the Action (awaiting the review) reviews again on a re-run, updating its check run', async () => {
    gh.checkRuns.length = 0;
    const p = probot({});
    await opened(p);
    const writes = gh.writes().length;
    await opened(p);
    expect(gh.writes().slice(writes).some((w) => /\/check-runs\/\d+$/.test(w.path))).toBe(true);
    expect(gh.checkRuns.filter((r) => r.head_sha === head)).toHaveLength(1);
  });
});
