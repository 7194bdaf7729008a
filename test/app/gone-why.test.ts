/**
 * A finding the App commented on that is gone at a later review is not
 * always fixed by the author. Its comment must say what happened:
 * - the base moved under the same commits (the base branch changed, or a
 *   synchronize whose pull request has a newer base: a rebase keeping the
 *   patch, or commits added on top): the finding no longer appears against
 *   the new base, and no head commit is credited;
 * - a force-push dropped or rewrote the commit it was on: the commit is no
 *   longer in the pull request, and the code was not "fixed";
 * - the same finding still made by the rewritten commit stays standing.
 * The App in process (Probot.receive) against the fake GitHub on a
 * repository made from the Debian 6.1 tree; the bug is kvm->lock under
 * vcpu->mutex, against locking.rst's "kvm->lock is taken outside
 * vcpu->mutex", and the new base drops that line of locking.rst.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedIn, markerOf } from '../../bot/app/comment.js';
import { subjectKey, whyGone } from '../../bot/app/gone.js';
import type { FakeGitHub, ReviewComment } from './fake-github.js';
import { deliverPullRequest, kernelHost, type KernelHost } from './in-process.js';
import { BUG_ANCHOR, BUG_FILE, BUG_LINES, commitEdit, git, insertAfter } from './kernel-repo.js';

const DOC = 'Documentation/virt/kvm/locking.rst';
const RULE = '- kvm->lock is taken outside vcpu->mutex';

let host: KernelHost;
let gh: FakeGitHub;
let dir: string;
let base: string;
/** The base branch moved on: locking.rst without RULE. */
let newBase: string;
const cache = mkdtempSync(join(tmpdir(), 'kvm-review-gone-'));

beforeAll(async () => {
  host = await kernelHost((d) => {
    newBase = commitEdit(
      d,
      DOC,
      (t) => {
        if (!t.split('\n').includes(RULE)) throw new Error(`${DOC} of the 6.1 tree has no line "${RULE}"`);
        return t.replace(`${RULE}\n\n`, '');
      },
      'Documentation: KVM: drop the order of kvm->lock and vcpu->mutex',
    );
  });
  ({ gh, dir, base } = host);
});
afterAll(async () => gh.stop());

/** Delivers pull request `n` at `head` on `from`; `edited`: the base branch changed from `oldBase` (GitHub keeps the head). */
const deliver = (n: number, action: 'opened' | 'synchronize' | 'edited', head: string, from: string, oldBase?: string): Promise<void> =>
  deliverPullRequest(host, cache, { number: n, action, head, base: from, oldBase });

/** The bug on a new branch from `from`; returns the commit. */
function bugCommit(branch: string, from: string, subject = 'KVM: take kvm->lock in the vCPU ioctl'): string {
  git(dir, ['checkout', '-q', '-b', branch, from]);
  return commitEdit(dir, BUG_FILE, insertAfter(BUG_ANCHOR, BUG_LINES, 1), subject);
}

/** A commit that changes nothing locks see: a comment line in kvm_main.c. */
function harmless(note: string): string {
  return commitEdit(dir, BUG_FILE, insertAfter('#include <linux/kvm_host.h>', [`/* ${note} */`]), `KVM: ${note}`);
}

/** The App's line comment on the bug in pull request `n` (posted by the first review). */
function bugComment(n: number): ReviewComment {
  const c = gh.reviewComments.find((x) => x.pull_number === n && !x.in_reply_to_id && x.path === BUG_FILE && x.body.includes('order-inversion'));
  if (!c) throw new Error(`pull request #${n} has no line comment on ${BUG_FILE}: ${JSON.stringify(gh.reviewComments.filter((x) => x.pull_number === n).map((x) => x.body.slice(0, 200)))}`);
  return c;
}

const short = (sha: string): string => sha.slice(0, 12);
const edits = (id: number): number => gh.writes().filter((w) => w.method === 'PATCH' && w.path.endsWith(`/pulls/comments/${id}`)).length;

describe('a finding gone because the base moved', () => {
  it('the base branch changed (edited, same head): the comment says it no longer appears against the new base, and credits no head commit', async () => {
    const head = bugCommit('base-edited', base);
    await deliver(1, 'opened', head, base);
    const c = bugComment(1);
    await deliver(1, 'edited', head, newBase, base);
    expect(edits(c.id)).toBe(1);
    expect(c.body).toContain(`no longer appears against the new base ${short(newBase)}`);
    expect(c.body).not.toContain('Fixed in');
    // Closed: the same event again edits nothing.
    expect(fixedIn(c.body)).toBe(head);
    await deliver(1, 'edited', head, newBase, base);
    expect(edits(c.id)).toBe(1);
  });

  it('a synchronize after a rebase onto the new base (the same patch, a new commit): the same words, not "Fixed in" the rebased head', async () => {
    const head = bugCommit('rebased', base);
    await deliver(2, 'opened', head, base);
    const c = bugComment(2);
    git(dir, ['checkout', '-q', '-b', 'rebased-2', newBase]);
    git(dir, ['cherry-pick', head]);
    const rebased = git(dir, ['rev-parse', 'HEAD']).trim();
    await deliver(2, 'synchronize', rebased, newBase);
    expect(c.body).toContain(`no longer appears against the new base ${short(newBase)}`);
    expect(c.body).not.toContain('Fixed in');
    // The rebased commit is named as where the patch is now, not as a fix.
    expect(c.body).toContain(`its patch is unchanged (now commit ${short(rebased)})`);
  });

  it('a synchronize adding a commit on top while the base moved: the commit added is not credited', async () => {
    const head = bugCommit('added-on-top', base);
    await deliver(3, 'opened', head, base);
    const c = bugComment(3);
    const next = harmless('a note');
    await deliver(3, 'synchronize', next, newBase);
    expect(c.body).toContain(`no longer appears against the new base ${short(newBase)}`);
    expect(c.body).not.toContain('Fixed in');
  });
});

describe('a force-push', () => {
  it('that drops the commit the finding was on: the comment says the commit is no longer in the pull request, not "Fixed in"', async () => {
    const bug = bugCommit('dropped', base);
    const head = harmless('kept');
    await deliver(4, 'opened', head, base);
    const c = bugComment(4);
    git(dir, ['checkout', '-q', '-b', 'dropped-2', base]);
    const forced = harmless('kept');
    // Not a descendant of the reviewed head (git exits 1).
    expect(() => git(dir, ['merge-base', '--is-ancestor', head, forced])).toThrow();
    await deliver(4, 'synchronize', forced, base);
    expect(edits(c.id)).toBe(1);
    expect(c.body).not.toContain('Fixed in');
    expect(c.body).toContain(`**Commit dropped**: the commit it was on (${short(bug)}) is no longer in the pull request after the force-push to ${short(forced)}`);
    expect(markerOf(c.body)).not.toBeNull();
  });

  it('that rewrites the commit (reordered, reworded) but keeps the bug: the comment stands, unedited, and nothing is posted again', async () => {
    bugCommit('rewritten', base);
    const head = harmless('first');
    await deliver(5, 'opened', head, base);
    const c = bugComment(5);
    const before = c.body;
    git(dir, ['checkout', '-q', '-b', 'rewritten-2', base]);
    harmless('first');
    const forced = commitEdit(dir, BUG_FILE, insertAfter(BUG_ANCHOR, BUG_LINES, 1), 'KVM: take kvm->lock in the vCPU ioctl, v2');
    await deliver(5, 'synchronize', forced, base);
    expect(edits(c.id)).toBe(0);
    expect(c.body).toBe(before);
    expect(gh.reviewComments.filter((x) => x.pull_number === 5 && x.body.includes('order-inversion'))).toHaveLength(1);
    expect(gh.checkRuns.find((r) => r.head_sha === forced)?.conclusion).toBe('failure');
  });

  it('that amends the commit to take the lock right (v2 of the patch, the same subject): "Fixed in" the rewritten commit, saying it is a rewrite of the one commented', async () => {
    const bug = bugCommit('fixed', base);
    await deliver(6, 'opened', bug, base);
    const c = bugComment(6);
    // Every commit must be clean: a fix on top does not hide commit 1's bug, so a kernel author amends commit 1.
    git(dir, ['checkout', '-q', '-b', 'fixed-2', base]);
    const amended = commitEdit(dir, BUG_FILE, insertAfter(BUG_ANCHOR, ['\t/* no kvm->lock here */'], 1), 'KVM: take kvm->lock in the vCPU ioctl');
    await deliver(6, 'synchronize', amended, base);
    expect(c.body).toContain(`**Fixed in ${short(amended)}**: this finding is gone at that commit, the force-push's rewrite of ${short(bug)} (the commit it was on).`);
  });
});

describe('whyGone', () => {
  const sha = (c: string): string => c.repeat(40);
  const on = { commit: sha('1'), patchId: 'abc', subject: subjectKey('[PATCH 1/2] KVM: one'), base: sha('b'), head: sha('1') };
  const series = (commits: string[], ids: string[], subjects: string[] = ids.map((id) => `KVM: ${id}`)): { commits: string[]; patchIds: Map<number, string>; subjects: Map<number, string> } => ({
    commits,
    patchIds: new Map(ids.map((id, i) => [i + 1, id])),
    subjects: new Map(subjects.map((x, i) => [i + 1, subjectKey(x)])),
  });

  it('a comment posted before the App recorded where: "fixed", as before', () => {
    expect(whyGone(null, { headSha: sha('2'), baseSha: sha('b'), series: series([sha('2')], ['x']) })).toEqual({ why: 'fixed' });
  });

  it('the same commit on the same base: neither the code nor the base changed', () => {
    expect(whyGone(on, { headSha: sha('1'), baseSha: sha('b'), series: series([sha('1')], ['abc']) })).toEqual({ why: 'unchanged', commit: sha('1'), base: sha('b') });
  });

  it('the same head, its commit gone from the pull request: the new base has it', () => {
    expect(whyGone(on, { headSha: sha('1'), baseSha: sha('c'), series: series([], []) })).toEqual({ why: 'in-base', commit: sha('1'), base: sha('c') });
  });

  it('the same patch as another commit on the same base: a commit before it changed, the author\'s fix', () => {
    expect(whyGone(on, { headSha: sha('3'), baseSha: sha('b'), series: series([sha('2'), sha('3')], ['y', 'abc']) })).toEqual({ why: 'fixed' });
  });

  it('another patch under the same subject ([PATCH] prefix aside): a rewrite, fixed there; no such subject: dropped', () => {
    const now = series([sha('2'), sha('3')], ['y', 'z'], ['KVM: zero', '[PATCH v2 2/2] KVM: one']);
    expect(whyGone(on, { headSha: sha('3'), baseSha: sha('b'), series: now })).toEqual({ why: 'fixed', rewrote: { commit: sha('1'), as: sha('3') } });
    expect(whyGone(on, { headSha: sha('3'), baseSha: sha('b'), series: series([sha('2')], ['y']) })).toEqual({ why: 'dropped', commit: sha('1') });
  });
});
