/**
 * A patch the tree already has (a backport, a series merged since it was posted) or that no hunk of
 * lands: not reviewed, said in every format, and not a pass. The real case is Paolo's 2022 fix for the
 * KVM_XEN_EVTCHN_RESET deadlock, which Debian's 6.1 stable tree carries; the rest is a git repository
 * built here, with the patch applied by git before the review reads it.
 */
import { describe, expect, it } from '@jest/globals';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { review } from '../../analyzers/review/review.js';
import type { Hunk } from '../../analyzers/series/diff-model.js';
import { formatPatchMail } from '../helpers/format-patch.js';
import { kernelTree, lineOf, SHARED } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { git, gitApplies } from '../helpers/git-apply.js';

const XEN_MBOX = join(SHARED, 'corpus', 'lore', 'kvm', 'xen-evtchn-reset-deadlock.mbx');
const XEN = 'arch/x86/kvm/xen.c';
const dir = mkdtempSync(join(tmpdir(), 'kvm-review-already-'));
const cache = { dir: join(dir, 'cache') };

/** The tree's lines from `line` (1-based) on, as many as the hunk's new side, and that new side. */
function newSide(tree: string, file: string, line: number, h: Hunk): { tree: string[]; hunk: string[] } {
  const now = h.lines.filter((l) => l.type !== 'del').map((l) => l.content);
  return { tree: readFileSync(join(tree, file), 'utf8').split('\n').slice(line - 1, line - 1 + now.length), hunk: now };
}

describe('a patch the 6.1 stable tree already has (the KVM_XEN_EVTCHN_RESET deadlock fix)', () => {
  const tree = kernelTree('6.1');

  it('is not reviewed: its xen.c hunk is already applied, found where the tree has its new side', async () => {
    const r = await review({ input: XEN_MBOX, tree, cache });
    const p = r.patches[0];
    expect(p?.status).toBe('not-applied');
    expect(p?.alreadyApplied).toBe(true);
    expect(p?.reason).toBe(`already in the tree: its hunk to ${XEN} is applied there`);
    expect(p?.partial).toBeUndefined();
    const xen = p?.applyFailures.find((a) => a.file === XEN);
    const line = xen?.alreadyApplied?.line ?? 0;
    expect(xen?.reason).toBe(`the tree has this change (its new side is at ${XEN}:${line})`);
    // The fix's new side is what the tree has there, and it holds the function the fix reworked.
    const hunk = p?.files.find((f) => f.path === XEN)?.hunks[0] as Hunk;
    const side = newSide(tree, XEN, line, hunk);
    expect(side.tree).toEqual(side.hunk);
    const reset = lineOf(tree, XEN, 'static int kvm_xen_eventfd_reset(struct kvm *kvm)');
    expect(reset).toBeGreaterThanOrEqual(line);
    expect(reset).toBeLessThan(line + side.hunk.length);
    // The selftest is not in Debian's source package: a plain failure, not "already applied".
    expect(p?.applyFailures.filter((a) => !a.alreadyApplied).map((a) => a.reason)).toEqual([expect.stringMatching(/does not exist in the tree$/)]);
    expect(r.notes[0]).toBe('the patch is already in the tree: nothing was reviewed');
    expect(p?.findings).toEqual([]);
  });

  it('text: says not reviewed and already applied, never "the rest was reviewed" or "no lock-order findings"; exit 2', async () => {
    const out = await runCli(['mbox', XEN_MBOX, '--tree', tree, '--cache-dir', cache.dir]);
    expect(out.stdout).toContain(`  not reviewed: already in the tree: its hunk to ${XEN} is applied there\n`);
    expect(out.stdout).toMatch(new RegExp(`\\n  already applied: ${XEN} @@ [^\\n]*: the tree has this change \\(its new side is at ${XEN}:\\d+\\)\\n`));
    expect(out.stdout).toContain('note: the patch is already in the tree: nothing was reviewed');
    expect(out.stdout).not.toMatch(/the rest was reviewed|no lock-order findings|partial:/);
    expect(out.stdout).toMatch(/0 errors, 0 warnings, 0 info in 1 patch, 1 not reviewed\n$/);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('no patch could be reviewed');
  });

  it('json, markdown and sarif say it too', async () => {
    const json = JSON.parse((await runCli(['mbox', XEN_MBOX, '--tree', tree, '--cache-dir', cache.dir, '--format', 'json'])).stdout);
    expect(json.patches[0]).toMatchObject({ status: 'not-applied', alreadyApplied: true });
    expect(json.patches[0].applyFailures[0]).toMatchObject({ file: XEN, alreadyApplied: { line: expect.any(Number) } });
    const md = (await runCli(['mbox', XEN_MBOX, '--tree', tree, '--cache-dir', cache.dir, '--format', 'markdown'])).stdout;
    expect(md).toContain(`*not reviewed: already in the tree: its hunk to ${XEN} is applied there*`);
    expect(md).toMatch(/- Already applied: `arch\/x86\/kvm\/xen\.c @@[^`]*`: the tree has this change/);
    expect(md).not.toContain('No lock-order findings');
    const sarif = JSON.parse((await runCli(['mbox', XEN_MBOX, '--tree', tree, '--cache-dir', cache.dir, '--format', 'sarif'])).stdout);
    const inv = sarif.runs[0].invocations[0];
    expect(inv.executionSuccessful).toBe(false);
    const texts = inv.toolExecutionNotifications.map((n: { message: { text: string } }) => n.message.text);
    expect(texts).toContain(`patch 1 not reviewed: already in the tree: its hunk to ${XEN} is applied there`);
    const applied = inv.toolExecutionNotifications.find((n: { message: { text: string } }) => n.message.text.includes('already applied'));
    expect(applied.locations[0].physicalLocation).toMatchObject({ artifactLocation: { uri: XEN }, region: { startLine: json.patches[0].applyFailures[0].alreadyApplied.line } });
  });
});

/**
 * A small kernel tree as a git repository: virt/kvm, the kvm headers it includes and locking.rst of
 * 6.12, and two patches made against it, each adding a comment under a line found by content.
 */
function repoWithSeries(): { repo: string; mails: string[]; comments: string[] } {
  const source = kernelTree('6.12');
  const repo = mkdtempSync(join(tmpdir(), 'kvm-review-already-repo-'));
  for (const p of ['virt/kvm', 'include/linux/kvm_host.h', 'include/linux/kvm_types.h', 'Documentation/virt/kvm/locking.rst']) {
    mkdirSync(dirname(join(repo, p)), { recursive: true });
    cpSync(join(source, p), join(repo, p), { recursive: true });
  }
  git(repo, ['init', '-q']);
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-q', '-m', 'base']);
  const edits = [
    { file: 'virt/kvm/eventfd.c', at: 'mutex_lock(&kvm->irqfds.resampler_lock);', comment: '\t/* resampler_lock nests inside kvm->irqfds.lock here. */' },
    { file: 'virt/kvm/kvm_main.c', at: 'mutex_lock(&kvm->slots_lock);', comment: '\t/* slots_lock: see locking.rst. */' },
  ];
  const mails = edits.map((e, i) => {
    const before = readFileSync(join(repo, e.file), 'utf8');
    const lines = before.split('\n');
    lines.splice(lineOf(repo, e.file, e.at), 0, e.comment);
    const mail = formatPatchMail({ file: e.file, before, after: lines.join('\n'), subject: `[PATCH ${i + 1}/2] KVM: comment ${e.file}`, messageId: `already-${i + 1}@example.org`, body: 'A comment.' });
    const path = join(repo, '..', `${repo.split('/').pop()}-${i + 1}.patch`);
    writeFileSync(path, mail);
    return path;
  });
  return { repo, mails, comments: edits.map((e) => e.comment) };
}

describe('a series reviewed against a git tree after git applied part or all of it', () => {
  const { repo, mails, comments } = repoWithSeries();
  const series = join(dir, 'series.mbx');
  writeFileSync(series, mails.map((m) => readFileSync(m, 'utf8')).join('\n'));

  it('patch 1 applied by git: reverse-applies (git apply -R --check) and is already applied; patch 2 is reviewed', async () => {
    git(repo, ['apply', mails[0] as string]);
    git(repo, ['commit', '-q', '-am', 'patch 1']);
    expect(gitApplies(repo, ['--check'], mails[0] as string)).toBe(false);
    expect(gitApplies(repo, ['-R', '--check'], mails[0] as string)).toBe(true);
    const r = await review({ input: series, tree: repo, cache });
    const [p1, p2] = r.patches;
    expect(p1?.status).toBe('not-applied');
    expect(p1?.alreadyApplied).toBe(true);
    const hunk = p1?.files[0]?.hunks[0] as Hunk;
    const line = p1?.applyFailures[0]?.alreadyApplied?.line ?? 0;
    // Where git put the comment, less the context lines before it in the hunk.
    expect(line).toBe(lineOf(repo, 'virt/kvm/eventfd.c', comments[0] as string) - hunk.lines.findIndex((l) => l.type === 'add'));
    expect(p2?.status).toBe('reviewed');
    expect(p2?.applyFailures).toEqual([]);
    expect(r.notes.join('\n')).not.toMatch(/already in the tree/);
    const out = await runCli(['mbox', series, '--tree', repo, '--cache-dir', cache.dir]);
    expect(out.stdout).toMatch(/in 2 patches, 1 not reviewed\n$/);
    expect(out.code).toBe(0);
  });

  it('one patch of both changes, one of them applied: reviewed in part, the applied hunk counted apart', async () => {
    const [first, second] = mails.map((m) => readFileSync(m as string, 'utf8'));
    const diff2 = /^diff --git[\s\S]*?(?=^-- $)/m.exec(second ?? '')?.[0] ?? '';
    const both = join(dir, 'both.patch');
    writeFileSync(both, (first ?? '').replace(/^-- $/m, `${diff2}-- `).replace('[PATCH 1/2]', '[PATCH]'));
    const r = await review({ input: both, tree: repo, cache });
    const p = r.patches[0];
    expect(p?.status).toBe('reviewed');
    expect(p?.partial).toBe(true);
    expect(p?.reason).toBe('1 hunk already applied; the rest was reviewed');
    expect(p?.applyFailures.map((a) => [a.file, Boolean(a.alreadyApplied)])).toEqual([['virt/kvm/eventfd.c', true]]);
  });

  it('both applied: the series is already in the tree, and the run is no pass (exit 2)', async () => {
    git(repo, ['apply', mails[1] as string]);
    git(repo, ['commit', '-q', '-am', 'patch 2']);
    const r = await review({ input: series, tree: repo, cache });
    expect(r.patches.map((p) => [p.status, p.alreadyApplied])).toEqual([
      ['not-applied', true],
      ['not-applied', true],
    ]);
    expect(r.notes[0]).toBe('the series is already in the tree: all 2 of its patches are applied there; nothing was reviewed');
    const out = await runCli(['mbox', series, '--tree', repo, '--cache-dir', cache.dir]);
    expect(out.stdout).toMatch(/in 2 patches, 2 not reviewed\n$/);
    expect(out.code).toBe(2);
  });

  it('a patch none of whose hunks lands, and not because the tree has it, is not reviewed either', async () => {
    // Patch 2 against the tree before it, on top of a tree whose line under it git changed since.
    git(repo, ['revert', '--no-edit', 'HEAD']);
    const file = join(repo, 'virt/kvm/kvm_main.c');
    const at = lineOf(repo, 'virt/kvm/kvm_main.c', 'mutex_lock(&kvm->slots_lock);');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[at - 1] = `${lines[at - 1]} /* changed since */`;
    writeFileSync(file, lines.join('\n'));
    const r = await review({ input: mails[1] as string, tree: repo, cache });
    const p = r.patches[0];
    expect(p?.status).toBe('not-applied');
    expect(p?.alreadyApplied).toBeUndefined();
    expect(p?.reason).toBe('no hunk of virt/kvm/kvm_main.c applies to the tree');
    expect(p?.applyFailures.map((a) => a.alreadyApplied)).toEqual([undefined]);
    expect(r.notes.join('\n')).not.toMatch(/already in the tree/);
  });
});
