/**
 * `kvm-review watch --repo DIR [--rev REV]`: the tree read from a git
 * revision's object store (no checkout), on a repository made here from
 * the Debian 6.1 tree with test/git/repo.ts. The findings are those of
 * `--tree` on the same files; the work tree is never read (its files are
 * removed before the watch); a bad repository or revision is exit 2 with
 * nothing written.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelTree } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { commitAppend, copyKernelFiles, git, initRepo, INVERTING, lineOf } from '../git/repo.js';
import { buildInbox } from './inbox-fixture.js';

const work = mkdtempSync(join(tmpdir(), 'kvm-review-watch-repo-'));
const base = join(work, 'base');
const repo = join(work, 'repo');
const MAIN = 'virt/kvm/kvm_main.c';
let inbox = '';

interface Record {
  status: string;
  patches: { messageId: string | null; findings: { kind: string; file: string; line: number; fingerprint: string }[] }[];
}

function dirs(name: string): { state: string; outbox: string } {
  return { state: join(work, name, 'state'), outbox: join(work, name, 'outbox') };
}

async function watch(d: { state: string; outbox: string }, treeArgs: string[]): Promise<{ code: number; stderr: string; records: Record[] }> {
  const r = await runCli(['watch', '--once', '--inbox', inbox, ...treeArgs, '--state', d.state, '--outbox', d.outbox, '--cache-dir', join(work, 'cache')]);
  const dir = join(d.outbox, 'series');
  const records = existsSync(dir) ? readdirSync(dir).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record) : [];
  return { code: r.code, stderr: r.stderr, records };
}

beforeAll(async () => {
  await copyKernelFiles(kernelTree('6.1'), base);
  initRepo(base, repo);
  git(repo, 'checkout', '-q', '-b', 'inversion', 'base');
  commitAppend(repo, MAIN, INVERTING, 'KVM: demo: reset a vCPU under vcpu->mutex');
  // The posting: the commit as format-patch mail, with the Message-ID a list gives it (public-inbox stores no mbox separator).
  const patch = git(repo, 'format-patch', '--stdout', '-1', 'inversion').replace(/^From [0-9a-f]{40} .*\n/, '').replace(/^(From: .*)$/m, '$1\nMessage-ID: <watch-repo-1@example.org>');
  inbox = buildInbox([patch]);
  // Nothing of the work tree is read: the files the review needs are gone from it.
  for (const f of readdirSync(repo)) if (f !== '.git') rmSync(join(repo, f), { recursive: true, force: true });
}, 600_000);

describe('watch --repo', () => {
  let fromRepo: Awaited<ReturnType<typeof watch>>;

  beforeAll(async () => {
    fromRepo = await watch(dirs('repo-run'), ['--repo', repo, '--rev', 'base']);
  }, 900_000);

  it('reviews the series against the revision, from the object store: the inversion is found on its added line', () => {
    expect(fromRepo.stderr).toMatch(/reviewed v1 "KVM: demo: reset a vCPU under vcpu->mutex": [1-9]\d* finding/);
    expect(fromRepo.code).toBe(1);
    expect(fromRepo.records.map((r) => r.status)).toEqual(['reviewed']);
    const f = fromRepo.records[0]?.patches[0]?.findings.find((x) => x.kind === 'order-inversion');
    expect(f?.file).toBe(MAIN);
    expect(f?.line).toBe(lineOf(repo, 'inversion', MAIN, 'mutex_lock(&vcpu->kvm->lock)'));
  });

  it('finds what --tree finds on the same files', async () => {
    const fromDir = await watch(dirs('tree-run'), ['--tree', base]);
    const outcome = (r: Record[]): unknown => r.map((x) => ({ status: x.status, findings: x.patches.flatMap((p) => p.findings.map((f) => [f.fingerprint, f.file, f.line])).sort() }));
    expect(fromDir.code).toBe(fromRepo.code);
    expect(outcome(fromDir.records)).toEqual(outcome(fromRepo.records));
  }, 900_000);

  it('an unknown revision, --rev without --repo, --repo with --tree, a repository that is not a kernel tree: exit 2, nothing written', async () => {
    const notKernel = join(work, 'not-kernel');
    git(work, 'init', '-q', notKernel);
    git(notKernel, 'commit', '-q', '--allow-empty', '-m', 'empty');
    const cases: [string[], RegExp][] = [
      [['--repo', repo, '--rev', 'no-such-rev'], /no-such-rev/],
      [['--rev', 'base'], /--rev base: needs --repo/],
      [['--repo', repo, '--tree', base], /--tree DIR or --repo DIR, not both/],
      [['--repo', notKernel], /not a kernel tree with KVM/],
      [['--repo', join(work, 'nowhere')], /nowhere/],
    ];
    for (const [args, message] of cases) {
      const d = dirs(`bad-${cases.findIndex((c) => c[0] === args)}`);
      const r = await watch(d, args);
      expect([args, r.code]).toEqual([args, 2]);
      expect(r.stderr).toMatch(message);
      expect(existsSync(d.state)).toBe(false);
      expect(existsSync(d.outbox)).toBe(false);
    }
  });
});
