/**
 * A finding on two architectures is one line comment naming both. When a
 * later head fixes it on one of them only, that comment must stop naming
 * the fixed one (a maintainer reading the pull request would be told arm64
 * still has a problem it no longer has): edited to name the architecture
 * left and say which one the head fixed, or, when someone answered it, a
 * reply saying so; once no architecture is left, "Fixed in" as for any
 * finding. Through the App's real server (signed webhooks, the fake GitHub
 * answering from a repository made from the Debian 6.1 tree): the pull
 * request adds "- vcpu->mutex is taken outside kvm->lock" to locking.rst
 * under "On x86 and arm64:", reversing the generic "kvm->lock is taken
 * outside vcpu->mutex", a doc-conflict on x86 and on arm64 in the same
 * words; the author then narrows the label to "On x86:". When it is the
 * base that moves instead (its generic order becomes an x86 one), the note
 * must not credit the head: gone on arm64 with the new base. Requires
 * `npm run build` (the server runs from dist/).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fixedIn, markersIn, partlyFixedBody } from '../../bot/app/comment.js';
import { finding } from './helpers.js';
import { kernelTree } from '../helpers/paths.js';
import { startApp, stopApp, type AppServer, payload } from './app-server.js';
import type { CheckRun, FakeGitHub, ReviewComment } from './fake-github.js';
import { commitEdit, git, kernelRepo } from './kernel-repo.js';

const DOC = 'Documentation/virt/kvm/locking.rst';
const RULE = '- vcpu->mutex is taken outside kvm->lock';
const BOT = 'kvm-review[bot]';

let gh: FakeGitHub;
let app: AppServer;
let dir: string;
let base: string;

beforeAll(async () => {
  ({ dir, base } = kernelRepo(kernelTree('6.1')));
  ({ gh, app } = await startApp(dir));
});

afterAll(async () => stopApp({ app, gh }));

/** locking.rst with `label` and RULE added before its "On x86:" (none: the document as it is), as one commit on a new branch from the base. */
function docCommit(branch: string, label: string | null): string {
  git(dir, ['checkout', '-q', '-b', branch, base]);
  return commitEdit(
    dir,
    DOC,
    (text) => {
      if (label === null) return `${text}\n`;
      const lines = text.split('\n');
      const at = lines.indexOf('On x86:');
      if (at < 0) throw new Error(`${DOC} of the 6.1 tree has no line "On x86:"`);
      return [...lines.slice(0, at), label, '', RULE, '', ...lines.slice(at)].join('\n');
    },
    // The branch in the subject: the same edit on another pull request is another commit (the dates are fixed).
    `Documentation: KVM: an order for the vCPU mutex (${branch})`,
  );
}

/** Delivers pull request `n` at `head` on `from` (`action`: opened, synchronize; edited: the base branch changed from `oldBase`, the head kept) and waits for its review. */
async function deliver(n: number, action: 'opened' | 'synchronize' | 'edited', head: string, from = base, oldBase?: string): Promise<void> {
  gh.prs.set(n, { number: n, base: from, head });
  const body = payload(`pull_request.${action === 'edited' ? 'synchronize' : action}`, { HEAD_SHA: head, BASE_SHA: from }) as Record<string, unknown> & { number: number; pull_request: { number: number } };
  body.number = n;
  body.pull_request.number = n;
  if (action === 'edited') {
    body.action = 'edited';
    body.changes = { base: { ref: { from: 'master' }, sha: { from: oldBase } } };
  }
  expect(await app.deliver('pull_request', body)).toBe(200);
  expect((await app.idle()).failed).toBe(0);
}

/** `/kvm-review recheck` by a maintainer on pull request `n`: its head reviewed again. */
async function recheck(n: number): Promise<void> {
  const checkWrites = (): number => gh.writes().filter((w) => w.path.includes('/check-runs')).length;
  const runs = checkWrites();
  const body = payload('issue_comment.created', { COMMENTER: 'maintainer' }) as { issue: { number: number } };
  body.issue.number = n;
  expect(await app.deliver('issue_comment', body)).toBe(200);
  expect((await app.idle()).failed).toBe(0);
  // It ran: the head's check run was written again.
  expect(checkWrites()).toBeGreaterThan(runs);
}

/** The App's doc-conflict line comments on pull request `n` (not the replies). */
const conflicts = (n: number): ReviewComment[] => gh.reviewComments.filter((c) => c.pull_number === n && !c.in_reply_to_id && c.user.login === BOT && c.body.includes('`doc-conflict`'));
const botReplies = (id: number): ReviewComment[] => gh.reviewComments.filter((c) => c.in_reply_to_id === id && c.user.login === BOT);
const run = (head: string): CheckRun | undefined => gh.checkRuns.find((r) => r.head_sha === head);

describe('a doc-conflict on x86 and arm64, then on x86 only', () => {
  it('the one comment naming both is edited to name x86 only and say the head fixed it on arm64; nothing else is posted, and a re-delivery changes nothing', async () => {
    const both = docCommit('pr-1', 'On x86 and arm64:');
    await deliver(1, 'opened', both);
    const [posted, ...more] = conflicts(1);
    expect(more).toEqual([]);
    expect(posted?.body).toContain('`doc-conflict` (x86, arm64)');
    const fingerprints = markersIn(posted?.body);
    expect(fingerprints).toHaveLength(2);

    const x86 = docCommit('pr-1-v2', 'On x86:');
    const reviews = gh.reviews.length;
    await deliver(1, 'synchronize', x86);
    const [edited, ...others] = conflicts(1);
    expect(others).toEqual([]);
    expect(edited?.id).toBe(posted?.id);
    const body = edited?.body ?? '';
    expect(body).toContain(`**Fixed on arm64 in ${x86.slice(0, 12)}**: kvm-review no longer finds this on arm64 at that commit; it still does on x86.`);
    expect(body).toContain('`doc-conflict` (x86)');
    expect(body).not.toContain('(x86, arm64)');
    // Still open for x86: not "Fixed in", and only x86's fingerprint is left (arm64's, back later, would be a new comment).
    expect(fixedIn(body)).toBeNull();
    const left = markersIn(body);
    expect(left).toHaveLength(1);
    expect(fingerprints).toContain(left[0]);
    expect(botReplies(edited?.id ?? -1)).toEqual([]);
    // Nothing new to say: no review; the check run counts and annotates the doc-conflict once, as the comment does.
    expect(gh.reviews.length).toBe(reviews);
    const check = run(x86);
    expect(check?.conclusion).toBe('failure');
    expect(check?.output.title).toMatch(/^2 lock-order findings, 2 at or above error$/);
    expect((check?.annotations as { title: string }[]).filter((a) => a.title.startsWith('doc-conflict'))).toHaveLength(1);
    expect(check?.output.summary).not.toContain('arm64');

    // The same head reviewed again (a maintainer's recheck): the comment is left as it is, and nothing is posted.
    const edits = (): number => gh.writes().filter((w) => w.method === 'PATCH' && w.path.endsWith(`/pulls/comments/${edited?.id}`)).length;
    const before = edits();
    await recheck(1);
    expect(edits()).toBe(before);
    expect(conflicts(1).map((c) => c.body)).toEqual([body]);
    expect(gh.reviews.length).toBe(reviews);
  });

  it('then force-pushed as a commit of another subject without the rule: the comment is closed as "Commit dropped" (no commit has its patch or subject), its arm64 note kept', async () => {
    const none = docCommit('pr-1-v3', null);
    await deliver(1, 'synchronize', none);
    const [c, ...more] = conflicts(1);
    expect(more).toEqual([]);
    expect(fixedIn(c?.body)).toBe(none);
    expect(c?.body).toMatch(new RegExp(`^<!-- kvm-review:fixed=${none} -->\\n\\*\\*Commit dropped\\*\\*: the commit it was on \\([0-9a-f]{12}\\) is no longer in the pull request after the force-push to ${none.slice(0, 12)}, [^\\n]*\\n\\n\\*\\*Fixed on arm64 in [0-9a-f]{12}\\*\\*`));
    expect(run(none)?.conclusion).toBe('success');
  });

  it('when someone answered the comment, the thread gets one reply saying arm64 is fixed, then one "Fixed in" when x86 is too', async () => {
    const both = docCommit('pr-2', 'On x86 and arm64:');
    await deliver(2, 'opened', both);
    const [posted] = conflicts(2);
    if (!posted) throw new Error('no doc-conflict comment on pull request 2');
    gh.reviewComments.push({ ...posted, id: 9_000_001, body: 'arm64 does not take these two together', user: { login: 'dev', type: 'User' }, in_reply_to_id: posted.id });

    const x86 = docCommit('pr-2-v2', 'On x86:');
    await deliver(2, 'synchronize', x86);
    await deliver(2, 'synchronize', x86);
    // The comment is not edited (someone answered it): the reply says which architecture is fixed, once.
    expect(conflicts(2).map((c) => c.body)).toEqual([posted.body]);
    const replies = botReplies(posted.id);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.body).toContain(`Fixed on arm64 in ${x86.slice(0, 12)}: kvm-review no longer finds this on arm64 at that commit; it still does on x86.`);
    expect(fixedIn(replies[0]?.body)).toBeNull();

    const none = docCommit('pr-2-v3', null);
    await deliver(2, 'synchronize', none);
    await deliver(2, 'synchronize', none);
    expect(botReplies(posted.id).map((r) => fixedIn(r.body))).toEqual([null, none]);
    // No new comment for arm64 was made on the way.
    expect(conflicts(2)).toHaveLength(1);
  });
});

describe('a doc-conflict on x86 and arm64, then on x86 only because the base moved', () => {
  it('the base branch changed under the same commit (its generic order now an x86 one): the note says arm64 is gone with the new base, the commit unchanged, and credits no head commit', async () => {
    const both = docCommit('pr-3', 'On x86 and arm64:');
    await deliver(3, 'opened', both);
    const [posted] = conflicts(3);
    expect(posted?.body).toContain('`doc-conflict` (x86, arm64)');
    // The new base: locking.rst's "kvm->lock is taken outside vcpu->mutex" moved from every architecture's orders to x86's.
    git(dir, ['checkout', '-q', '-b', 'base-x86-only', base]);
    const generic = '- kvm->lock is taken outside vcpu->mutex';
    const newBase = commitEdit(
      dir,
      DOC,
      (text) => {
        const lines = text.split('\n');
        const at = lines.indexOf(generic);
        const leaf = lines.indexOf('Everything else is a leaf: no other lock is taken inside the critical');
        if (at < 0 || leaf < at) throw new Error(`${DOC} of the 6.1 tree has no line "${generic}" above its "Everything else is a leaf"`);
        return [...lines.slice(0, at), ...lines.slice(at + 2, leaf), generic, '', ...lines.slice(leaf)].join('\n');
      },
      'Documentation: KVM: the order of kvm->lock and vcpu->mutex is x86\'s',
    );
    await deliver(3, 'edited', both, newBase, base);
    const [edited, ...others] = conflicts(3);
    expect(others).toEqual([]);
    expect(edited?.id).toBe(posted?.id);
    const body = edited?.body ?? '';
    expect(body).toContain(`**Gone on arm64 with the new base ${newBase.slice(0, 12)}**: the commit it was on (${both.slice(0, 12)}) is unchanged, and the finding no longer appears on arm64 against the new base ${newBase.slice(0, 12)}; it still does on x86.`);
    expect(body).not.toContain('Fixed on');
    expect(body).toContain('`doc-conflict` (x86)');
    expect(fixedIn(body)).toBeNull();
    // A later edit of this comment (another architecture gone) keeps that note above its own, as it keeps "Fixed on".
    const note = body.split('\n')[0] ?? '';
    const later = partlyFixedBody(body, [finding({ arch: 'x86' })], { sha: newBase, fixed: ['riscv'], still: ['x86'] }, { rulesUrl: 'https://example.org/' });
    expect(later.startsWith(`${note}\n\n**Fixed on riscv in ${newBase.slice(0, 12)}**: `)).toBe(true);
  });
});
