/**
 * Restart safety: the App's real server is killed (SIGKILL) in the middle
 * of a review, twice: once at the first write of the review (the
 * in-progress check run), once right after GitHub created the review but
 * before the App heard back. Each time it is restarted on the same cache
 * and the delivery is sent again. In the end every finding is posted
 * exactly once, in one review, and the one check run is completed. The
 * same for a push: killed right after its first commit comment.
 * Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markerOf } from '../../bot/app/comment.js';
import { kernelTree } from '../helpers/paths.js';
import { AppServer, payload } from './app-server.js';
import { FakeGitHub, type Recorded } from './fake-github.js';
import { BUG_FILE as FILE, BUG_LINES as BUG, commitLockBug, git, kernelRepo, lineAt } from './kernel-repo.js';


let gh: FakeGitHub;
let host: string;
let env: Record<string, string>;
let app: AppServer;
let dir: string;
let base: string;
let bug: string;

beforeAll(async () => {
  ({ dir, base } = kernelRepo(kernelTree('6.1')));
  bug = commitLockBug(dir);
  gh = new FakeGitHub(dir);
  gh.prs.set(1, { number: 1, base, head: bug });
  host = await gh.start();
  env = { KVM_REVIEW_CACHE_DIR: mkdtempSync(join(tmpdir(), 'kvm-review-app-cache-')) };
});

afterAll(async () => {
  await app?.stop();
  await gh?.stop();
});

const opened = (): unknown => payload('pull_request.opened', { HEAD_SHA: bug, BASE_SHA: base });

/** Starts the server, delivers `event` (the pull request by default), and kills the server once GitHub has handled the first request `when` matches. */
async function crashAt(when: (r: Recorded) => boolean, event: [string, unknown] = ['pull_request', opened()]): Promise<void> {
  app = new AppServer(host, env);
  await app.start();
  const server = app;
  let crashed: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (crashed = resolve));
  gh.after = async (r) => {
    if (!when(r)) return;
    gh.after = null;
    await server.stop(true);
    crashed();
  };
  expect(await app.deliver(...event)).toBe(200);
  await done;
}

const fingerprints = (): string[] => gh.reviewComments.map((c) => markerOf(c.body)).filter((f): f is string => Boolean(f));

describe('killed in the middle of a review and restarted', () => {
  it('at the first write (the in-progress check run): nothing but that check run is there', async () => {
    await crashAt((r) => r.method === 'POST' && r.path.endsWith('/check-runs'));
    expect(gh.checkRuns.map((r) => [r.head_sha, r.status])).toEqual([[bug, 'in_progress']]);
    expect(gh.reviews).toEqual([]);
  });

  it('right after GitHub created the review, before the App heard back: the review is there, the check run still in progress', async () => {
    await crashAt((r) => r.method === 'POST' && /\/pulls\/1\/reviews$/.test(r.path));
    expect(gh.reviews).toHaveLength(1);
    expect(fingerprints().length).toBeGreaterThan(0);
    expect(gh.checkRuns.map((r) => r.status)).toEqual(['in_progress']);
  });

  it('restarted and delivered again: every finding posted exactly once, one review, the one check run completed as failure', async () => {
    const posted = fingerprints();
    app = new AppServer(host, env);
    await app.start();
    expect(await app.deliver('pull_request', opened())).toBe(200);
    const s = await app.idle();
    expect([s.done, s.failed]).toEqual([1, 0]);
    expect(gh.reviews).toHaveLength(1);
    expect(fingerprints().sort()).toEqual(posted.sort());
    expect(new Set(fingerprints()).size).toBe(fingerprints().length);
    const line = lineAt(dir, bug, FILE, BUG[0] as string);
    expect(gh.reviewComments.filter((c) => c.body.includes('order-inversion'))).toEqual([expect.objectContaining({ path: FILE, line, side: 'RIGHT' })]);
    expect(gh.checkRuns.map((r) => [r.head_sha, r.status, r.conclusion])).toEqual([[bug, 'completed', 'failure']]);
  });
});

describe('a push killed after its first commit comment and restarted', () => {
  it('delivered again: every finding commented once on its commit, the check run on the head completed', async () => {
    gh.config = 'push-branches: [queue]\n';
    git(dir, ['checkout', '-q', base]);
    const pushed = commitLockBug(dir, 'queue', 'KVM: take kvm->lock in the vCPU ioctl (queue)');
    const push: [string, unknown] = ['push', payload('push', { BEFORE_SHA: base, AFTER_SHA: pushed })];
    await app.stop();
    await crashAt((r) => r.method === 'POST' && r.path.endsWith(`/commits/${pushed}/comments`), push);
    expect(gh.commitComments).toHaveLength(1);
    app = new AppServer(host, env);
    await app.start();
    expect(await app.deliver(...push)).toBe(200);
    expect((await app.idle()).failed).toBe(0);
    const keys = gh.commitComments.map((c) => `${c.commit_id}:${markerOf(c.body) ?? ''}`);
    expect(keys.length).toBeGreaterThan(0);
    expect(new Set(keys).size).toBe(keys.length);
    expect(gh.commitComments.every((c) => c.commit_id === pushed && c.path === FILE)).toBe(true);
    expect(gh.checkRuns.filter((r) => r.head_sha === pushed).map((r) => [r.status, r.conclusion])).toEqual([['completed', 'failure']]);
  });
});
