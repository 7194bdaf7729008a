/**
 * kvm-review git on ranges holding merges, on a real repository made from the Debian 6.1 tree:
 * a topic branch merged as git merges it has nothing of its own to review and says so; an evil
 * merge (code beyond git's automatic merge, which had no conflict) has that change reviewed in
 * its slot, and the kvm->lock it takes inside a kvm->srcu read-side section (as in the Dec 2022
 * Xen bug) is found there; a conflict resolved by hand is reviewed as the content of its files
 * at the merge, diffed against the state of the range's commits before it, its findings on the
 * lines the resolution adds, unless a commit it builds on did not apply whole on that state (then
 * NOT reviewed); a merge git cannot recreate is NOT reviewed; both said so in every format.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { kernelTree } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { CLEAN, commitAppend, copyKernelFiles, git, initRepo, lineOf } from './repo.js';

const work = mkdtempSync(join(tmpdir(), 'kvm-review-git-merge-'));
const base = join(work, 'base');
const repo = join(work, 'repo');
const cache = join(work, 'cache');
const MAIN = 'virt/kvm/kvm_main.c';
const EVENTFD = 'virt/kvm/eventfd.c';
const IRQCHIP = 'virt/kvm/irqchip.c';

/** A function `name` that takes kvm->`lock` inside a kvm->srcu read-side section: synchronize_srcu(&kvm->srcu) runs under kvm->lock and kvm->slots_lock. */
const srcuInversion = (name: string, lock: string): string => `
static void ${name}(struct kvm *kvm)
{
\tint idx = srcu_read_lock(&kvm->srcu);

\tmutex_lock(&kvm->${lock});
\tmutex_unlock(&kvm->${lock});
\tsrcu_read_unlock(&kvm->srcu, idx);
}
`;

/** 1-based line, at `rev`, of the first line holding `needle` after the one holding `anchor` (the kernel's own lines hold the same text). */
function lineAfter(rev: string, file: string, anchor: string, needle: string): number {
  const from = lineOf(repo, rev, file, anchor);
  const lines = git(repo, 'show', `${rev}:${file}`).split('\n');
  const i = lines.findIndex((l, k) => k >= from && l.includes(needle));
  if (i < 0) throw new Error(`${needle} not after ${anchor} in ${rev}:${file}`);
  return i + 1;
}

/** Merge `branch` into the checked-out branch; `edit` changes the work tree before the merge is committed (an evil merge, a resolution). */
function merge(branch: string, edit?: () => void): string {
  try {
    git(repo, 'merge', '-q', '--no-ff', '--no-commit', branch);
  } catch {
    // A conflict: `edit` resolves it.
  }
  edit?.();
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '--no-edit', '-m', `Merge branch '${branch}'`);
  return git(repo, 'rev-parse', 'HEAD').trim();
}

function append(file: string, text: string): void {
  writeFileSync(join(repo, file), readFileSync(join(repo, file), 'utf8') + text);
}

async function review(range: string, format = 'json'): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(['git', range, '--repo', repo, '--format', format, '--cache-dir', cache]);
}

let clean = '';
let evil = '';
let resolved = '';
let harmless = '';
let shared = '';
let clash = '';

beforeAll(async () => {
  await copyKernelFiles(kernelTree('6.1'), base);
  initRepo(base, repo);
  // (a) a topic branch merged as git merges it.
  git(repo, 'checkout', '-q', '-b', 'topic', 'base');
  commitAppend(repo, MAIN, CLEAN, 'KVM: demo: update memslots under kvm->lock');
  git(repo, 'checkout', '-q', '-b', 'next', 'base');
  commitAppend(repo, EVENTFD, '/* eventfd: a comment */\n', 'KVM: eventfd: add a comment');
  clean = merge('topic');
  // (b) an evil merge: it adds a function no parent has, which takes kvm->lock inside kvm->srcu.
  git(repo, 'checkout', '-q', '-b', 'xen', 'base');
  commitAppend(repo, IRQCHIP, '/* xen: a comment */\n', 'KVM: xen: add a comment');
  git(repo, 'checkout', '-q', 'next');
  evil = merge('xen', () => append(MAIN, srcuInversion('demo_evtchn_reset', 'lock')));
  // (c) a conflict resolved by hand: both sides append to kvm_main.c; the resolution keeps both and adds the inversion.
  git(repo, 'checkout', '-q', '-b', 'side', 'base');
  commitAppend(repo, MAIN, '\n/* side: a comment */\n', 'KVM: side: add a comment');
  git(repo, 'checkout', '-q', 'next');
  commitAppend(repo, MAIN, '\n/* next: a comment */\n', 'KVM: next: add a comment');
  resolved = merge('side', () => {
    const text = readFileSync(join(repo, MAIN), 'utf8').replace(/^(<<<<<<<|=======|>>>>>>>).*\n/gm, '');
    writeFileSync(join(repo, MAIN), text + srcuInversion('demo_irqfd_flush', 'slots_lock'));
  });
  // (d) a conflict resolved by hand that adds no bug: both sides append to eventfd.c, the resolution keeps both and adds a function in the documented order.
  git(repo, 'checkout', '-q', '-b', 'quiet', 'base');
  commitAppend(repo, EVENTFD, '\n/* quiet: a comment */\n', 'KVM: quiet: add a comment');
  git(repo, 'checkout', '-q', 'next');
  commitAppend(repo, EVENTFD, '\n/* next: another comment */\n', 'KVM: next: add another comment');
  harmless = merge('quiet', () => {
    const text = readFileSync(join(repo, EVENTFD), 'utf8').replace(/^(<<<<<<<|=======|>>>>>>>).*\n/gm, '');
    writeFileSync(join(repo, EVENTFD), text + CLEAN.replace('demo_memslots_update', 'demo_irqfd_resync'));
  });
  // (e) a conflict on one line both sides change: the second side's commit cannot apply on the first's, so the state before the merge is not what it resolves.
  commitAppend(repo, MAIN, '\n/* shared: a comment */\n', 'KVM: shared: add a comment');
  shared = git(repo, 'rev-parse', 'HEAD').trim();
  git(repo, 'checkout', '-q', '-b', 'clash', shared);
  writeFileSync(join(repo, MAIN), readFileSync(join(repo, MAIN), 'utf8').replace('/* shared: a comment */', '/* shared: clash */'));
  git(repo, 'commit', '-q', '-a', '-m', 'KVM: clash: reword the comment');
  git(repo, 'checkout', '-q', 'next');
  writeFileSync(join(repo, MAIN), readFileSync(join(repo, MAIN), 'utf8').replace('/* shared: a comment */', '/* shared: next */'));
  git(repo, 'commit', '-q', '-a', '-m', 'KVM: next: reword the comment');
  clash = merge('clash', () => {
    const text = readFileSync(join(repo, MAIN), 'utf8').replace(/^<<<<<<<[^]*?>>>>>>>.*\n/m, '/* shared: both */\n');
    writeFileSync(join(repo, MAIN), text + srcuInversion('demo_irqfd_clash', 'slots_lock'));
  });
}, 300_000);

describe('kvm-review git on a range with merges', () => {
  it('a topic branch merged as git merges it: the merge has nothing of its own to review, said in its slot and a note; its commits are reviewed', async () => {
    const cli = await review(`base..${clean}`);
    expect(cli.code).toBe(0);
    const r = JSON.parse(cli.stdout) as ReviewResult;
    const slot = r.patches.find((p) => p.subject.includes("Merge branch 'topic'"));
    expect(slot).toMatchObject({ status: 'skipped' });
    expect(slot?.reason).toMatch(/no change of its own: its result is git's automatic merge of its parents.*the commits it merges are reviewed in their own slots/);
    expect(r.patches.filter((p) => p.status === 'reviewed')).toHaveLength(2);
    expect(r.notes.join('\n')).toMatch(/1 merge in base\.\.[0-9a-f]+ with no change of its own beyond git's automatic merge: nothing of it to review/);
    expect(r.notes.join('\n')).not.toMatch(/NOT reviewed/);
  }, 900_000);

  it('an evil merge: its own change is reviewed in its slot, and the kvm->lock it takes inside kvm->srcu is found on the line it adds', async () => {
    const cli = await review(`${clean}..${evil}`);
    expect(cli.code).toBe(1);
    const r = JSON.parse(cli.stdout) as ReviewResult;
    const slot = r.patches.find((p) => p.subject.includes("Merge branch 'xen'"));
    expect(slot?.status).toBe('reviewed');
    // Only what the merge adds beyond git's merge: not xen's comment, which its own commit carries.
    expect(slot?.files.map((f) => f.path)).toEqual([MAIN]);
    const line = lineAfter(evil, MAIN, 'demo_evtchn_reset', 'mutex_lock(&kvm->lock);');
    const errors = slot?.findings.filter((f) => f.severity === 'error') ?? [];
    expect(errors.map((f) => [f.file, f.line, f.placement, f.inner])).toContainEqual([MAIN, line, 'added', 'kvm->lock']);
    expect(r.notes.join('\n')).toMatch(new RegExp(`merge ${evil.slice(0, 12)} \\(patch \\d, ${MAIN}\\): what it changes beyond git's automatic merge .* is reviewed as that patch`));
    const text = await review(`${clean}..${evil}`, 'text');
    expect(text.stdout).toContain(`at ${MAIN}:${line} (added line)`);
  }, 900_000);

  it('a conflict resolved by hand (which adds an inversion): reviewed as its content diffed against the commits before it, the kvm->slots_lock it takes inside kvm->srcu found on the line it adds', async () => {
    const cli = await review(`${evil}..${resolved}`);
    expect(cli.code).toBe(1);
    const r = JSON.parse(cli.stdout) as ReviewResult;
    const slot = r.patches.find((p) => p.subject.includes("Merge branch 'side'"));
    expect(slot?.status).toBe('reviewed');
    expect(slot?.files.map((f) => f.path)).toEqual([MAIN]);
    const line = lineAfter(resolved, MAIN, 'demo_irqfd_flush', 'mutex_lock(&kvm->slots_lock);');
    const errors = slot?.findings.filter((f) => f.severity === 'error') ?? [];
    expect(errors.map((f) => [f.file, f.line, f.placement, f.inner])).toEqual([[MAIN, line, 'added', 'kvm->slots_lock']]);
    // Its diff is to the content at the merge: what it adds are lines of that file there.
    const atMerge = git(repo, 'show', `${resolved}:${MAIN}`).split('\n');
    for (const h of slot?.files[0]?.hunks ?? []) for (const l of h.lines) if (l.type === 'add') expect(atMerge[(l.newLine ?? 0) - 1]).toBe(l.content);
    // The commits of both sides have their own slots, reviewed without a finding.
    expect(r.patches.filter((p) => p.status === 'reviewed')).toHaveLength(3);
    expect(r.patches.filter((p) => p !== slot).flatMap((p) => p.findings)).toEqual([]);
    expect(r.notes.join('\n')).toMatch(new RegExp(`patch 3, the conflict resolution of merge ${resolved.slice(0, 12)}: reviewed as the change from the state of the patches before it to its content of ${MAIN}`));
    expect(r.notes.join('\n')).not.toMatch(/NOT reviewed/);
    const text = await review(`${evil}..${resolved}`, 'text');
    expect(text.stdout).toContain(`at ${MAIN}:${line} (added line)`);
  }, 900_000);

  it('a conflict resolved by hand that adds no bug: reviewed, no finding', async () => {
    const cli = await review(`${resolved}..${harmless}`);
    expect(cli.code).toBe(0);
    const r = JSON.parse(cli.stdout) as ReviewResult;
    const slot = r.patches.find((p) => p.subject.includes("Merge branch 'quiet'"));
    expect(slot?.status).toBe('reviewed');
    expect(slot?.files.map((f) => f.path)).toEqual([EVENTFD]);
    // The function it adds is in its diff, on its lines at the merge.
    const added = slot?.files[0]?.hunks.flatMap((h) => h.lines.filter((l) => l.type === 'add')) ?? [];
    expect(added.find((l) => l.content.includes('demo_irqfd_resync'))?.newLine).toBe(lineOf(repo, harmless, EVENTFD, 'demo_irqfd_resync'));
    expect(r.patches.flatMap((p) => p.findings)).toEqual([]);
    expect(r.notes.join('\n')).not.toMatch(/NOT reviewed/);
  }, 900_000);

  it('a conflict resolved by hand where a commit it resolves did not apply on the state before it: NOT reviewed, with why, the run reviewed in part', async () => {
    const cli = await review(`${shared}..${clash}`);
    const r = JSON.parse(cli.stdout) as ReviewResult;
    const slot = r.patches.find((p) => p.subject.includes("Merge branch 'clash'"));
    const other = r.patches.find((p) => p.subject.includes('KVM: clash: reword the comment'));
    expect(other?.status).toBe('not-applied');
    expect(slot?.status).toBe('failed');
    expect(slot?.reason).toBe(
      `the conflict resolution of merge ${clash.slice(0, 12)} is NOT reviewed: patch ${other?.index}, whose change it holds, did not apply whole to ${MAIN} on the series before it, so the state before it is not what the content is built on; read it with git show --remerge-diff ${clash.slice(0, 12)}`,
    );
    expect(slot?.findings).toEqual([]);
    expect(r.notes.join('\n')).toMatch(new RegExp(`NOT reviewed: patch 3, the conflict resolution of merge ${clash.slice(0, 12)}; the series is reviewed only in part`));
    const text = await review(`${shared}..${clash}`, 'text');
    expect(text.stdout).toMatch(/in 3 patches, 2 not reviewed/);
  }, 900_000);

  it('a merge git cannot recreate (three parents) that changes a file itself: NOT reviewed, said in every format; the range reviewed in part', async () => {
    git(repo, 'checkout', '-q', '-b', 'oct', 'base');
    commitAppend(repo, IRQCHIP, '/* oct: a comment */\n', 'KVM: oct: add a comment');
    // The tree of `next` plus an inversion no parent has (and oct's comment), with three parents; the work tree is put back.
    git(repo, 'checkout', '-q', 'next');
    append(IRQCHIP, '/* oct: a comment */\n');
    append(MAIN, srcuInversion('demo_octopus', 'lock'));
    git(repo, 'add', '-A');
    const tree = git(repo, 'write-tree').trim();
    git(repo, 'reset', '-q');
    git(repo, 'checkout', '-q', '--', '.');
    const octopus = git(repo, 'commit-tree', '-p', 'next', '-p', 'topic', '-p', 'oct', '-m', 'Merge branches topic and oct', tree).trim();
    const range = `next..${octopus}`;
    const json = await review(range);
    const r = JSON.parse(json.stdout) as ReviewResult;
    expect(r.patches.map((p) => p.status)).toEqual(['reviewed', 'failed']);
    expect(r.patches[1]?.reason).toMatch(/whose own change is NOT reviewed: git cannot recreate the automatic merge of a merge of 3 parents/);
    expect(r.notes.join('\n')).toMatch(/NOT reviewed: what merge [0-9a-f]{12} \(patch 2\) changes beyond git's automatic merge; .* is reviewed only in part/);
    // The exit codes' table: 0 when what was reviewed has no error (the text, markdown and SARIF below say the rest was not).
    expect(json.code).toBe(0);
    const text = await review(range, 'text');
    expect(text.stdout).toMatch(/failed: a merge .* whose own change is NOT reviewed/);
    expect(text.stdout).toMatch(/note: NOT reviewed: what merge/);
    expect(text.stdout).toMatch(/in 2 patches, 1 not reviewed/);
    const markdown = await review(range, 'markdown');
    expect(markdown.stdout).toMatch(/\*failed: a merge .* whose own change is NOT reviewed/);
    const sarif = JSON.parse((await review(range, 'sarif')).stdout) as { runs: { invocations: { toolExecutionNotifications: { level: string; message: { text: string } }[] }[] }[] };
    expect(sarif.runs[0]?.invocations[0]?.toolExecutionNotifications).toContainEqual(
      expect.objectContaining({ level: 'error', message: { text: expect.stringMatching(/patch 2 failed: a merge .* whose own change is NOT reviewed/) } }),
    );
    // The merge alone: nothing reviewed, exit 2.
    const alone = await review(`${octopus}^!`);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('no patch could be reviewed');
  }, 900_000);
});
