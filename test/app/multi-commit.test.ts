/**
 * A pull request of several commits: a finding is on its own patch's
 * post-image line, and a later commit may move that line (lines added
 * above it), rename its file, or delete it. The line comment and the check
 * run's annotation go where the line is at the head, or nowhere; never on
 * the patch's line number read at the head, which is another line. The App
 * in process (Probot.receive) against the fake GitHub on a repository made
 * from the Debian 6.1 tree; the fake answers 422 to a comment off the diff,
 * as GitHub does.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { payload } from './app-server.js';
import type { FakeGitHub } from './fake-github.js';
import { deliverPullRequest, inProcessApp, kernelHost, type KernelHost } from './in-process.js';
import { BUG_ANCHOR, BUG_FILE, BUG_LINES, commitEdit, git, insertAfter, lineAt } from './kernel-repo.js';

let host: KernelHost;
let gh: FakeGitHub;
let dir: string;
let base: string;
const cache = mkdtempSync(join(tmpdir(), 'kvm-review-multi-'));

beforeAll(async () => {
  host = await kernelHost();
  ({ gh, dir, base } = host);
});
afterAll(async () => gh.stop());

const open = (n: number, head: string, from = base, action: 'opened' | 'synchronize' = 'opened'): Promise<void> => deliverPullRequest(host, cache, { number: n, action, head, base: from });

interface Annotation {
  path: string;
  start_line: number;
  title: string;
}

const annotations = (head: string): Annotation[] => gh.checkRuns.filter((r) => r.head_sha === head).flatMap((r) => r.annotations as Annotation[]);
const inversion = (a: Annotation): boolean => a.title.startsWith('order-inversion');

/** Commit 1 of every pull request here: the lock-order bug; returns the commit. */
function bugCommit(branch: string): string {
  git(dir, ['checkout', '-q', '-b', branch, base]);
  return commitEdit(dir, BUG_FILE, insertAfter(BUG_ANCHOR, BUG_LINES, 1), 'KVM: take kvm->lock in the vCPU ioctl');
}

describe('a finding of commit 1 at the head of a longer pull request', () => {
  it('moved down by commit 2: the line comment and the annotation are on its line at the head', async () => {
    const c1 = bugCommit('moved');
    const head = commitEdit(dir, BUG_FILE, insertAfter('#include <linux/kvm_host.h>', ['/* one */', '/* two */', '/* three */']), 'KVM: three comments');
    const before = lineAt(dir, c1, BUG_FILE, BUG_LINES[0] as string);
    const line = lineAt(dir, head, BUG_FILE, BUG_LINES[0] as string);
    expect(line).toBe(before + 3);
    await open(2, head);
    const comment = gh.reviewComments.find((c) => c.pull_number === 2 && c.body.includes('order-inversion'));
    expect(comment).toMatchObject({ path: BUG_FILE, line, commit_id: head });
    expect(annotations(head).filter(inversion).map((a) => [a.path, a.start_line])).toEqual([[BUG_FILE, line]]);
    expect(gh.checkRuns.find((r) => r.head_sha === head)?.output.summary).not.toContain('Not on a line of the diff');
  });

  it('its file renamed by commit 2: on the line of the new name', async () => {
    bugCommit('renamed');
    git(dir, ['mv', BUG_FILE, 'virt/kvm/kvm_core.c']);
    git(dir, ['commit', '-q', '-m', 'KVM: rename kvm_main.c\n\nSigned-off-by: Test Author <author@example.org>']);
    const head = git(dir, ['rev-parse', 'HEAD']).trim();
    await open(3, head);
    const line = lineAt(dir, head, 'virt/kvm/kvm_core.c', BUG_LINES[0] as string);
    const comment = gh.reviewComments.find((c) => c.pull_number === 3 && c.body.includes('order-inversion'));
    expect(comment).toMatchObject({ path: 'virt/kvm/kvm_core.c', line });
    expect(annotations(head).filter(inversion).map((a) => [a.path, a.start_line])).toEqual([['virt/kvm/kvm_core.c', line]]);
  });

  it('deleted by commit 2: still reported on commit 1 (bisection), in the check run, with no annotation on the line now there', async () => {
    const c1 = bugCommit('deleted');
    const head = commitEdit(dir, BUG_FILE, (t) => t.replace(`${BUG_LINES.join('\n')}\n`, ''), 'KVM: drop kvm->lock from the vCPU ioctl');
    expect(git(dir, ['diff', base, head])).toBe('');
    await open(4, head);
    const run = gh.checkRuns.find((r) => r.head_sha === head);
    expect(run?.conclusion).toBe('failure');
    expect(run?.output.summary).toContain('Not on a line of the diff');
    expect(run?.output.summary).toContain(`${BUG_FILE}:${lineAt(dir, c1, BUG_FILE, BUG_LINES[0] as string)}\` (patch 1)`);
    expect(gh.reviewComments.filter((c) => c.pull_number === 4)).toEqual([]);
    expect(annotations(head).filter(inversion)).toEqual([]);
  });
});

describe('a pull request that changes a file the engine does not index', () => {
  it('its hunks apply (the API tree reads the file by its path), and the check run says nothing of hunks that did not apply', async () => {
    git(dir, ['checkout', '-q', '-b', 'api-doc', base]);
    const head = commitEdit(dir, 'Documentation/virt/kvm/api.rst', (t) => `${t}\nA line about the API.\n`, 'KVM: doc: a line about the API');
    await open(5, head);
    const run = gh.checkRuns.find((r) => r.head_sha === head);
    expect(run?.conclusion).toBe('success');
    expect(run?.output.summary).not.toMatch(/did not apply/);
    expect(run?.output.summary).not.toMatch(/### Notes/);
  });
});

describe('a pull request with no commit to read', () => {
  it('only a merge commit past the base: a completed neutral check run naming the merge, not a green one nor a failed review retried', async () => {
    git(dir, ['checkout', '-q', '-b', 'side', base]);
    const side = commitEdit(dir, 'Documentation/virt/kvm/api.rst', (t) => `${t}\nA line on a side branch.\n`, 'KVM: doc: a side line');
    git(dir, ['checkout', '-q', '-b', 'merge-only', base]);
    git(dir, ['merge', '-q', '--no-ff', '-m', 'Merge branch side', side]);
    const head = git(dir, ['rev-parse', 'HEAD']).trim();
    // The base branch has the side commit already: the pull request's one commit is the merge, and nothing of it was read.
    await open(6, head, side);
    const runs = gh.checkRuns.filter((r) => r.head_sha === head);
    expect(runs.map((r) => [r.status, r.conclusion, r.output.title])).toEqual([['completed', 'neutral', "Nothing reviewed: the pull request's only commit is a merge commit"]]);
    const summary = runs[0]?.output.summary ?? '';
    expect(summary).toContain(`\`${head.slice(0, 12)}\` "Merge branch side": a merge commit: what it merges is already in the base`);
    expect(summary).not.toMatch(/no lock-order findings/i);
    expect(runs[0]?.annotations).toEqual([]);
  });
});

describe('review-event: REQUEST_CHANGES', () => {
  it('the App\'s "changes requested" review is dismissed once the head has no finding at fail-on, once', async () => {
    gh.config = 'review-event: REQUEST_CHANGES\n';
    try {
      const bug = bugCommit('request-changes');
      await open(7, bug);
      const mine = (): { state: string }[] => gh.reviews.filter((r) => r.pull_number === 7);
      expect(mine().map((r) => r.state)).toEqual(['CHANGES_REQUESTED']);
      // The author reworks the commit without the bug and force-pushes.
      git(dir, ['checkout', '-q', '-b', 'request-changes-v2', base]);
      const clean = commitEdit(dir, BUG_FILE, insertAfter(BUG_ANCHOR, ['\t/* kvm->lock is taken outside vcpu->mutex: not here */'], 1), 'KVM: note the lock order in the vCPU ioctl');
      await open(7, clean, base, 'synchronize');
      expect(gh.checkRuns.find((r) => r.head_sha === clean)?.conclusion).toBe('success');
      expect(mine().map((r) => r.state)).toEqual(['DISMISSED']);
      const dismissals = (): number => gh.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/dismissals')).length;
      expect(gh.requests.find((r) => r.method === 'PUT' && r.path.endsWith('/dismissals'))?.body).toEqual({ message: `kvm-review: no finding at or above error at ${clean.slice(0, 12)}.` });
      // A recheck of the clean head dismisses nothing more.
      const p = await inProcessApp(host.url, cache);
      const recheck = payload('issue_comment.created', { COMMENTER: 'maintainer' }) as { issue: { number: number } };
      recheck.issue.number = 7;
      await p.receive({ id: 'recheck-7', name: 'issue_comment', payload: recheck as never });
      expect(gh.checkRuns.filter((r) => r.head_sha === clean && r.status === 'completed').length).toBeGreaterThan(0);
      expect(dismissals()).toBe(1);
    } finally {
      gh.config = null;
    }
  });
});
