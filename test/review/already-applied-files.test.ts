/**
 * Whole-file changes the tree already has, as `git apply -R --check` finds them: a file the patch
 * creates that is there with its content, a file it deletes that is gone, a rename that is done. And
 * what is not: a file created over one with other content (an error naming the file), a deletion
 * whose lines are not the file's (the file stays), a patch that only changes a mode (skipped, said).
 * The patches are `git format-patch` of commits made here on files of the 6.12 tree.
 */
import { describe, expect, it } from '@jest/globals';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { applyFiles } from '../../analyzers/review/apply.js';
import { review } from '../../analyzers/review/review.js';
import { parseSection } from '../../analyzers/series/diff-parse.js';
import type { FileDiff } from '../../analyzers/series/diff-model.js';
import { scanDiff } from '../../analyzers/series/diff-sections.js';
import { DirectoryTree } from '../../analyzers/trees/directory-tree.js';
import { OverlayTree } from '../../analyzers/trees/overlay-tree.js';
import { kernelTree, lineOf } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { git, gitApplies } from '../helpers/git-apply.js';

const dir = mkdtempSync(join(tmpdir(), 'kvm-review-already-files-'));
const cache = { dir: join(dir, 'cache') };

const NEW = 'virt/kvm/pfncache.c';
const GONE = 'virt/kvm/irqchip.c';
const FROM = 'virt/kvm/coalesced_mmio.c';
const TO = 'virt/kvm/coalesced.c';
const MODE = 'virt/kvm/dirty_ring.c';

/**
 * virt/kvm of 6.12 (without pfncache.c), the headers it includes and locking.rst, committed; then four
 * commits, each a patch of the series: pfncache.c added, irqchip.c deleted, coalesced_mmio.c renamed with
 * a comment added, dirty_ring.c made executable. The repository is left at the last.
 */
function repoWithSeries(): { repo: string; base: string; patches: string[]; mbox: string } {
  const source = kernelTree('6.12');
  const repo = mkdtempSync(join(tmpdir(), 'kvm-review-already-files-repo-'));
  for (const p of ['virt/kvm', 'include/linux/kvm_host.h', 'include/linux/kvm_types.h', 'Documentation/virt/kvm/locking.rst']) {
    mkdirSync(dirname(join(repo, p)), { recursive: true });
    cpSync(join(source, p), join(repo, p), { recursive: true });
  }
  rmSync(join(repo, NEW));
  git(repo, ['init', '-q']);
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-q', '-m', 'base']);
  const base = git(repo, ['rev-parse', 'HEAD']).trim();
  cpSync(join(source, NEW), join(repo, NEW));
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-q', '-m', 'KVM: add the gfn-to-pfn cache']);
  git(repo, ['rm', '-q', GONE]);
  git(repo, ['commit', '-q', '-m', 'KVM: drop irqchip.c']);
  git(repo, ['mv', FROM, TO]);
  const at = lineOf(repo, TO, 'spin_lock(&dev->kvm->ring_lock);');
  const lines = readFileSync(join(repo, TO), 'utf8').split('\n');
  lines.splice(at - 1, 0, '\t/* ring_lock: see locking.rst. */');
  writeFileSync(join(repo, TO), lines.join('\n'));
  git(repo, ['commit', '-q', '-am', 'KVM: rename coalesced_mmio.c']);
  chmodSync(join(repo, MODE), 0o755);
  git(repo, ['commit', '-q', '-am', 'KVM: make dirty_ring.c executable']);
  const out = join(dir, 'patches');
  const patches = git(repo, ['format-patch', '-o', out, `${base}..HEAD`])
    .trim()
    .split('\n')
    .map((p) => (p.startsWith('/') ? p : join(repo, p)));
  const mbox = join(dir, 'series.mbx');
  writeFileSync(mbox, patches.map((p) => readFileSync(p, 'utf8')).join('\n'));
  return { repo, base, patches, mbox };
}

/** The file diffs of a `git format-patch` mail. */
function diffsOf(patch: string): FileDiff[] {
  const scan = scanDiff(readFileSync(patch, 'utf8'));
  return scan.sections.map((s) => {
    const f = parseSection(scan.lines, s);
    if ('message' in f) throw new Error(`${patch}: ${f.message}`);
    return f;
  });
}

describe('whole-file changes the tree already has', () => {
  const { repo, base, patches, mbox } = repoWithSeries();
  const [create, remove, rename] = patches as [string, string, string, string];

  it('git agrees: each patch of the series reverse-applies to the tree and does not apply forward', () => {
    for (const p of [create, remove, rename]) {
      expect([p, gitApplies(repo, ['--check'], p)]).toEqual([p, false]);
      expect([p, gitApplies(repo, ['-R', '--check'], p)]).toEqual([p, true]);
    }
  });

  it('a created file with its content, a deleted file gone, a rename done: each already applied, saying so in words', async () => {
    const r = await review({ input: mbox, tree: repo, cache });
    const [p1, p2, p3, p4] = r.patches;
    expect(p1).toMatchObject({ status: 'not-applied', alreadyApplied: true, reason: `already in the tree: ${NEW} is there with the content it creates` });
    expect(p1?.applyFailures).toEqual([{ file: NEW, hunk: null, reason: `the tree has ${NEW}, with the content the patch creates`, alreadyApplied: { line: 1 } }]);
    expect(p2).toMatchObject({ status: 'not-applied', alreadyApplied: true, reason: `already in the tree: ${GONE}, which it deletes, is not there` });
    expect(p2?.applyFailures).toEqual([{ file: GONE, hunk: null, reason: `the tree does not have ${GONE}, which the patch deletes`, alreadyApplied: { line: null } }]);
    expect(p3).toMatchObject({ status: 'not-applied', alreadyApplied: true, reason: `already in the tree: ${FROM} is renamed to ${TO} there` });
    // Where the renamed file's hunk has its new side: the comment the patch adds, less the context before it.
    const hunk = p3?.files[0]?.hunks[0];
    const line = lineOf(repo, TO, 'ring_lock: see locking.rst') - (hunk?.lines.findIndex((l) => l.type === 'add') ?? 0);
    expect(p3?.applyFailures).toEqual([{ file: TO, hunk: null, reason: `the tree has ${TO}, not ${FROM}, and the renamed file's hunk applied`, alreadyApplied: { line } }]);
    expect(p4).toMatchObject({ status: 'skipped', reason: `only mode changes (${MODE} 100644 -> 100755): nothing to review` });
    expect(r.notes[0]).toBe('the series is already in the tree: all 3 of its patches are applied there; nothing was reviewed');
  });

  it('mbox text output: already applied, per file, and the run is no pass (exit 2)', async () => {
    const out = await runCli(['mbox', mbox, '--tree', repo, '--cache-dir', cache.dir]);
    expect(out.stdout).toContain(`  not reviewed: already in the tree: ${NEW} is there with the content it creates\n  already applied: ${NEW}: the tree has ${NEW}, with the content the patch creates\n`);
    expect(out.stdout).toContain(`  not reviewed: already in the tree: ${GONE}, which it deletes, is not there\n  already applied: ${GONE}: the tree does not have ${GONE}, which the patch deletes\n`);
    expect(out.stdout).toContain(`  not reviewed: already in the tree: ${FROM} is renamed to ${TO} there\n`);
    expect(out.stdout).toContain(`  skipped: only mode changes (${MODE} 100644 -> 100755): nothing to review\n`);
    expect(out.stdout).toContain('note: the series is already in the tree: all 3 of its patches are applied there; nothing was reviewed');
    expect(out.stdout).not.toMatch(/did not apply|no lock-order findings/);
    expect(out.code).toBe(2);
  });

  it('sarif: a deleted file already applied is a note without a location (the file is not there to point at)', async () => {
    const sarif = JSON.parse((await runCli(['mbox', mbox, '--tree', repo, '--cache-dir', cache.dir, '--format', 'sarif'])).stdout);
    const notes = sarif.runs[0].invocations[0].toolExecutionNotifications as { level: string; message: { text: string }; locations?: unknown[] }[];
    const gone = notes.find((n) => n.message.text.includes(`already applied: ${GONE}`));
    expect(gone).toMatchObject({ level: 'note' });
    expect(gone?.locations).toBeUndefined();
    const created = notes.find((n) => n.message.text.includes(`already applied: ${NEW}`));
    expect(created?.locations).toMatchObject([{ physicalLocation: { artifactLocation: { uri: NEW }, region: { startLine: 1 } } }]);
  });

  it('on the tree before the series, every patch applies and is reviewed (the mode change still skipped)', async () => {
    git(repo, ['checkout', '-q', base]);
    try {
      const r = await review({ input: mbox, tree: repo, cache });
      expect(r.patches.map((p) => [p.status, p.applyFailures.length])).toEqual([
        ['reviewed', 0],
        ['reviewed', 0],
        ['reviewed', 0],
        ['skipped', 0],
      ]);
    } finally {
      git(repo, ['checkout', '-q', '-']);
    }
  });

  it('a file created over one the tree has with other content: an error naming the file, not already applied', async () => {
    const file = join(repo, NEW);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('\n', '\n/* changed here */\n'));
    try {
      expect(gitApplies(repo, ['-R', '--check'], create)).toBe(false);
      const r = await review({ input: create, tree: repo, cache });
      const p = r.patches[0];
      expect(p?.status).toBe('not-applied');
      expect(p?.alreadyApplied).toBeUndefined();
      expect(p?.applyFailures).toEqual([{ file: NEW, hunk: null, reason: `${NEW} already exists in the tree with other content: not created, left as it is` }]);
      const out = await runCli(['mbox', create, '--tree', repo, '--cache-dir', cache.dir]);
      expect(out.stdout).toContain(`[PATCH 1/4] KVM: add the gfn-to-pfn cache\n  not reviewed: no hunk of ${NEW} applies to the tree\n  did not apply: ${NEW}: ${NEW} already exists in the tree with other content: not created, left as it is\n`);
      expect(out.code).toBe(2);
    } finally {
      writeFileSync(file, text);
    }
  });

  it('a rename whose target has other content: an error naming it, not already applied', async () => {
    const file = join(repo, TO);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('ring_lock: see locking.rst', 'another comment'));
    try {
      expect(gitApplies(repo, ['-R', '--check'], rename)).toBe(false);
      const p = (await review({ input: rename, tree: repo, cache })).patches[0];
      expect(p?.alreadyApplied).toBeUndefined();
      expect(p?.applyFailures.map((a) => a.reason)).toEqual([`${TO} already exists in the tree with other content: not renamed onto, left as it is`]);
    } finally {
      writeFileSync(file, text);
    }
  });

  it('a deletion whose lines are not the file\'s: reported, and the file is not deleted', async () => {
    git(repo, ['checkout', '-q', base]);
    const file = join(repo, GONE);
    const text = readFileSync(file, 'utf8');
    const cases = [
      // A line it removes changed: the hunk is refused.
      { text: text.replace('#include', '#include /* changed */'), reason: 'a line the hunk removes is not in the file' },
      // A line added since: jsdiff's fuzz places the hunk, but the deletion would leave that line behind.
      { text: text.replace('\n', '\n/* added since */\n'), reason: `the deletion leaves lines in ${GONE}: not deleted` },
    ];
    try {
      for (const c of cases) {
        writeFileSync(file, c.text);
        expect(gitApplies(repo, ['--check'], remove)).toBe(false);
        const overlay = new OverlayTree(new DirectoryTree(repo));
        const failures = await applyFiles(overlay, diffsOf(remove));
        expect(failures.map((f) => [f.file, f.reason, f.alreadyApplied])).toEqual([[GONE, c.reason, undefined]]);
        expect(await overlay.readText(GONE)).toBe(c.text);
      }
    } finally {
      writeFileSync(file, text);
      git(repo, ['checkout', '-q', '-']);
    }
  });

  it('a patch that creates a file the tree has and changes another: reviewed, the file counted as already applied', async () => {
    const branch = git(repo, ['rev-parse', '--abbrev-ref', 'HEAD']).trim();
    git(repo, ['checkout', '-q', '-b', 'both', base]);
    try {
      cpSync(join(kernelTree('6.12'), NEW), join(repo, NEW));
      const file = join(repo, 'virt/kvm/kvm_main.c');
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.splice(lineOf(repo, 'virt/kvm/kvm_main.c', 'mutex_lock(&kvm->slots_lock);'), 0, '\t/* slots_lock: see locking.rst. */');
      writeFileSync(file, lines.join('\n'));
      git(repo, ['add', '-A']);
      git(repo, ['commit', '-q', '-m', 'KVM: add the gfn-to-pfn cache and a comment']);
      const both = join(dir, 'both.patch');
      writeFileSync(both, git(repo, ['format-patch', '--stdout', '-1']));
      git(repo, ['checkout', '-q', branch]);
      const p = (await review({ input: both, tree: repo, cache })).patches[0];
      expect(p).toMatchObject({ status: 'reviewed', partial: true, reason: '1 file already applied; the rest was reviewed' });
      expect(p?.applyFailures.map((a) => [a.file, a.hunk, Boolean(a.alreadyApplied)])).toEqual([[NEW, null, true]]);
    } finally {
      git(repo, ['checkout', '-q', branch]);
    }
  });

  it('a rename the tree has not made, the old file gone and the new one absent: the old file does not exist', async () => {
    renameSync(join(repo, TO), join(dir, 'coalesced.c'));
    try {
      const failures = await applyFiles(new OverlayTree(new DirectoryTree(repo)), diffsOf(rename));
      expect(failures.map((f) => [f.reason, f.alreadyApplied])).toEqual([[`${FROM} does not exist in the tree`, undefined]]);
    } finally {
      renameSync(join(dir, 'coalesced.c'), join(repo, TO));
    }
  });
});
