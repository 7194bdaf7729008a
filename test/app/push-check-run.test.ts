/**
 * The check run of a push, through the App's real server (signed webhooks,
 * the fake GitHub answering from a repository made from the Debian 6.1
 * tree): a finding the pushed commits make again and again is one finding,
 * and the summary speaks of the push, not of a pull request there is none
 * of. Requires `npm run build` (the server runs from dist/).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { markerOf } from '../../bot/app/comment.js';
import { kernelTree } from '../helpers/paths.js';
import { startApp, stopApp, type AppServer, payload } from './app-server.js';
import type { FakeGitHub } from './fake-github.js';
import { BUG_ANCHOR, BUG_FILE, BUG_LINES, commitEdit, git, insertAfter, kernelRepo } from './kernel-repo.js';

let gh: FakeGitHub;
let app: AppServer;
let dir: string;
let base: string;

beforeAll(async () => {
  ({ dir, base } = kernelRepo(kernelTree('6.1')));
  ({ gh, app } = await startApp(dir, { config: 'push-branches: [queue, queue-doc]\n' }));
});

afterAll(async () => stopApp({ app, gh }));

describe('a push of three commits that each take kvm->lock under vcpu->mutex in kvm_vcpu_ioctl()', () => {
  it('the check run counts the finding once, annotates it once, and its summary speaks of the push', async () => {
    git(dir, ['checkout', '-q', '-b', 'queue', base]);
    const commits = [1, 2, 3].map((i) => commitEdit(dir, BUG_FILE, insertAfter(BUG_ANCHOR, BUG_LINES, 1), `KVM: take kvm->lock in the vCPU ioctl (${i})`));
    const head = commits[2] as string;
    expect(await app.deliver('push', payload('push', { BEFORE_SHA: base, AFTER_SHA: head }))).toBe(200);
    expect((await app.idle()).failed).toBe(0);
    const run = gh.checkRuns.find((r) => r.head_sha === head);
    // Every commit is commented (each must be clean for bisection), with the same finding.
    const inversions = gh.commitComments.filter((c) => c.body.includes('order-inversion'));
    expect(new Set(inversions.map((c) => c.commit_id))).toEqual(new Set(commits));
    const fingerprints = new Set(gh.commitComments.map((c) => markerOf(c.body)));
    expect(new Set(inversions.map((c) => markerOf(c.body))).size).toBe(1);
    expect(run?.output.title).toMatch(new RegExp(`^${fingerprints.size} lock-order findings?, `));
    const rows = (run?.output.summary ?? '').split('\n').filter((l) => /^\| (error|warning|info) /.test(l));
    expect(rows).toHaveLength(fingerprints.size);
    expect(rows.filter((l) => l.includes('order-inversion'))).toHaveLength(1);
    expect((run?.annotations as { title: string }[]).filter((a) => a.title.startsWith('order-inversion'))).toHaveLength(1);
    expect(run?.output.summary).not.toMatch(/pull request/);
  });
});

/** Drops the lines from the one equal to `first` to the first one after it that contains `last`, both kept out. */
function dropLines(first: string, last: string): (text: string) => string {
  return (text) => {
    const lines = text.split('\n');
    const from = lines.indexOf(first);
    const to = lines.findIndex((l, i) => i > from && l.includes(last));
    if (from < 0 || to < 0) throw new Error(`no lines "${first}" ... "${last}"`);
    lines.splice(from, to - from + 1);
    return lines.join('\n');
  };
}

describe('a push whose commit removes the x86 rules of locking.rst', () => {
  it('the check run lists the findings as not on a line of the diff, worded for the push', async () => {
    git(dir, ['checkout', '-q', '-b', 'queue-doc', base]);
    const head = commitEdit(dir, 'Documentation/virt/kvm/locking.rst', dropLines('- vcpu->mutex is taken outside kvm->arch.hyperv.hv_lock', '``read_lock`` for the TDP MMU'), 'KVM: doc: drop the x86 lock orders');
    const p = payload('push', { BEFORE_SHA: base, AFTER_SHA: head }) as { ref: string };
    p.ref = 'refs/heads/queue-doc';
    expect(await app.deliver('push', p)).toBe(200);
    expect((await app.idle()).failed).toBe(0);
    const run = gh.checkRuns.find((r) => r.head_sha === head);
    expect(run?.output.summary).toContain('### Not on a line of the diff');
    expect(run?.output.summary).toContain('outside the diff of the pushed commit that made them');
    expect(run?.output.summary).not.toMatch(/pull request/);
  });
});
