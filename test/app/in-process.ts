/**
 * The App in process (Probot.receive) against the fake GitHub on a
 * repository made from the Debian 6.1 tree: what the tests that deliver
 * pull request events that way share. The fake answers 422 to a comment
 * off the diff, as GitHub does.
 */
import { Probot } from 'probot';
import { kvmReviewApp } from '../../bot/app/index.js';
import { AppOctokit } from '../../bot/app/octokit.js';
import { readSettings } from '../../bot/app/settings.js';
import { kernelTree } from '../helpers/paths.js';
import { payload } from './app-server.js';
import { FakeGitHub } from './fake-github.js';
import { kernelRepo } from './kernel-repo.js';

export interface KernelHost {
  gh: FakeGitHub;
  /** The fake's base URL, http://host:port. */
  url: string;
  /** The repository's work tree; `base` is its one commit. */
  dir: string;
  base: string;
}

/** The 6.1 tree as a repository, served by a started fake GitHub; `prepare` runs on the repository before the fake reads it. */
export async function kernelHost(prepare?: (dir: string, base: string) => void): Promise<KernelHost> {
  const { dir, base } = kernelRepo(kernelTree('6.1'));
  prepare?.(dir, base);
  const gh = new FakeGitHub(dir);
  gh.rejectOffDiff = true;
  return { gh, url: `http://${await gh.start()}`, dir, base };
}

/** A new App, its jobs awaited, with `cacheDir` as its cache. */
export async function inProcessApp(url: string, cacheDir: string, botLogin = 'kvm-review[bot]'): Promise<Probot> {
  const p = new Probot({ githubToken: 'test-token', baseUrl: url, Octokit: AppOctokit, logLevel: 'fatal' });
  await p.load(kvmReviewApp({ settings: readSettings({ KVM_REVIEW_CACHE_DIR: cacheDir }), awaitJobs: true, botLogin }));
  return p;
}

export interface PullRequestEvent {
  number: number;
  action: 'opened' | 'synchronize' | 'edited';
  head: string;
  base: string;
  /** `edited`: the base the pull request had before (GitHub keeps the head). */
  oldBase?: string;
}

/** Pull request `e.number` at `e.head` on `e.base`, set in the fake and delivered to a new App. */
export async function deliverPullRequest(host: KernelHost, cacheDir: string, e: PullRequestEvent): Promise<void> {
  host.gh.prs.set(e.number, { number: e.number, base: e.base, head: e.head });
  const p = await inProcessApp(host.url, cacheDir);
  const body = payload(`pull_request.${e.action === 'edited' ? 'synchronize' : e.action}`, { HEAD_SHA: e.head, BASE_SHA: e.base }) as Record<string, unknown> & { number: number; pull_request: { number: number } };
  body.number = e.number;
  body.pull_request.number = e.number;
  if (e.action === 'edited') {
    body.action = 'edited';
    body.changes = { base: { ref: { from: 'master' }, sha: { from: e.oldBase } } };
  }
  await p.receive({ id: `pr-${e.number}-${e.action}-${e.head}-${e.base}`, name: 'pull_request', payload: body as never });
}
