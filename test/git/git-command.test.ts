/**
 * kvm-review git on a real repository made from the Debian 6.1 tree: the
 * same findings as mbox on the same commits' format-patch output, for a
 * clean branch and one with an inversion; the work tree is never read; a
 * second range on the same base re-reads no blob of the base (the cache
 * knows them by blob id); damaged cache entries give the same findings;
 * a merge whose conflict was resolved is not reviewed (test/git/git-merge.test.ts has the rest); bad repositories, revisions and trees exit 2.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgetCache } from '../../analyzers/index/cache.js';
import { readGitRange } from '../../analyzers/sources/git-range-source.js';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { kernelTree } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { CLEAN, commitAppend, copyKernelFiles, git, initRepo, INVERTING, lineOf } from './repo.js';

const work = mkdtempSync(join(tmpdir(), 'kvm-review-git-'));
const base = join(work, 'base');
const repo = join(work, 'repo');
const gitCache = join(work, 'git-cache');
const mboxCache = join(work, 'mbox-cache');
const MAIN = 'virt/kvm/kvm_main.c';
const EVENTFD = 'virt/kvm/eventfd.c';

/** What must be equal between git and mbox: each patch's status and findings. */
function outcome(r: ReviewResult): unknown {
  return r.patches.map((p) => ({
    index: p.index,
    status: p.status,
    findings: p.findings
      .map((f) => ({ kind: f.kind, severity: f.severity, file: f.file, line: f.line, outer: f.outer, inner: f.inner, placement: f.placement, arch: f.arch, fingerprint: f.fingerprint }))
      .sort((a, b) => a.fingerprint.localeCompare(b.fingerprint) || a.line - b.line),
  }));
}

async function reviewGit(range: string, cache = gitCache): Promise<{ code: number; r: ReviewResult; stderr: string }> {
  const cli = await runCli(['git', range, '--repo', repo, '--format', 'json', '--cache-dir', cache]);
  if (cli.code === 2) throw new Error(cli.stderr);
  return { code: cli.code, r: JSON.parse(cli.stdout) as ReviewResult, stderr: cli.stderr };
}

async function reviewMbox(range: string): Promise<{ code: number; r: ReviewResult }> {
  const out = join(work, `fp-${range.replace(/\W+/g, '-')}`);
  mkdirSync(out);
  git(repo, 'format-patch', '-q', '-o', out, range);
  const cli = await runCli(['mbox', out, '--tree', base, '--format', 'json', '--cache-dir', mboxCache]);
  if (cli.code === 2) throw new Error(cli.stderr);
  return { code: cli.code, r: JSON.parse(cli.stdout) as ReviewResult };
}

beforeAll(async () => {
  await copyKernelFiles(kernelTree('6.1'), base);
  initRepo(base, repo);
  git(repo, 'checkout', '-q', '-b', 'inversion', 'base');
  commitAppend(repo, MAIN, INVERTING, 'KVM: demo: reset a vCPU under vcpu->mutex');
  commitAppend(repo, EVENTFD, '/* eventfd: a comment */\n', 'KVM: eventfd: add a comment');
  git(repo, 'checkout', '-q', '-b', 'clean', 'base');
  commitAppend(repo, MAIN, CLEAN, 'KVM: demo: update memslots under kvm->lock');
  commitAppend(repo, EVENTFD, '/* eventfd: a comment */\n', 'KVM: eventfd: add a comment');
  // An uncommitted inversion in the work tree: a review that read the work tree would report it.
  writeFileSync(join(repo, MAIN), readFileSync(join(repo, MAIN), 'utf8') + INVERTING);
}, 120_000);

describe('kvm-review git against mbox on the same commits', () => {
  let clean: { code: number; r: ReviewResult; stderr: string };

  it('a clean branch: no error, the same outcome as mbox, the uncommitted change is said and not reviewed', async () => {
    clean = await reviewGit('base..clean');
    const mbox = await reviewMbox('base..clean');
    expect(clean.code).toBe(0);
    expect(mbox.code).toBe(0);
    expect(clean.r.mode).toBe('tree');
    expect(clean.r.patches.map((p) => [p.index, p.status])).toEqual([[1, 'reviewed'], [2, 'reviewed']]);
    expect(clean.r.patches.flatMap((p) => p.findings).filter((f) => f.severity === 'error')).toEqual([]);
    expect(outcome(clean.r)).toEqual(outcome(mbox.r));
    expect(clean.r.notes.join('\n')).toMatch(/uncommitted changes; they are not part of the review/);
    expect(clean.r.tree).toMatch(/^[0-9a-f]{12} in /);
    expect(clean.r.identity).toEqual(mbox.r.identity);
    // Cold cache: every indexed file of the base was read from the object store once.
    expect(clean.r.cache?.filesRead).toBeGreaterThan(100);
  }, 900_000);

  it('a branch with an inversion: exit 1, the finding on the added line, the same outcome as mbox', async () => {
    const inv = await reviewGit('base..inversion');
    const mbox = await reviewMbox('base..inversion');
    expect(inv.code).toBe(1);
    expect(mbox.code).toBe(1);
    const errors = inv.r.patches[0]?.findings.filter((f) => f.severity === 'error') ?? [];
    const line = lineOf(repo, 'inversion~1', MAIN, 'mutex_lock(&vcpu->kvm->lock);');
    expect(errors.map((f) => [f.kind, f.outer, f.inner, f.file, f.line, f.placement])).toContainEqual(['order-inversion', 'vcpu->mutex', 'kvm->lock', MAIN, line, 'added']);
    expect(inv.r.patches[1]?.findings).toEqual([]);
    expect(outcome(inv.r)).toEqual(outcome(mbox.r));
    expect(inv.r.identity?.fingerprint).not.toEqual(clean.r.identity?.fingerprint);
    // Same base as the clean branch: no blob of it is read again; only files the cache does not know (the patched one) are read.
    expect(inv.r.cache?.misses).toBeLessThanOrEqual(2);
    expect(inv.r.cache?.filesRead).toBe(inv.r.cache?.misses);
    expect(inv.r.cache?.hits).toBeGreaterThan(100);
    expect(inv.r.cache?.invalid).toBe(0);
  }, 900_000);

  it('damaged cache entries (emptied, swapped) are recomputed and counted; the findings are those of a fresh cache', async () => {
    const fresh = await reviewGit('base..inversion', join(work, 'fresh-cache'));
    const facts = join(gitCache, 'facts');
    const entries = readdirSync(facts).filter((f) => f.endsWith('.json')).sort();
    const [a, b, c] = entries;
    if (!a || !b || !c) throw new Error('too few cache entries');
    writeFileSync(join(facts, a), '{}');
    renameSync(join(facts, b), join(facts, 'swap'));
    renameSync(join(facts, c), join(facts, b));
    renameSync(join(facts, 'swap'), join(facts, c));
    // The base state's pack (all its facts in one entry) would answer without reading the entries above: damage it too.
    for (const pack of readdirSync(join(gitCache, 'packs'))) writeFileSync(join(gitCache, 'packs', pack), '{}');
    // A new process would read the entries from disk: forget what this one remembers.
    forgetCache();
    const damaged = await reviewGit('base..inversion');
    expect(damaged.r.cache?.invalid).toBeGreaterThanOrEqual(3);
    expect(outcome(damaged.r)).toEqual(outcome(fresh.r));
  }, 900_000);
});

describe('kvm-review git: ranges, merges, errors', () => {
  it('a merge commit alone whose conflict was resolved is not reviewed (the commits it resolves are not in the range), with the reason, and nothing reviewed exits 2', async () => {
    // Made without touching the (dirty) work tree.
    const merge = git(repo, 'commit-tree', '-p', 'clean', '-p', 'inversion', '-m', 'Merge branch inversion', 'inversion^{tree}').trim();
    const cli = await runCli(['git', merge, '--repo', repo, '--format', 'json', '--cache-dir', gitCache]);
    // A CI gate must not read a run that reviewed nothing as clean.
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('no patch could be reviewed');
    const r = JSON.parse(cli.stdout) as ReviewResult;
    expect(r.patches).toHaveLength(1);
    expect(r.patches[0]).toMatchObject({ index: 1, status: 'failed' });
    expect(r.patches[0]?.reason).toMatch(
      /a merge \([0-9a-f]{12}\) whose own change is NOT reviewed: its conflict resolution is the content of virt\/kvm\/kvm_main.c at the merge, built on 2 commits the range does not hold \([0-9a-f]{12}, [0-9a-f]{12}\), whose changes the review's state before it lacks/,
    );
  }, 300_000);

  it('a range with a merge in it: every commit in rev-list order, described as git log describes it, the merge in its own slot', async () => {
    const merge = git(repo, 'commit-tree', '-p', 'clean', '-p', 'inversion', '-m', 'Merge branch inversion', 'inversion^{tree}').trim();
    const range = `base..${merge}`;
    const read = await readGitRange(repo, range);
    const shas = git(repo, 'rev-list', '--reverse', '--topo-order', range).trim().split('\n');
    expect(shas).toHaveLength(5);
    expect(read.commits.map((c) => c.sha)).toEqual(shas);
    for (const c of read.commits) {
      const [subject, parents] = git(repo, 'log', '-1', '--format=%s%x00%P', c.sha).trim().split('\0');
      expect({ sha: c.sha, subject: c.subject, parents: c.parents.join(' ') }).toEqual({ sha: c.sha, subject, parents });
    }
    const slot = shas.indexOf(merge) + 1;
    expect(read.series.patches.map((p) => p.index)).toEqual([1, 2, 3, 4, 5]);
    // It resolves its conflict by taking inversion's tree: its slot is that content of kvm_main.c, built on the other four slots.
    expect(read.series.patches.find((p) => p.index === slot)).toMatchObject({
      status: 'ok',
      title: 'Merge branch inversion',
      files: [],
      becomes: { files: [{ path: 'virt/kvm/kvm_main.c', content: git(repo, 'show', `inversion:virt/kvm/kvm_main.c`) }], builtOn: [1, 2, 3, 4, 5].filter((k) => k !== slot) },
    });
    // Each other slot is the patch of the commit in that place, numbered k/5.
    for (const [k, sha] of shas.entries()) {
      if (sha === merge) continue;
      const patch = read.series.patches.find((p) => p.index === k + 1);
      expect({ k, commit: patch?.position.commit, subject: patch?.subject }).toEqual({ k, commit: sha, subject: expect.stringContaining(`${k + 1}/5]`) });
    }
  }, 120_000);

  it('not a repository, an unknown revision, no upstream, not a kernel tree, an unusable --cache-dir: exit 2 with the reason', async () => {
    const notRepo = await runCli(['git', 'HEAD', '--repo', base]);
    expect([notRepo.code, notRepo.stderr]).toEqual([2, expect.stringMatching(/not a git repository/)]);
    const unknown = await runCli(['git', 'no-such-branch..clean', '--repo', repo]);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringMatching(/no-such-branch/)]);
    // One commit that does not exist: rev-parse --quiet fails silently, which must not read as a commit.
    const single = await runCli(['git', 'no-such-commit', '--repo', repo]);
    expect([single.code, single.stderr, single.stdout]).toEqual([2, expect.stringMatching(/unknown revision no-such-commit/), '']);
    // Both branches have commits of their own since base: not one series.
    const symmetric = await runCli(['git', 'clean...inversion', '--repo', repo]);
    expect([symmetric.code, symmetric.stderr, symmetric.stdout]).toEqual([2, expect.stringMatching(/clean\.\.\.inversion: the commits of both sides .* give clean\.\.inversion/), '']);
    const upstream = await runCli(['git', '--repo', repo]);
    expect([upstream.code, upstream.stderr]).toEqual([2, expect.stringMatching(/upstream/)]);
    const plain = join(work, 'plain');
    mkdirSync(plain);
    writeFileSync(join(plain, 'README'), 'not a kernel\n');
    git(plain, 'init', '-q');
    git(plain, 'add', '-A');
    git(plain, 'commit', '-q', '-m', 'one');
    writeFileSync(join(plain, 'README'), 'still not a kernel\n');
    git(plain, 'commit', '-q', '-a', '-m', 'two');
    const notKernel = await runCli(['git', 'HEAD', '--repo', plain]);
    expect([notKernel.code, notKernel.stderr]).toEqual([2, expect.stringMatching(/not a kernel tree with KVM \(no virt\/kvm\)/)]);
    const file = join(work, 'a-file');
    writeFileSync(file, '');
    const badCache = await runCli(['git', 'base..clean', '--repo', repo, '--cache-dir', file]);
    expect([badCache.code, badCache.stderr]).toEqual([2, expect.stringMatching(/--cache-dir cannot be used \(not a directory\)/)]);
    expect(badCache.stdout).toBe('');
  }, 300_000);
});
