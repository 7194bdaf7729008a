/**
 * The watcher on a series none of whose patches could be reviewed: the
 * tree already has it (a series merged before the watcher got to it). On a
 * repository made here from the Debian 6.1 tree: v1 of a patch taking
 * kvm->lock under vcpu->mutex in kvm_vcpu_ioctl() is reviewed against `base` (a finding, a
 * reply); the patch is then merged (`merged`), and v2, the same patch
 * resent, is watched against `merged`. v2 must not read as reviewed, clean
 * or fixed: its record says "not reviewed" and why, no reply is drafted for
 * it, and it is done (a later pass does not review it again).
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelTree } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { copyKernelFiles, git, initRepo } from '../git/repo.js';
import { appendCommits, buildInbox } from './inbox-fixture.js';

const work = mkdtempSync(join(tmpdir(), 'kvm-review-watch-unreviewed-'));
const base = join(work, 'base');
const repo = join(work, 'repo');
const MAIN = 'virt/kvm/kvm_main.c';
const SUBJECT = 'KVM: take kvm->lock in the vCPU ioctl';
/** kvm->lock under vcpu->mutex in kvm_vcpu_ioctl(), against locking.rst's "kvm->lock is taken outside vcpu->mutex". */
const ANCHOR = '\tif (mutex_lock_killable(&vcpu->mutex))';
const BUG = ['\tmutex_lock(&vcpu->kvm->lock);', '\tmutex_unlock(&vcpu->kvm->lock);'];
const state = join(work, 'state');
const outbox = join(work, 'outbox');
let patch = '';
let inbox = '';

interface SeriesJson {
  status: string;
  reason?: string;
  series: { version: number };
  patches: { status: string; reason?: string; findings: unknown[] }[];
}

function records(): SeriesJson[] {
  const dir = join(outbox, 'series');
  return existsSync(dir) ? readdirSync(dir).sort().map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as SeriesJson) : [];
}

/** Every reply in the outbox (a maildir), in name order. */
function replies(): string {
  const names = ['new', 'cur'].flatMap((sub) => (existsSync(join(outbox, sub)) ? readdirSync(join(outbox, sub)).map((n) => join(outbox, sub, n)) : []));
  return names.sort().map((n) => readFileSync(n, 'utf8')).join('\n');
}

async function watch(rev: string): Promise<{ code: number; stderr: string }> {
  return runCli(['watch', '--once', '--inbox', inbox, '--repo', repo, '--rev', rev, '--state', state, '--outbox', outbox, '--cache-dir', join(work, 'cache')]);
}

/** The patch as the list has it, as version `v`, with its own Message-ID and date. */
function posting(v: number): string {
  const subject = v === 1 ? `[PATCH] ${SUBJECT}` : `[PATCH v${v}] ${SUBJECT}`;
  return patch
    .replace(/^Subject: .*$/m, `Subject: ${subject}`)
    .replace(/^Date: .*$/m, `Date: Mon, ${16 + v} Nov 2026 10:00:00 +0000`)
    .replace(/^(From: .*)$/m, `$1\nMessage-ID: <watch-unreviewed-v${v}@example.org>`);
}

beforeAll(async () => {
  await copyKernelFiles(kernelTree('6.1'), base);
  initRepo(base, repo);
  git(repo, 'checkout', '-q', '-b', 'merged', 'base');
  // In the middle of kvm_vcpu_ioctl(), so that the patch cannot apply a second time further down.
  const path = join(repo, MAIN);
  const lines = readFileSync(path, 'utf8').split('\n');
  const at = lines.indexOf(ANCHOR);
  if (at < 0) throw new Error(`no line "${ANCHOR}" in ${MAIN}`);
  lines.splice(at + 2, 0, ...BUG);
  writeFileSync(path, lines.join('\n'));
  git(repo, 'commit', '-q', '-am', `${SUBJECT}\n\nSigned-off-by: Test Author <test@example.org>`);
  patch = git(repo, 'format-patch', '--stdout', '-1', 'merged').replace(/^From [0-9a-f]{40} .*\n/, '');
}, 600_000);

describe('watch: v2 of a patch the tree already has', () => {
  it('v1, against the tree without it: reviewed, a finding, a reply', async () => {
    inbox = buildInbox([posting(1)]);
    const r = await watch('base');
    expect(r.stderr).toMatch(new RegExp(`reviewed v1 "${SUBJECT}": [1-9]\\d* finding`));
    expect(records().map((x) => x.status)).toEqual(['reviewed']);
    expect(replies()).toContain(`Subject: Re: [PATCH] ${SUBJECT}`);
  }, 900_000);

  it('v2, against the tree that has it: recorded as not reviewed with the reason; no reply, neither "clean" nor "fixed in v2"', async () => {
    const before = replies();
    appendCommits(inbox, [posting(2)]);
    const r = await watch('merged');
    expect(r.code).toBe(0);
    const v2 = records().find((x) => x.series.version === 2);
    expect(v2?.status).toBe('not-reviewed');
    expect(v2?.patches.map((p) => p.status)).toEqual(['not-applied']);
    expect(v2?.reason).toBe(`no patch could be reviewed: patch 1: already in the tree: its hunk to ${MAIN} is applied there`);
    expect(replies()).toBe(before);
    expect(replies()).not.toMatch(/fixed in v2/);
    expect(r.stderr).toContain(`not reviewed v2 "${SUBJECT}": no patch could be reviewed: patch 1: already in the tree`);
    expect(r.stderr).not.toMatch(/^.*reviewed v2 .*0 findings/m);
    expect(r.stderr).toMatch(/pass: .*0 series reviewed, 1 not reviewed \(no patch could be\), 0 skipped/);
  }, 900_000);

  it('a later pass leaves it done: nothing reviewed or written again', async () => {
    const before = records();
    const r = await watch('merged');
    expect(r.stderr).toMatch(/pass: 0 commits read \(0 bad\), 0 series reviewed, 0 skipped, 0 waiting, 0 new replies/);
    expect(records()).toEqual(before);
  }, 900_000);
});
