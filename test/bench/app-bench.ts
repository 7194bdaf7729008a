/**
 * `npm run bench` (App part): the App's real server (dist/bot/app/server.js)
 * against the loopback fake GitHub of the App's tests, on a repository made
 * at run time from the tree; a one-commit pull request with a lock-order
 * bug, timed from the webhook delivery to the completed check run (the
 * App's last write). Cold: an empty cache (every blob through the API,
 * the index built). Warm: a second pull request on the same base, same
 * server and cache. Target (issue 15): warm under 2 s plus GitHub's write
 * spacing (Octokit's throttling keeps 1 s between writes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppServer, payload } from '../app/app-server.js';
import { FakeGitHub } from '../app/fake-github.js';
import { commitLockBug, git, kernelRepo } from '../app/kernel-repo.js';

/** Octokit's throttling: "octokit-write" keeps this many ms between writes. */
const WRITE_SPACING_MS = 1000;
const WARM_TARGET_MS = 2000;

interface Timed {
  ms: number;
  apiCalls: number;
  writes: number;
}

/** Delivers `opened` for pull request `n` and waits for its check run to complete. */
async function review(gh: FakeGitHub, app: AppServer, n: number, base: string, head: string): Promise<Timed> {
  gh.prs.set(n, { number: n, base, head });
  const before = { requests: gh.requests.length, writes: gh.writes().length };
  const body = payload('pull_request.opened', { HEAD_SHA: head, BASE_SHA: base }) as { number: number; pull_request: { number: number } };
  body.number = n;
  body.pull_request.number = n;
  const t = performance.now();
  const status = await app.deliver('pull_request', body);
  if (status !== 200) throw new Error(`the webhook was answered ${status}`);
  for (;;) {
    if (gh.checkRuns.some((r) => r.head_sha === head && r.status === 'completed')) break;
    if (performance.now() - t > 600_000) throw new Error(`no completed check run after 10 minutes:\n${app.log}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const ms = performance.now() - t;
  return { ms, apiCalls: gh.requests.length - before.requests, writes: gh.writes().length - before.writes };
}

export async function appBench(tree: string): Promise<void> {
  const { dir, base } = kernelRepo(tree);
  const cache = mkdtempSync(join(tmpdir(), 'kvm-review-bench-app-'));
  const first = commitLockBug(dir, 'pr-1');
  git(dir, ['checkout', '-q', base]);
  // Another commit (another subject) with the same change: a new head on the same base.
  const second = commitLockBug(dir, 'pr-2', 'KVM: take kvm->lock in the vCPU ioctl, again');
  const gh = new FakeGitHub(dir);
  const app = new AppServer(await gh.start(), { KVM_REVIEW_CACHE_DIR: cache, LOG_LEVEL: 'warn' });
  try {
    await app.start();
    const cold = await review(gh, app, 1, base, first);
    const warm = await review(gh, app, 2, base, second);
    const target = WARM_TARGET_MS + Math.max(0, warm.writes - 1) * WRITE_SPACING_MS;
    const line = (name: string, r: Timed): string => `${name.padEnd(12)} ${r.ms.toFixed(0).padStart(6)} ms  ${String(r.apiCalls).padStart(4)} API calls, ${r.writes} writes`;
    console.log('App: webhook to completed check run, one-commit pull request (API tree, fake GitHub on loopback)');
    console.log(line('cold review', cold));
    console.log(line('warm review', warm));
    console.log(`warm < 2 s + ${Math.max(0, warm.writes - 1)} x 1 s write spacing (${(target / 1000).toFixed(0)} s): ${warm.ms < target ? 'yes' : 'NO'}`);
  } finally {
    await app.stop();
    await gh.stop();
    rmSync(cache, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}
