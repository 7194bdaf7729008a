/**
 * A pull request or a push whose commits the review could not read against
 * the base: the check run must not read as a clean review. Through the App's
 * real server (signed webhooks, the fake GitHub answering from a repository
 * made from the Debian 6.1 tree). The base branch already carries the
 * lock-order change the pull request makes again (a cherry-pick merged
 * meanwhile), so its hunk is already applied there; a push merges a topic
 * branch that carries that change again. Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { kernelTree } from '../helpers/paths.js';
import { startApp, stopApp, type AppServer, payload } from './app-server.js';
import type { FakeGitHub } from './fake-github.js';
import { BUG_ANCHOR, BUG_FILE, BUG_LINES, commitEdit, commitLockBug, git, insertAfter, kernelRepo, lineAt } from './kernel-repo.js';

let gh: FakeGitHub;
let app: AppServer;
let dir: string;
let base: string;
/** The base branch with the change already merged. */
let merged: string;

beforeAll(async () => {
  ({ dir, base } = kernelRepo(kernelTree('6.1')));
  merged = commitLockBug(dir, 'merged', 'KVM: take kvm->lock in the vCPU ioctl (merged)');
  ({ gh, app } = await startApp(dir, { config: 'push-branches: [merged]\n' }));
});

afterAll(async () => stopApp({ app, gh }));

/** The same change as the base branch's, made again on a branch from the original base. */
function sameChange(branch: string): string {
  git(dir, ['checkout', '-q', '-b', branch, base]);
  return commitEdit(dir, BUG_FILE, insertAfter(BUG_ANCHOR, BUG_LINES, 1), 'KVM: take kvm->lock in the vCPU ioctl');
}

/** The check run of a push of `merged` from `before` to `after`: completed, the only one on `after`. */
async function push(before: string, after: string): Promise<{ conclusion: unknown; title: string; summary: string }> {
  const p = payload('push', { BEFORE_SHA: before, AFTER_SHA: after }) as { ref: string };
  p.ref = 'refs/heads/merged';
  expect(await app.deliver('push', p)).toBe(200);
  return completed(after);
}

async function completed(head: string): Promise<{ conclusion: unknown; title: string; summary: string }> {
  expect((await app.idle()).failed).toBe(0);
  const runs = gh.checkRuns.filter((r) => r.head_sha === head);
  expect(runs.map((r) => r.status)).toEqual(['completed']);
  const run = runs[0] as { conclusion: unknown; output: { title: string; summary: string } };
  return { conclusion: run.conclusion, title: run.output.title, summary: run.output.summary };
}

async function open(n: number, head: string): Promise<{ conclusion: unknown; title: string; summary: string }> {
  gh.prs.set(n, { number: n, base: merged, head });
  const body = payload('pull_request.opened', { HEAD_SHA: head, BASE_SHA: merged }) as { number: number; pull_request: { number: number } };
  body.number = n;
  body.pull_request.number = n;
  expect(await app.deliver('pull_request', body)).toBe(200);
  return completed(head);
}

describe('a pull request whose only commit the base tree already has', () => {
  it('concludes neutral, says nothing was reviewed, and gives the reason with where the base has it', async () => {
    const head = sameChange('again');
    const run = await open(11, head);
    expect(run.conclusion).toBe('neutral');
    expect(run.title).toBe('Nothing reviewed: the commit is already in the base tree');
    expect(run.title).not.toMatch(/no lock-order findings/i);
    expect(run.summary).not.toMatch(/no lock-order findings/i);
    // Where the base tree has the commit's new side: the first added line is one below the anchor and the line after it.
    const at = lineAt(dir, merged, BUG_FILE, BUG_ANCHOR) + 2;
    expect(run.summary).toContain(`already in the tree: its hunk to ${BUG_FILE} is applied there`);
    expect(run.summary).toMatch(new RegExp(`${head.slice(0, 12)}[^\\n]*KVM: take kvm->lock in the vCPU ioctl`));
    const side = new RegExp(`its new side is at ${BUG_FILE.replace(/[./]/g, '\\$&')}:(\\d+)`).exec(run.summary);
    expect(Number(side?.[1])).toBeLessThanOrEqual(at);
    expect(Number(side?.[1])).toBeGreaterThan(at - 5);
    expect(gh.reviewComments.filter((c) => c.pull_number === 11)).toEqual([]);
  });
});

describe('a pull request of two commits, the first already in the base tree', () => {
  it('the conclusion follows the findings of the one reviewed; title and summary say one of two was not reviewed', async () => {
    sameChange('half');
    const head = commitEdit(dir, 'Documentation/virt/kvm/api.rst', (t) => `${t}\nA line about the API.\n`, 'KVM: doc: a line about the API');
    const run = await open(12, head);
    expect(run.conclusion).toBe('success');
    expect(run.title).toBe('No lock-order findings; 1 of 2 commits not reviewed');
    expect(run.summary).toContain('### Not reviewed');
    expect(run.summary).toContain(`already in the tree: its hunk to ${BUG_FILE} is applied there`);
    expect(run.summary).not.toContain('KVM: doc: a line about the API');
  });
});

/** Two commits, one on a side branch merged back: `branch` from the base branch, its head the merge (the commits are ordinary, the merge has nothing of its own). */
function mixed(branch: string): string {
  git(dir, ['checkout', '-q', '-b', `${branch}-side`, merged]);
  const side = commitEdit(dir, 'Documentation/virt/kvm/api.rst', (t) => `${t}\nA line from the side branch.\n`, 'KVM: doc: a line from the side branch');
  git(dir, ['checkout', '-q', '-b', branch, merged]);
  commitEdit(dir, 'Documentation/virt/kvm/review-checklist.rst', (t) => `${t}\nA line about reviews.\n`, 'KVM: doc: a line about reviews');
  git(dir, ['merge', '-q', '--no-ff', '-m', `Merge branch ${branch}-side`, side]);
  return git(dir, ['rev-parse', 'HEAD']).trim();
}

describe('a pull request mixing a merge commit with ordinary commits', () => {
  it('the conclusion follows the commits reviewed, never neutral; title and summary count and name the merge', async () => {
    const merge = mixed('mix');
    const run = await open(13, merge);
    expect(run.conclusion).toBe('success');
    expect(run.title).toBe('No lock-order findings; 1 of 3 commits not reviewed');
    expect(run.summary).toContain('No lock-order findings.');
    expect(run.summary).toContain('### Not reviewed');
    expect(run.summary).toContain('1 of 3 commits of the pull request is a merge, and a merge is not reviewed: this run speaks for the other 2 only.');
    expect(run.summary).toContain(`\`${merge.slice(0, 12)}\` "Merge branch mix-side": a merge commit: what it merges is in the base or is one of the other commits here, and kvm-review does not review a merge itself`);
    // Only the merge: the two ordinary commits were reviewed.
    expect(run.summary).not.toContain('KVM: doc: a line');
    // GitHub's commit list was asked for: the pull request counts 3 commits, its .patch has 2.
    expect(gh.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/pulls/13/commits'))).toHaveLength(1);
  });

  it('a pull request without a merge: its commit list is not asked for (the count it gives matches the .patch)', () => {
    expect(gh.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/pulls/12/commits'))).toEqual([]);
  });
});

describe('a push mixing a merge commit with ordinary commits', () => {
  it('the conclusion follows the commits reviewed, never neutral; the merge is counted and named', async () => {
    const merge = mixed('pmix');
    const run = await push(merged, merge);
    expect(run.conclusion).toBe('success');
    expect(run.title).toBe('No lock-order findings; 1 of 3 commits not reviewed');
    expect(run.summary).toContain('1 of 3 commits of the push is a merge, and a merge is not reviewed: this run speaks for the other 2 only.');
    expect(run.summary).toContain(`\`${merge.slice(0, 12)}\` "Merge branch pmix-side": a merge commit`);
    expect(run.summary).not.toMatch(/KVM: doc: a line|pull request/);
  });
});

describe('a push that merges a topic branch carrying a commit the branch already has', () => {
  it('concludes neutral, says nothing was reviewed, and names the commit already in the base and the merge', async () => {
    const again = sameChange('topic');
    git(dir, ['checkout', '-q', 'merged']);
    git(dir, ['merge', '-q', '--no-ff', '-m', 'Merge branch topic', again]);
    const after = git(dir, ['rev-parse', 'HEAD']).trim();
    // The push brings the topic's commit and the merge; the branch (the review's base) has the change already.
    const run = await push(merged, after);
    expect(run.conclusion).toBe('neutral');
    expect(run.title).toBe('Nothing reviewed: 1 commit is already in the base tree, 1 is a merge commit');
    expect(run.summary).toContain('no commit of the push could be reviewed against the base tree, and a merge is not reviewed');
    expect(run.summary).toContain(`\`${after.slice(0, 12)}\` "Merge branch topic": a merge commit`);
    expect(run.summary).toMatch(new RegExp(`${again.slice(0, 12)}[^\\n]*KVM: take kvm->lock in the vCPU ioctl": [^\\n]*already in the tree`));
    expect(run.summary).not.toMatch(/no lock-order findings|pull request/i);
    expect(gh.commitComments.filter((c) => c.commit_id === again)).toEqual([]);
  });
});

describe('a push with no commit to review', () => {
  it('only a merge of what the branch already had: neutral, naming the merge', async () => {
    // The branch as it was, and a merge of the original base with it: both parents already on the branch.
    git(dir, ['checkout', '-q', '-b', 'remerge', base]);
    git(dir, ['merge', '-q', '--no-ff', '-m', 'Merge branch merged', merged]);
    const after = git(dir, ['rev-parse', 'HEAD']).trim();
    const run = await push(merged, after);
    expect(run.conclusion).toBe('neutral');
    expect(run.title).toBe("Nothing reviewed: the push's only commit is a merge commit");
    expect(run.summary).toContain(`\`${after.slice(0, 12)}\` "Merge branch merged": a merge commit: what it merges is already in the base`);
    expect(run.summary).not.toMatch(/no lock-order findings/i);
  });

  it('none past the base (the branch rewound to a commit it had): neutral, saying so', async () => {
    const run = await push(merged, base);
    expect(run.conclusion).toBe('neutral');
    expect(run.title).toBe('Nothing reviewed: the push has no commit past its base');
    expect(run.summary).toContain('the push has no commit past its base');
    expect(run.summary).not.toMatch(/no lock-order findings/i);
  });
});
