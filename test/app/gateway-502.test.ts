/**
 * GitHub made the review (or the commit comment) and then answered 502: its
 * gateway gave up on a slow request that went through. The App's real
 * server (its own Octokit, retry on) on the 6.1 tree, through the fake
 * GitHub: what a maintainer sees is every finding once. Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { markerOf } from '../../bot/app/comment.js';
import { kernelTree } from '../helpers/paths.js';
import { payload, startApp, stopApp, type RunningApp } from './app-server.js';
import { commitLockBug, git, kernelRepo } from './kernel-repo.js';

const GATEWAY = { status: 502, message: 'Server Error', done: true };

let running: Partial<RunningApp> = {};
let dir: string;
let base: string;
let bug: string;

beforeAll(async () => {
  ({ dir, base } = kernelRepo(kernelTree('6.1')));
  bug = commitLockBug(dir);
  running = await startApp(dir, { config: 'push-branches: [queue]\n' });
  running.gh?.prs.set(1, { number: 1, base, head: bug });
});
afterAll(async () => stopApp(running));

describe('a POST GitHub carried out but answered 502', () => {
  it('the review: one review, each finding one line comment, the check run completed as failure', async () => {
    const { gh, app } = running as RunningApp;
    gh.failures.set('POST /repos/kvm/linux/pulls/1/reviews', [GATEWAY]);
    expect(await app.deliver('pull_request', payload('pull_request.opened', { HEAD_SHA: bug, BASE_SHA: base }))).toBe(200);
    expect((await app.idle()).failed).toBe(0);
    expect(gh.failures.get('POST /repos/kvm/linux/pulls/1/reviews')).toEqual([]);
    expect(gh.reviews).toHaveLength(1);
    const fps = gh.reviewComments.map((c) => markerOf(c.body));
    expect(fps.length).toBeGreaterThan(0);
    expect(new Set(fps).size).toBe(fps.length);
    expect(gh.checkRuns.filter((r) => r.head_sha === bug).map((r) => [r.status, r.conclusion])).toEqual([['completed', 'failure']]);
  });

  it('a commit comment of a push: each finding commented once on its commit', async () => {
    const { gh, app } = running as RunningApp;
    git(dir, ['checkout', '-q', base]);
    const pushed = commitLockBug(dir, 'queue', 'KVM: take kvm->lock in the vCPU ioctl (queue)');
    gh.failures.set(`POST /repos/kvm/linux/commits/${pushed}/comments`, [GATEWAY]);
    expect(await app.deliver('push', payload('push', { BEFORE_SHA: base, AFTER_SHA: pushed }))).toBe(200);
    expect((await app.idle()).failed).toBe(0);
    expect(gh.failures.get(`POST /repos/kvm/linux/commits/${pushed}/comments`)).toEqual([]);
    const keys = gh.commitComments.map((c) => `${c.commit_id}:${markerOf(c.body) ?? ''}`);
    expect(keys.length).toBeGreaterThan(0);
    expect(new Set(keys).size).toBe(keys.length);
    expect(gh.checkRuns.filter((r) => r.head_sha === pushed).map((r) => [r.status, r.conclusion])).toEqual([['completed', 'failure']]);
  });
});
