/**
 * A check-run summary past GitHub's 65535 characters, through the App's
 * real server (signed webhooks, the fake GitHub answering from a repository
 * made from the Debian 6.1 tree). Each commit of the pull request adds a
 * function that takes kvm->lock, through a deep chain of calls, inside
 * kvm->slots_lock (locking.rst: kvm->lock is taken outside kvm->slots_lock);
 * the last commit removes them all, so every finding is off the diff and
 * told in full in the summary, each with its chain in a code block: the cut
 * falls among code blocks and must not leave one open (the rest of the
 * page would render as code). Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GITHUB_MAX_SUMMARY } from '../../bot/app/plan.js';
import { kernelTree } from '../helpers/paths.js';
import { startApp, stopApp, type AppServer, payload } from './app-server.js';
import type { FakeGitHub } from './fake-github.js';
import { commitEdit, git, kernelRepo } from './kernel-repo.js';

const FILE = 'virt/kvm/kvm_main.c';
/** The functions go right above kvm_vcpu_ioctl()'s definition. */
const DEFINITION = 'static long kvm_vcpu_ioctl(struct file *filp,';
function insertAbove(added: string[]): (text: string) => string {
  return (text) => {
    const lines = text.split('\n');
    const at = lines.indexOf(DEFINITION);
    if (at < 0) throw new Error(`${FILE}: no line "${DEFINITION}"`);
    lines.splice(at, 0, ...added);
    return lines.join('\n');
  };
}
const DEPTH = 28;
const CALLERS = 16;
const step = (i: number): string => `kvm_review_test_helper_${'that_goes_one_call_deeper_'.repeat(6)}${i}`;

/** The chain: step 1 calls step 2 ... step DEPTH takes kvm->lock. */
function helpers(): string[] {
  const out: string[] = [];
  for (let i = DEPTH; i >= 1; i--) {
    out.push(`static noinline void ${step(i)}(struct kvm *kvm)`, '{');
    if (i === DEPTH) out.push('\tmutex_lock(&kvm->lock);', '\tmutex_unlock(&kvm->lock);');
    else out.push(`\t${step(i + 1)}(kvm);`);
    out.push('}', '');
  }
  return out;
}

const caller = (k: number): string[] => [`static void kvm_review_test_caller_${k}(struct kvm *kvm)`, '{', '\tmutex_lock(&kvm->slots_lock);', `\t${step(1)}(kvm);`, '\tmutex_unlock(&kvm->slots_lock);', '}', ''];

let gh: FakeGitHub;
let app: AppServer;
let dir: string;
let base: string;

beforeAll(async () => {
  ({ dir, base } = kernelRepo(kernelTree('6.1')));
  ({ gh, app } = await startApp(dir, { env: { KVM_REVIEW_MAX_COMMITS: String(CALLERS + 2) } }));
});

afterAll(async () => stopApp({ app, gh }));

/** Fence lines (``` or ~~~, three or more) of `text` left open at its end: the opening line of the last one, or null. */
function openFence(text: string): string | null {
  let open: { mark: string; line: string } | null = null;
  for (const line of text.split('\n')) {
    const m = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (!m) continue;
    const mark = m[1] as string;
    if (!open) open = { mark, line };
    else if (mark[0] === open.mark[0] && mark.length >= open.mark.length && !(m[2] ?? '').trim()) open = null;
  }
  return open?.line ?? null;
}

describe('a check-run summary cut to 65535 characters', () => {
  it('leaves no code block open, and says it was cut and where the rest is', async () => {
    git(dir, ['checkout', '-q', '-b', 'many-chains', base]);
    commitEdit(dir, FILE, insertAbove(helpers()), 'KVM: a chain of helpers that ends taking kvm->lock');
    for (let k = 1; k <= CALLERS; k++) commitEdit(dir, FILE, insertAbove(caller(k)), `KVM: caller ${k} of the helpers under kvm->slots_lock`);
    const text = git(dir, ['show', `HEAD:${FILE}`]);
    const head = commitEdit(dir, FILE, () => text.replace(/static void kvm_review_test_caller_\d+\(struct kvm \*kvm\)\n\{\n[^}]*\}\n\n/g, ''), 'KVM: drop the callers again');
    expect(git(dir, ['show', `${head}:${FILE}`])).not.toContain('kvm_review_test_caller_');
    gh.prs.set(1, { number: 1, base, head });
    expect(await app.deliver('pull_request', payload('pull_request.opened', { HEAD_SHA: head, BASE_SHA: base }))).toBe(200);
    expect((await app.idle()).failed).toBe(0);
    const run = gh.checkRuns.find((r) => r.head_sha === head);
    expect(run?.output.title).toMatch(/^\d+ lock-order finding/);
    const summary = run?.output.summary ?? '';
    expect(summary.length).toBeLessThanOrEqual(GITHUB_MAX_SUMMARY);
    // It was cut: the findings are in it in part only.
    expect(summary).toContain('kvm_review_test_caller_1()');
    const note = /\n\n… \((?:truncated|cut)[^\n]*\)$/.exec(summary);
    expect(note?.[0]).toContain(`GitHub keeps ${GITHUB_MAX_SUMMARY} characters`);
    expect(openFence(summary.slice(0, note?.index))).toBeNull();
  });
});
