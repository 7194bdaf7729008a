/**
 * Mirror mode end to end: the App's real server with KVM_REVIEW_MIRROR set
 * to a directory holding a bare clone made before the pull request
 * existed. The review must fetch the pull request's ref from the clone's
 * origin (the repository the fake GitHub serves), read the base through
 * git, never through the API's trees and blobs, and run no hook of the
 * mirror. Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mirrorPath } from '../../bot/app/tree-source.js';
import { kernelTree } from '../helpers/paths.js';
import { startApp, stopApp, type AppServer, payload } from './app-server.js';
import type { FakeGitHub } from './fake-github.js';
import { BUG_FILE as FILE, BUG_LINES as BUG, commitLockBug, git, kernelRepo, lineAt } from './kernel-repo.js';

const REPO = { owner: 'kvm', repo: 'linux' };

let gh: FakeGitHub;
let app: AppServer;
let origin: string;
let base: string;
let bug: string;
let mirror: string;
let bare: string;
let hookRan: string;

beforeAll(async () => {
  ({ dir: origin, base } = kernelRepo(kernelTree('6.1')));
  // GitHub serves any reachable commit by id; so does this origin.
  git(origin, ['config', 'uploadpack.allowReachableSHA1InWant', 'true']);
  mirror = mkdtempSync(join(tmpdir(), 'kvm-review-mirror-'));
  bare = mirrorPath(mirror, REPO);
  mkdirSync(join(mirror, REPO.owner));
  git(mirror, ['clone', '-q', '--bare', origin, bare]);
  // A hook that would leave a mark if git ran it while fetching (reference-transaction runs on every ref update).
  hookRan = join(mirror, 'hook-ran');
  const hook = join(bare, 'hooks', 'reference-transaction');
  writeFileSync(hook, `#!/bin/sh\ntouch '${hookRan}'\n`);
  chmodSync(hook, 0o755);
  // The pull request comes after the clone: the mirror lacks its commit.
  bug = commitLockBug(origin);
  git(origin, ['update-ref', 'refs/pull/1/head', bug]);
  git(origin, ['checkout', '-q', 'master']);
  ({ gh, app } = await startApp(origin, { env: { KVM_REVIEW_MIRROR: mirror } }));
  gh.prs.set(1, { number: 1, base, head: bug });
});

afterAll(async () => stopApp({ app, gh }));

describe('mirror mode', () => {
  it('fetches refs/pull/1/head into the bare clone and reviews from git: the line comment and a failing check run, no trees or blobs from the API, no hook run', async () => {
    expect(() => git(bare, ['cat-file', '-e', `${bug}^{commit}`])).toThrow();
    expect(await app.deliver('pull_request', payload('pull_request.opened', { HEAD_SHA: bug, BASE_SHA: base }))).toBe(200);
    const s = await app.idle();
    expect([s.done, s.failed]).toEqual([1, 0]);
    expect(git(bare, ['rev-parse', 'refs/pull/1/head']).trim()).toBe(bug);
    const line = lineAt(origin, bug, FILE, BUG[0] as string);
    const inversion = gh.reviewComments.find((c) => c.body.includes('order-inversion'));
    expect(inversion).toMatchObject({ path: FILE, line, side: 'RIGHT', commit_id: bug });
    expect(inversion?.body).toContain('kvm->lock is taken outside vcpu->mutex');
    expect(gh.checkRuns.filter((r) => r.head_sha === bug).map((r) => [r.status, r.conclusion])).toEqual([['completed', 'failure']]);
    expect(gh.requests.filter((r) => r.path.includes('/git/'))).toEqual([]);
    expect(existsSync(hookRan)).toBe(false);
  });

  it('a commit the origin does not have: a neutral check run naming the mirror and the commit, nothing posted', async () => {
    // The event names a base nobody has (GitHub's own view of the pull request is unchanged).
    const ghost = 'f'.repeat(40);
    const reviews = gh.reviews.length;
    // A new head: the one reviewed above has its completed check run, and a delivery for it posts nothing (issue 14).
    git(origin, ['checkout', '-q', bug]);
    git(origin, ['commit', '-q', '--allow-empty', '-m', 'KVM: demo: a second head']);
    const head = git(origin, ['rev-parse', 'HEAD']).trim();
    git(origin, ['update-ref', 'refs/pull/1/head', head]);
    git(origin, ['checkout', '-q', 'master']);
    expect(await app.deliver('pull_request', payload('pull_request.synchronize', { HEAD_SHA: head, BASE_SHA: ghost }))).toBe(200);
    expect((await app.idle()).failed).toBe(1);
    const check = gh.checkRuns.filter((r) => r.head_sha === head).at(-1);
    expect(check?.conclusion).toBe('neutral');
    expect(check?.output.summary).toContain(bare);
    expect(check?.output.summary).toContain(ghost);
    expect(gh.reviews.length).toBe(reviews);
  });
});
