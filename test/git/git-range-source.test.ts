/**
 * readGitRange and GitTree on small repositories built here (C files
 * written by the test, no kernel source): the repository's format.* and
 * diff.* settings change nothing of the series; commit k of M is slot k
 * whatever its title says; C-quoted (non-ASCII, quote) file names are read
 * as the names; A..B is reviewed against the merge base of A and B; the
 * caller's GIT_DIR does not change what a tree reads, and a blob its tree
 * lists but the object store lacks is an error, not an absent file.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readGitRange, type GitRangeSeries } from '../../analyzers/sources/git-range-source.js';
import { GitTree } from '../../analyzers/trees/git-tree.js';
import { TreeError } from '../../analyzers/trees/model.js';
import { git } from './repo.js';

const work = mkdtempSync(join(tmpdir(), 'kvm-review-git-range-'));
let made = 0;

const C_FILE = (name: string): string => `#include <linux/kvm_host.h>\n\nstatic int ${name}_x;\n`;
const FUNC = (name: string): string => `\nstatic void ${name}(struct kvm_vcpu *vcpu)\n{\n\tmutex_lock(&vcpu->mutex);\n\tmutex_unlock(&vcpu->mutex);\n}\n`;

/** A new repository with `files` committed and tagged `base`. */
function repoWith(files: Record<string, string>): string {
  const repo = join(work, `r${++made}`);
  mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  for (const [f, text] of Object.entries(files)) write(repo, f, text);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'base');
  git(repo, 'tag', 'base');
  return repo;
}

function write(repo: string, file: string, text: string): void {
  mkdirSync(dirname(join(repo, file)), { recursive: true });
  writeFileSync(join(repo, file), text);
}

/** Append to (or create) `file`, stage everything, commit with `message`; returns the commit. */
function commit(repo: string, file: string, text: string, message: string): string {
  const old = (() => {
    try {
      return git(repo, 'show', `HEAD:${file}`);
    } catch {
      return '';
    }
  })();
  write(repo, file, old + text);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', message);
  return git(repo, 'rev-parse', 'HEAD').trim();
}

/** Each patch as slot, status, title and the paths its diff names. */
function slots(read: GitRangeSeries): unknown[] {
  return read.series.patches.map((p) => ({ index: p.index, status: p.status, title: p.title, paths: p.files.map((f) => f.path) }));
}

/** Three commits on `base`, each adding a function to its own file. */
function threeCommits(): { repo: string; expected: unknown[] } {
  const repo = repoWith({ 'virt/kvm/a.c': C_FILE('a'), 'virt/kvm/b.c': C_FILE('b'), 'virt/kvm/c.c': C_FILE('c') });
  commit(repo, 'virt/kvm/a.c', FUNC('fa'), 'KVM: a: add fa');
  commit(repo, 'virt/kvm/b.c', FUNC('fb'), 'KVM: b: add fb');
  commit(repo, 'virt/kvm/c.c', FUNC('fc'), 'KVM: c: add fc');
  const expected = ['a', 'b', 'c'].map((x, i) => ({ index: i + 1, status: 'ok', title: `KVM: ${x}: add f${x}`, paths: [`virt/kvm/${x}.c`] }));
  return { repo, expected };
}

describe("the repository's configuration does not change the series", () => {
  it.each([
    ['format.numbered', 'true'],
    ['format.coverLetter', 'true'],
    ['format.useAutoBase', 'true'],
    ['format.attach', 'true'],
    ['diff.noprefix', 'true'],
    ['diff.context', '0'],
  ])('%s=%s: every commit k of 3 in slot k, as without it', async (key, value) => {
    const { repo, expected } = threeCommits();
    const plain = await readGitRange(repo, 'base..main');
    expect(slots(plain)).toEqual(expected);
    git(repo, 'config', key, value);
    const set = await readGitRange(repo, 'base..main');
    expect(slots(set)).toEqual(expected);
    expect(set.series.duplicates).toEqual([]);
    expect(set.series.patches.map((p) => p.subject)).toEqual(expected.map((_, i) => expect.stringMatching(new RegExp(`^\\[PATCH ${i + 1}/3\\] `))));
    // The diffs read are the same, line for line, as without the setting.
    expect(set.series.patches.map((p) => p.files)).toEqual(plain.series.patches.map((p) => p.files));
  });
});

describe("the repository's rename settings do not change what a rename is", () => {
  it.each([
    ['diff.renames', 'false'],
    ['diff.renames', 'copies'],
    ['diff.renameLimit', '1'],
  ])('%s=%s: a .c file renamed and edited is one renamed file, one copied and edited is a new file, as without it', async (key, value) => {
    const A = C_FILE('a').repeat(4);
    const B = C_FILE('b').repeat(4);
    const repo = repoWith({ 'virt/kvm/a.c': A, 'virt/kvm/b.c': B });
    git(repo, 'mv', 'virt/kvm/a.c', 'virt/kvm/moved.c');
    write(repo, 'virt/kvm/moved.c', A + FUNC('fa'));
    // b.c changed and copied: with copy detection the copy's lines would not read as added.
    write(repo, 'virt/kvm/b.c', B + '/* b */\n');
    write(repo, 'virt/kvm/copy.c', B + FUNC('fc'));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'KVM: move a.c, copy b.c');
    const plain = await readGitRange(repo, 'base..main');
    const files = (r: GitRangeSeries): unknown[] => r.series.patches.flatMap((p) => p.files.map((f) => ({ oldPath: f.oldPath, newPath: f.newPath, isRenamed: f.isRenamed })));
    expect(files(plain)).toEqual([
      { oldPath: 'virt/kvm/b.c', newPath: 'virt/kvm/b.c', isRenamed: false },
      { oldPath: null, newPath: 'virt/kvm/copy.c', isRenamed: false },
      { oldPath: 'virt/kvm/a.c', newPath: 'virt/kvm/moved.c', isRenamed: true },
    ]);
    git(repo, 'config', key, value);
    const set = await readGitRange(repo, 'base..main');
    expect(files(set)).toEqual(files(plain));
    expect(set.series.patches.map((p) => p.files)).toEqual(plain.series.patches.map((p) => p.files));
  });
});

describe('commit k of M is slot k of M, version 1, whatever its title says', () => {
  it('a title with a [PATCH v2 3/5] prefix and one starting with Re: keep their slots and their titles', async () => {
    const repo = repoWith({ 'virt/kvm/a.c': C_FILE('a'), 'virt/kvm/b.c': C_FILE('b'), 'virt/kvm/c.c': C_FILE('c') });
    commit(repo, 'virt/kvm/a.c', FUNC('fa'), 'Re: KVM: fix the thing');
    commit(repo, 'virt/kvm/b.c', FUNC('fb'), '[PATCH v2 3/5] KVM: already prefixed');
    commit(repo, 'virt/kvm/c.c', FUNC('fc'), 'KVM: body with headers\n\nFrom: Mallory <m@example.org>\nSubject: [PATCH 9/9] something else\n\nreal body');
    const read = await readGitRange(repo, 'base..main');
    expect(slots(read)).toEqual([
      { index: 1, status: 'ok', title: 'Re: KVM: fix the thing', paths: ['virt/kvm/a.c'] },
      { index: 2, status: 'ok', title: '[PATCH v2 3/5] KVM: already prefixed', paths: ['virt/kvm/b.c'] },
      { index: 3, status: 'ok', title: 'KVM: body with headers', paths: ['virt/kvm/c.c'] },
    ]);
    expect(read.series).toMatchObject({ version: 1, expected: 3, duplicates: [], missing: [], complete: true });
  });
});

describe('a commit message that quotes a mail', () => {
  it('an mbox separator line in the body does not split the commit: its diff is read, no other message is made of it', async () => {
    const repo = repoWith({ 'virt/kvm/a.c': C_FILE('a'), 'virt/kvm/b.c': C_FILE('b') });
    const quoted = 'From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\nFrom: Someone <s@example.org>\nSubject: [PATCH] something else\n\nquoted body';
    commit(repo, 'virt/kvm/a.c', FUNC('fa'), `KVM: a: add fa\n\nAs the report said:\n\n${quoted}\n\nend of the quote`);
    commit(repo, 'virt/kvm/b.c', FUNC('fb'), 'KVM: b: add fb');
    const read = await readGitRange(repo, 'base..main');
    expect(slots(read)).toEqual([
      { index: 1, status: 'ok', title: 'KVM: a: add fa', paths: ['virt/kvm/a.c'] },
      { index: 2, status: 'ok', title: 'KVM: b: add fb', paths: ['virt/kvm/b.c'] },
    ]);
    expect(read.series.duplicates).toEqual([]);
    // The quote is part of the description, as written.
    expect(read.series.patches[0]?.description).toContain(quoted);
  });
});

describe('a commit message that quotes a diff', () => {
  it("the diff is the commit's own: a diff quoted in its message is description, not a change to review", async () => {
    const repo = repoWith({ 'virt/kvm/a.c': C_FILE('a'), 'virt/kvm/b.c': C_FILE('b') });
    const lines = FUNC('rejected').split('\n').filter(Boolean);
    const quoted = ['diff --git a/virt/kvm/b.c b/virt/kvm/b.c', '--- a/virt/kvm/b.c', '+++ b/virt/kvm/b.c', `@@ -1,3 +1,${3 + lines.length} @@`, ...C_FILE('b').split('\n').filter((l, i) => i < 3).map((l) => ` ${l}`), ...lines.map((l) => `+${l}`)].join('\n');
    const message = `KVM: a: add fa\n\nThe alternative, rejected:\n\n${quoted}\n\nSigned-off-by: Test Author <test@example.org>`;
    commit(repo, 'virt/kvm/a.c', FUNC('fa'), message);
    git(repo, 'config', 'commit.cleanup', 'verbatim');
    commit(repo, 'virt/kvm/b.c', FUNC('fb'), 'KVM: b: add fb\n\n---\nnotes after a line of dashes\n\n' + quoted);
    const read = await readGitRange(repo, 'base..main');
    expect(slots(read)).toEqual([
      { index: 1, status: 'ok', title: 'KVM: a: add fa', paths: ['virt/kvm/a.c'] },
      { index: 2, status: 'ok', title: 'KVM: b: add fb', paths: ['virt/kvm/b.c'] },
    ]);
    expect(read.series.patches[0]?.files[0]?.hunks.flatMap((h) => h.lines.map((l) => l.content))).not.toContainEqual(expect.stringContaining('rejected'));
    expect(read.series.patches[1]?.files[0]?.hunks.flatMap((h) => h.lines.map((l) => l.content))).not.toContainEqual(expect.stringContaining('rejected'));
    // The message is still the description, quote included (git commit's cleanup strips the blank context line's space).
    expect(read.series.patches[0]?.description).toContain(quoted.replace(/ +$/gm, ''));
    expect(read.series.patches[0]?.description).toMatch(/^The alternative, rejected:/);
  });
});

describe('C-quoted file names', () => {
  it('a non-ASCII name, and names git quotes whatever core.quotePath says (a quote, a tab), are read as the names', async () => {
    const repo = repoWith({ 'virt/kvm/démo.c': C_FILE('d'), 'virt/kvm/old.c': C_FILE('o') });
    // The default core.quotePath=true: the repository's own setting must not matter either.
    git(repo, 'config', 'core.quotePath', 'true');
    commit(repo, 'virt/kvm/démo.c', FUNC('fd'), 'KVM: démo: add fd');
    // A pure rename: the diff is its `rename from`/`rename to` lines, both quoted.
    git(repo, 'mv', 'virt/kvm/old.c', 'virt/kvm/a "quoted"\tname.c');
    git(repo, 'commit', '-q', '-m', 'KVM: rename old.c');
    commit(repo, 'virt/kvm/nouveau_é.c', C_FILE('n'), 'KVM: add nouveau_é.c');
    // A quote and a tab are quoted whatever core.quotePath says: `--- "a/virt/kvm/a \"quoted\"\tname.c"`.
    commit(repo, 'virt/kvm/a "quoted"\tname.c', FUNC('fq'), 'KVM: change the quoted name');
    const read = await readGitRange(repo, 'base..main');
    expect(slots(read)).toEqual([
      { index: 1, status: 'ok', title: 'KVM: démo: add fd', paths: ['virt/kvm/démo.c'] },
      { index: 2, status: 'ok', title: 'KVM: rename old.c', paths: ['virt/kvm/a "quoted"\tname.c'] },
      { index: 3, status: 'ok', title: 'KVM: add nouveau_é.c', paths: ['virt/kvm/nouveau_é.c'] },
      { index: 4, status: 'ok', title: 'KVM: change the quoted name', paths: ['virt/kvm/a "quoted"\tname.c'] },
    ]);
    const renamed = read.series.patches[1]?.files[0];
    expect(renamed).toMatchObject({ oldPath: 'virt/kvm/old.c', newPath: 'virt/kvm/a "quoted"\tname.c', isRenamed: true });
    // git's quoting is not a respelling to warn about.
    expect(read.series.patches.flatMap((p) => p.warnings)).toEqual([]);
    // The base tree has the file under that name.
    const tree = await GitTree.open(repo, read.base);
    try {
      expect((await tree.read(read.series.patches[0]?.files[0]?.path ?? ''))?.toString()).toBe(C_FILE('d'));
    } finally {
      tree.close();
    }
  });
});

describe('the base of A..B', () => {
  /** base - X (on main); topic forked from base; M1 on X; topic2 = topic + merge of M1 (the reviewer's case). */
  function forkedBeforeX(): { repo: string; x: string; fork: string; m1: string } {
    const repo = repoWith({ 'virt/kvm/a.c': C_FILE('a'), 'virt/kvm/b.c': C_FILE('b') });
    const fork = git(repo, 'rev-parse', 'HEAD').trim();
    const x = commit(repo, 'virt/kvm/a.c', FUNC('upstream_helper'), 'KVM: upstream helper');
    git(repo, 'tag', 'X');
    git(repo, 'checkout', '-q', '-b', 'topic', 'base');
    commit(repo, 'virt/kvm/b.c', '/* topic */\n', 'KVM: topic (forked before X)');
    git(repo, 'checkout', '-q', 'main');
    const m1 = commit(repo, 'virt/kvm/a.c', FUNC('m1'), 'KVM: M1 on top of X');
    git(repo, 'checkout', '-q', '-b', 'topic2', 'topic');
    git(repo, 'merge', '-q', '--no-edit', m1);
    return { repo, x, fork, m1 };
  }

  it('X..topic2, whose first commit in rev-list order is of a branch forked before X: the base is X, not the fork point', async () => {
    const { repo, x, fork, m1 } = forkedBeforeX();
    const read = await readGitRange(repo, 'X..topic2');
    // The reviewer's order: the topic commit (parent: the fork point) first, then M1 (parent: X), then the merge.
    expect(read.commits[0]?.parents).toEqual([fork]);
    expect(read.commits.find((c) => c.sha === m1)?.parents).toEqual([x]);
    expect(read.base).toBe(x);
    expect(read.baseIs).toBe('X');
    expect(read.notes).toContain("1 merge in X..topic2 with no change of its own beyond git's automatic merge: nothing of it to review");
  });

  it('a linear range is reviewed against its left side; B forked before A against the merge base, said as such; one commit against its parent', async () => {
    const { repo, x, fork, m1 } = forkedBeforeX();
    expect(await readGitRange(repo, 'base..main')).toMatchObject({ base: fork, baseIs: 'base' });
    expect(await readGitRange(repo, `${x}..${m1}`)).toMatchObject({ base: x });
    expect(await readGitRange(repo, 'X..topic')).toMatchObject({ base: fork, baseIs: 'the merge base of X and topic' });
    expect(await readGitRange(repo, m1)).toMatchObject({ base: x, baseIs: `the parent of ${m1.slice(0, 12)}` });
  });
});

describe('what a git tree reads', () => {
  const saved = process.env.GIT_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.GIT_DIR;
    else process.env.GIT_DIR = saved;
  });

  it("the caller's GIT_DIR (a hook, an alias) does not make the tree read another repository's objects", async () => {
    const repo = repoWith({ 'virt/kvm/a.c': C_FILE('only_here') });
    const other = repoWith({ 'virt/kvm/a.c': C_FILE('elsewhere') });
    process.env.GIT_DIR = join(other, '.git');
    const tree = await GitTree.open(repo, 'base');
    try {
      expect((await tree.read('virt/kvm/a.c'))?.toString()).toBe(C_FILE('only_here'));
    } finally {
      tree.close();
    }
  });

  it('a blob the tree lists but the object store lacks is a TreeError naming the file, not an absent file', async () => {
    const repo = repoWith({ 'virt/kvm/a.c': C_FILE('a'), 'virt/kvm/b.c': C_FILE('b') });
    const blob = git(repo, 'rev-parse', 'base:virt/kvm/a.c').trim();
    // Loose objects (nothing was packed): removing the file is what a lost object looks like.
    const loose = join(repo, '.git', 'objects', blob.slice(0, 2), blob.slice(2));
    expect(readdirSync(dirname(loose))).toContain(blob.slice(2));
    rmSync(loose, { force: true });
    const tree = await GitTree.open(repo, 'base');
    try {
      expect((await tree.read('virt/kvm/b.c'))?.toString()).toBe(C_FILE('b'));
      const failed = tree.read('virt/kvm/a.c');
      await expect(failed).rejects.toBeInstanceOf(TreeError);
      await expect(failed).rejects.toThrow(/virt\/kvm\/a\.c .*missing/);
      // A path that is not in the tree is still just absent.
      expect(await tree.read('virt/kvm/none.c')).toBeNull();
    } finally {
      tree.close();
    }
  });
});

describe('commits git format-patch writes nothing for', () => {
  it('an empty commit keeps its slot, skipped with the reason; the commits around it are reviewed', async () => {
    const repo = repoWith({ 'virt/kvm/a.c': C_FILE('a'), 'virt/kvm/b.c': C_FILE('b') });
    commit(repo, 'virt/kvm/a.c', FUNC('fa'), 'KVM: a: add fa');
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'KVM: nothing changes here');
    const empty = git(repo, 'rev-parse', 'HEAD').trim();
    commit(repo, 'virt/kvm/b.c', FUNC('fb'), 'KVM: b: add fb');
    const read = await readGitRange(repo, 'base..main');
    expect(slots(read)).toEqual([
      { index: 1, status: 'ok', title: 'KVM: a: add fa', paths: ['virt/kvm/a.c'] },
      { index: 2, status: 'skipped', title: 'KVM: nothing changes here', paths: [] },
      { index: 3, status: 'ok', title: 'KVM: b: add fb', paths: ['virt/kvm/b.c'] },
    ]);
    expect(read.series.patches[1]?.reason).toBe(`an empty commit (${empty.slice(0, 12)}): it changes no file, nothing to review`);
    expect(read.series.patches[1]?.position.commit).toBe(empty);
    expect(read.series).toMatchObject({ expected: 3, missing: [], complete: true });
    // The empty commit alone: one skipped slot, not an error about the input.
    const alone = await readGitRange(repo, empty);
    expect(slots(alone)).toEqual([{ index: 1, status: 'skipped', title: 'KVM: nothing changes here', paths: [] }]);
  });
});

describe('ranges spelled the ways git spells them', () => {
  /** base - a - b on main; side forked from base with s. */
  function twoSides(): { repo: string; a: string; b: string; s: string; fork: string } {
    const repo = repoWith({ 'virt/kvm/a.c': C_FILE('a'), 'virt/kvm/b.c': C_FILE('b'), 'virt/kvm/s.c': C_FILE('s') });
    const fork = git(repo, 'rev-parse', 'HEAD').trim();
    const a = commit(repo, 'virt/kvm/a.c', FUNC('fa'), 'KVM: a: add fa');
    const b = commit(repo, 'virt/kvm/b.c', FUNC('fb'), 'KVM: b: add fb');
    git(repo, 'checkout', '-q', '-b', 'side', 'base');
    const s = commit(repo, 'virt/kvm/s.c', FUNC('fs'), 'KVM: s: add fs');
    git(repo, 'checkout', '-q', 'main');
    return { repo, a, b, s, fork };
  }
  const shas = (r: GitRangeSeries): string[] => r.commits.map((c) => c.sha);

  it('X^! is commit X alone, against its parent, as X is', async () => {
    const { repo, a, b } = twoSides();
    const bang = await readGitRange(repo, 'main^!');
    expect({ commits: shas(bang), base: bang.base, baseIs: bang.baseIs, range: bang.range }).toEqual({ commits: [b], base: a, baseIs: `the parent of ${b.slice(0, 12)}`, range: 'main^!' });
    expect(slots(bang)).toEqual(slots(await readGitRange(repo, 'main')));
  });

  it('X^- is X^..X, and X^-2 is X^2..X', async () => {
    const { repo, a, b } = twoSides();
    const minus = await readGitRange(repo, 'main^-');
    expect({ commits: shas(minus), base: minus.base }).toEqual({ commits: [b], base: a });
    // A merge of side into main: main^-2 is what the merge brings in from its second parent.
    const merge = git(repo, 'commit-tree', '-p', 'main', '-p', 'side', '-m', 'Merge side', 'main^{tree}').trim();
    const second = await readGitRange(repo, `${merge}^-2`);
    expect({ commits: shas(second).sort(), base: second.base }).toEqual({ commits: [a, b, merge].sort(), base: git(repo, 'rev-parse', 'side').trim() });
  });

  it('A...B with commits on both sides is an error naming the counts: the two sides are not one series', async () => {
    const { repo } = twoSides();
    const both = readGitRange(repo, 'side...main');
    await expect(both).rejects.toBeInstanceOf(TreeError);
    await expect(both).rejects.toThrow(/side\.\.\.main: .*1 commit of side and 2 commits of main.*side\.\.main/);
  });

  it('A...B where B is an ancestor of A names the side the commits are on and the range that holds them', async () => {
    const { repo } = twoSides();
    await expect(readGitRange(repo, 'main...base')).rejects.toThrow(/: main\.\.\.base: base has no commits of its own since the merge base; the 2 commits are main's: give base\.\.main$/);
  });

  it('A...B where A is an ancestor of B is A..B', async () => {
    const { repo, a, b } = twoSides();
    const sym = await readGitRange(repo, 'base...main');
    const plain = await readGitRange(repo, 'base..main');
    expect({ commits: shas(sym), base: sym.base, baseIs: sym.baseIs }).toEqual({ commits: [a, b], base: plain.base, baseIs: plain.baseIs });
  });

  it('an unknown revision on either side of A..B is named alone', async () => {
    const { repo } = twoSides();
    await expect(readGitRange(repo, 'base..no-such')).rejects.toThrow(/: base\.\.no-such: unknown revision no-such$/);
    await expect(readGitRange(repo, 'no-such...main')).rejects.toThrow(/: no-such\.\.\.main: unknown revision no-such$/);
  });
});

describe('a shallow clone', () => {
  /** base - a - b - c on main, cloned with the last `depth` commits. */
  function shallow(depth: number): { clone: string; a: string; b: string; c: string } {
    const repo = repoWith({ 'virt/kvm/a.c': C_FILE('a') });
    const a = commit(repo, 'virt/kvm/a.c', FUNC('fa'), 'KVM: add fa');
    const b = commit(repo, 'virt/kvm/a.c', FUNC('fb'), 'KVM: add fb');
    const c = commit(repo, 'virt/kvm/a.c', FUNC('fc'), 'KVM: add fc');
    const clone = join(work, `r${++made}`);
    execFileSync('git', ['clone', '-q', '--no-local', `--depth=${depth}`, '--branch', 'main', `file://${repo}`, clone], { stdio: 'ignore' });
    return { clone, a, b, c };
  }
  const HINT = /shallow clone.*git fetch --deepen/;

  it('a commit whose parent the clone lacks is not called a root commit: the error says the history is cut there', async () => {
    const { clone, c } = shallow(1);
    const one = readGitRange(clone, 'HEAD');
    await expect(one).rejects.toThrow(new RegExp(`${c.slice(0, 12)}.*parent.*not in the repository`));
    await expect(one).rejects.toThrow(HINT);
    await expect(readGitRange(clone, 'HEAD')).rejects.not.toThrow(/root commit/);
  });

  it('a range reaching past where the history is cut is an error, not a shorter series', async () => {
    const { clone, b, c } = shallow(2);
    // The base tag, fetched on its own: base..main in the full repository is a, b and c.
    execFileSync('git', ['-C', clone, 'fetch', '-q', '--depth=1', 'origin', 'tag', 'base'], { stdio: 'ignore' });
    const cut = readGitRange(clone, 'base..main');
    await expect(cut).rejects.toThrow(new RegExp(`base\\.\\.main: .*${b.slice(0, 12)}.*parent.*not in the repository`));
    await expect(cut).rejects.toThrow(HINT);
    // Within what the clone holds, a range is reviewed as anywhere else.
    const within = await readGitRange(clone, 'HEAD~1..HEAD');
    expect({ commits: within.commits.map((x) => x.sha), base: within.base }).toEqual({ commits: [c], base: b });
  });

  it('a revision beyond where the history is cut is unknown, and the error says the clone is shallow', async () => {
    const { clone } = shallow(1);
    await expect(readGitRange(clone, 'HEAD~1..HEAD')).rejects.toThrow(/HEAD~1\.\.HEAD: unknown revision HEAD~1 .*shallow clone/);
    await expect(readGitRange(clone, 'HEAD~1')).rejects.toThrow(/unknown revision HEAD~1 .*shallow clone/);
  });
});

describe('a merge commit in the range', () => {
  it('a merge that resolves a conflict is the content of the files it resolves, built on the slots of its history; a merge with nothing of its own says so', async () => {
    const repo = repoWith({ 'virt/kvm/a.c': C_FILE('a'), 'virt/kvm/b.c': C_FILE('b') });
    commit(repo, 'virt/kvm/a.c', FUNC('on_main'), 'KVM: a: add on_main');
    git(repo, 'checkout', '-q', '-b', 'side', 'base');
    commit(repo, 'virt/kvm/a.c', FUNC('on_side'), 'KVM: a: add on_side');
    commit(repo, 'virt/kvm/b.c', FUNC('fb'), 'KVM: b: add fb');
    git(repo, 'checkout', '-q', 'main');
    // Both add at the end of a.c: the merge conflicts, and its resolution adds a function of its own.
    expect(() => git(repo, 'merge', '-q', '--no-edit', 'side')).toThrow();
    write(repo, 'virt/kvm/a.c', C_FILE('a') + FUNC('on_main') + FUNC('on_side') + FUNC('only_in_the_merge'));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '--no-edit');
    const resolved = git(repo, 'rev-parse', 'HEAD').trim();
    // A merge with nothing of its own: the resolved merge merged with a branch that adds a file.
    git(repo, 'checkout', '-q', '-b', 'clean', 'base');
    commit(repo, 'virt/kvm/c.c', C_FILE('c'), 'KVM: add c.c');
    git(repo, 'merge', '-q', '--no-edit', resolved);
    const clean = git(repo, 'rev-parse', 'HEAD').trim();

    const read = await readGitRange(repo, 'base..clean');
    const reasons = Object.fromEntries(read.series.patches.filter((p) => p.status !== 'ok').map((p) => [p.position.commit, [p.status, p.reason]]));
    expect(Object.keys(reasons)).toEqual([clean]);
    // The resolution is a.c as the merge has it, built on the three commits it merges (not on c.c's, which is not in its history).
    const slotOf = (sha: string): number | undefined => read.series.patches.find((p) => p.position.commit === sha)?.index;
    const history = git(repo, 'rev-list', `${resolved}^@`, '^base').trim().split('\n');
    expect(history).toHaveLength(3);
    expect(read.series.patches.find((p) => p.position.commit === resolved)).toMatchObject({
      status: 'ok',
      files: [],
      becomes: {
        files: [{ path: 'virt/kvm/a.c', content: C_FILE('a') + FUNC('on_main') + FUNC('on_side') + FUNC('only_in_the_merge') }],
        builtOn: history.map(slotOf).sort((a, b) => (a ?? 0) - (b ?? 0)),
        what: `the conflict resolution of merge ${resolved.slice(0, 12)}`,
        readWith: `git show --remerge-diff ${resolved.slice(0, 12)}`,
      },
    });
    // Both clean's own commit and what it merges (the resolved merge and the commits before it) are in the range.
    expect(reasons[clean]).toEqual(['skipped', `a merge (${clean.slice(0, 12)}) with no change of its own: its result is git's automatic merge of its parents, nothing of it to review; the commits it merges are reviewed in their own slots`]);
    expect(read.notes).toContain("1 merge in base..clean with no change of its own beyond git's automatic merge: nothing of it to review");
    expect(read.notes.join('\n')).not.toMatch(/NOT reviewed/);
  });
});

describe('commit messages not in UTF-8', () => {
  it("a latin1 commit (i18n.commitEncoding) is read as its text whatever i18n.logOutputEncoding the repository sets", async () => {
    const repo = repoWith({ 'virt/kvm/a.c': C_FILE('a') });
    write(repo, 'virt/kvm/a.c', C_FILE('a') + FUNC('fa'));
    git(repo, 'add', '-A');
    const tree = git(repo, 'write-tree').trim();
    const parent = git(repo, 'rev-parse', 'HEAD').trim();
    // The commit object as a latin1 user's git writes it: the name and the message in latin1 bytes, said in its encoding header.
    const person = 'Ren\xe9 M\xfcller <r@example.org> 1700000000 +0000';
    const object = Buffer.from(`tree ${tree}\nparent ${parent}\nauthor ${person}\ncommitter ${person}\nencoding latin1\n\nKVM: caf\xe9: add fa\n\nna\xefve body\n`, 'latin1');
    const sha = execFileSync('git', ['-C', repo, 'hash-object', '-t', 'commit', '-w', '--stdin'], { input: object }).toString().trim();
    git(repo, 'update-ref', 'refs/heads/main', sha);
    git(repo, 'config', 'i18n.logOutputEncoding', 'latin1');
    const read = await readGitRange(repo, 'base..main');
    expect(read.commits[0]?.subject).toBe('KVM: café: add fa');
    expect(read.series.title).toBe('KVM: café: add fa');
    expect(read.series.patches.map((p) => [p.title, p.author?.name])).toEqual([['KVM: café: add fa', 'René Müller']]);
  });
});

describe('--repo that is not a repository', () => {
  it('a file is said to be not a directory, a missing path to not exist', async () => {
    const file = join(work, 'a-file');
    writeFileSync(file, 'not a repository\n');
    await expect(readGitRange(file, 'HEAD')).rejects.toThrow(`${file}: not a directory`);
    await expect(readGitRange(join(work, 'none'), 'HEAD')).rejects.toThrow(`${join(work, 'none')}: no such directory`);
  });
});
