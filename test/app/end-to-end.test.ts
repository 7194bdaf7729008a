/**
 * The App end to end: its real server on loopback, signed webhooks, and a
 * fake GitHub answering from a git repository made from the Debian 6.1
 * tree. The pull request takes kvm->lock under vcpu->mutex in
 * kvm_vcpu_ioctl(), against locking.rst's "kvm->lock is taken outside
 * vcpu->mutex". Requires `npm run build` (the server runs from dist/).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fixedIn, markerOf } from '../../bot/app/comment.js';
import { kernelTree } from '../helpers/paths.js';
import { startApp, stopApp, type AppServer, payload } from './app-server.js';
import type { FakeGitHub } from './fake-github.js';
import { BUG_ANCHOR as ANCHOR, BUG_FILE as FILE, BUG_LINES as BUG, commitEdit, commitLockBug, git, insertAfter, kernelRepo, lineAt } from './kernel-repo.js';


let gh: FakeGitHub;
let app: AppServer;
let dir: string;
let base: string;
let bug: string;

beforeAll(async () => {
  ({ dir, base } = kernelRepo(kernelTree('6.1')));
  bug = commitLockBug(dir);
  ({ gh, app } = await startApp(dir, { config: 'push-branches: [queue]\n' }));
});

afterAll(async () => stopApp({ app, gh }));

const prPayload = (action: string, head: string): unknown => payload(`pull_request.${action}`, { HEAD_SHA: head, BASE_SHA: base });

describe('a pull request with a lock-order bug', () => {
  it('a bad or missing signature: 400, no API call, no work', async () => {
    gh.prs.set(1, { number: 1, base, head: bug });
    const before = gh.requests.length;
    expect(await app.deliver('pull_request', prPayload('opened', bug), 'sha256=0000')).toBe(400);
    expect(await app.deliver('pull_request', prPayload('opened', bug), null)).toBe(400);
    expect((await app.idle()).done).toBe(0);
    expect(gh.requests.length).toBe(before);
  });

  it('a signed payload that lacks what the App reads: 400, a log line naming the event and the field, no API call, no work', async () => {
    const before = gh.requests.length;
    const noHead = prPayload('opened', bug) as { pull_request: { head?: unknown } };
    delete noHead.pull_request.head;
    expect(await app.deliver('pull_request', noHead)).toBe(400);
    await app.logged(/pull_request\.opened delivery [0-9a-f-]+: the payload has no pull_request\.head\.sha; not queued/);
    const push = payload('push', { BEFORE_SHA: base, AFTER_SHA: bug }) as { repository?: unknown };
    delete push.repository;
    expect(await app.deliver('push', push)).toBe(400);
    await app.logged(/push delivery [0-9a-f-]+: the payload has no repository\.owner\.login; not queued/);
    expect((await app.idle()).done).toBe(0);
    expect(gh.requests.length).toBe(before);
  });

  it('opened: a line comment on the added line, a failing check run', async () => {
    expect(await app.deliver('pull_request', prPayload('opened', bug))).toBe(200);
    const s = await app.idle();
    expect([s.done, s.failed]).toEqual([1, 0]);
    const line = lineAt(dir, bug, FILE, BUG[0] as string);
    const inversion = gh.reviewComments.find((c) => c.body.includes('order-inversion'));
    expect(inversion).toMatchObject({ path: FILE, line, side: 'RIGHT', commit_id: bug });
    expect(inversion?.body).toContain('kvm->lock is taken outside vcpu->mutex');
    expect(inversion?.body).toContain('kvm_vcpu_ioctl');
    expect(gh.reviews).toHaveLength(1);
    const runs = gh.checkRuns.filter((r) => r.head_sha === bug);
    expect(runs.map((r) => [r.name, r.status, r.conclusion])).toEqual([['kvm-review', 'completed', 'failure']]);
    expect(runs[0]?.annotations).toContainEqual(expect.objectContaining({ path: FILE, start_line: line, annotation_level: 'failure' }));
  });

  it('the same head delivered again posts nothing new', async () => {
    const writes = gh.writes().length;
    const comments = gh.reviewComments.length;
    expect(await app.deliver('pull_request', prPayload('opened', bug))).toBe(200);
    await app.idle();
    expect(gh.reviewComments.length).toBe(comments);
    expect(gh.reviews).toHaveLength(1);
    expect(gh.checkRuns.filter((r) => r.head_sha === bug)).toHaveLength(1);
    // Only the check run's own updates were written.
    expect(gh.writes().slice(writes).every((w) => /\/check-runs\/\d+$/.test(w.path))).toBe(true);
  });

  it('a synchronize with the commit reworked without the bug edits the comment to name the new head', async () => {
    // The author amends the commit and force-pushes: every commit of a series must be clean (bisection).
    git(dir, ['checkout', '-q', '-b', 'pr-1-v2', base]);
    const fix = commitEdit(dir, FILE, insertAfter(ANCHOR, ['\t/* kvm->lock is taken outside vcpu->mutex: not here */'], 1), 'KVM: note the lock order in the vCPU ioctl');
    gh.prs.set(1, { number: 1, base, head: fix });
    expect(await app.deliver('pull_request', prPayload('synchronize', fix))).toBe(200);
    await app.idle();
    const mine = gh.reviewComments.filter((c) => markerOf(c.body));
    expect(mine.length).toBeGreaterThan(0);
    for (const c of mine) expect(fixedIn(c.body)).toBe(fix);
    expect(gh.reviews).toHaveLength(1);
    expect(gh.checkRuns.find((r) => r.head_sha === fix)?.conclusion).toBe('success');
  });
});

describe('pushes to a configured branch', () => {
  let c1: string;
  let c2: string;

  it('two commits: a check run on the head, a commit comment on the commit with the bug only', async () => {
    git(dir, ['checkout', '-q', '-b', 'queue', base]);
    c1 = commitEdit(dir, FILE, insertAfter('#include <linux/kvm_host.h>', ['/* queue: a harmless comment */']), 'KVM: a comment');
    c2 = commitEdit(dir, FILE, insertAfter(ANCHOR, BUG, 1), 'KVM: take kvm->lock in the vCPU ioctl');
    expect(await app.deliver('push', payload('push', { BEFORE_SHA: base, AFTER_SHA: c2 }))).toBe(200);
    const s = await app.idle();
    expect(s.failed).toBe(0);
    expect(gh.checkRuns.find((r) => r.head_sha === c2)?.conclusion).toBe('failure');
    expect(gh.commitComments.filter((c) => c.commit_id === c1)).toEqual([]);
    const onBug = gh.commitComments.filter((c) => c.commit_id === c2);
    expect(onBug.length).toBeGreaterThan(0);
    expect(onBug[0]).toMatchObject({ path: FILE });
    expect(onBug[0]?.body).toContain('<!-- kvm-review:patch-id=');
  });

  it('a force-push of the same commits rebased posts no new comment', async () => {
    git(dir, ['checkout', '-q', '-b', 'upstream', base]);
    const unrelated = commitEdit(dir, 'virt/kvm/Kconfig', (t) => `${t}# upstream moved on\n`, 'KVM: unrelated upstream change');
    git(dir, ['checkout', '-q', 'queue']);
    git(dir, ['rebase', '-q', unrelated]);
    const rebased = git(dir, ['rev-parse', 'HEAD']).trim();
    expect(rebased).not.toBe(c2);
    const comments = gh.commitComments.length;
    const p = payload('push', { BEFORE_SHA: c2, AFTER_SHA: rebased }) as { forced: boolean };
    p.forced = true;
    expect(await app.deliver('push', p)).toBe(200);
    expect((await app.idle()).failed).toBe(0);
    expect(gh.commitComments.length).toBe(comments);
    expect(gh.checkRuns.find((r) => r.head_sha === rebased)?.conclusion).toBe('failure');
  });
});
