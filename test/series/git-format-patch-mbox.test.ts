/**
 * `mbox` of `git format-patch --stdout` output made here from small
 * repositories (C files written by the test): a branch whose commits have
 * different authors is one series (format-patch writes each commit's author
 * as From), two format-patch runs in one file are still two; a non-ASCII
 * file name, C-quoted as git writes it by default, is read as the name.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSeries } from '../../analyzers/series/index.js';
import { git } from '../git/repo.js';
import { tempDir } from './paths.js';

const C_FILE = (name: string): string => `#include <linux/kvm_host.h>\n\nstatic int ${name}_x;\n`;
const FUNC = (name: string): string => `\nstatic void ${name}(struct kvm_vcpu *vcpu)\n{\n\tmutex_lock(&vcpu->mutex);\n\tmutex_unlock(&vcpu->mutex);\n}\n`;

/** A repository in a fresh directory with `files` committed and tagged `base`. */
function repoWith(files: Record<string, string>): string {
  const repo = join(tempDir(), 'repo');
  mkdirSync(join(repo, 'virt', 'kvm'), { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  for (const [f, text] of Object.entries(files)) writeFileSync(join(repo, f), text);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'base');
  git(repo, 'tag', 'base');
  return repo;
}

/** Append `text` to `file` and commit it as `author` (`Name <email>`). */
function commitAs(repo: string, author: string, file: string, text: string, subject: string): void {
  writeFileSync(join(repo, file), git(repo, 'show', `HEAD:${file}`) + text);
  git(repo, 'commit', '-q', '-a', `--author=${author}`, '-m', subject);
}

/** `git format-patch --stdout RANGE` written to a file. */
function formatPatch(repo: string, out: string, ...args: string[]): string {
  const file = join(repo, '..', out);
  writeFileSync(file, git(repo, 'format-patch', '--stdout', ...args));
  return file;
}

describe('git format-patch output with several authors', () => {
  it('a branch whose two commits have different authors is one series of two patches, by the first author', async () => {
    const repo = repoWith({ 'virt/kvm/a.c': C_FILE('a'), 'virt/kvm/b.c': C_FILE('b') });
    commitAs(repo, 'Alice <alice@example.org>', 'virt/kvm/a.c', FUNC('fa'), 'KVM: a: add fa');
    commitAs(repo, 'Bob <bob@example.org>', 'virt/kvm/b.c', FUNC('fb'), 'KVM: b: add fb');
    const read = await readSeries(formatPatch(repo, 'branch.mbx', 'base..main'));
    expect(read.series).toHaveLength(1);
    expect(read.chosen).toMatchObject({ expected: 2, complete: true, missing: [], duplicates: [] });
    expect(read.chosen?.patches.map((p) => [p.index, p.status, p.author?.email, p.files.map((f) => f.path)])).toEqual([
      [1, 'ok', 'alice@example.org', ['virt/kvm/a.c']],
      [2, 'ok', 'bob@example.org', ['virt/kvm/b.c']],
    ]);
  });

  it('two format-patch runs of two patches each, by two authors, in one file: two series, as before', async () => {
    const repo = repoWith({ 'virt/kvm/a.c': C_FILE('a'), 'virt/kvm/b.c': C_FILE('b') });
    commitAs(repo, 'Alice <alice@example.org>', 'virt/kvm/a.c', FUNC('fa1'), 'KVM: a: add fa1');
    commitAs(repo, 'Alice <alice@example.org>', 'virt/kvm/a.c', FUNC('fa2'), 'KVM: a: add fa2');
    git(repo, 'tag', 'alice');
    commitAs(repo, 'Bob <bob@example.org>', 'virt/kvm/b.c', FUNC('fb1'), 'KVM: b: add fb1');
    commitAs(repo, 'Bob <bob@example.org>', 'virt/kvm/b.c', FUNC('fb2'), 'KVM: b: add fb2');
    const both = join(repo, '..', 'both.mbx');
    writeFileSync(both, git(repo, 'format-patch', '--stdout', 'base..alice') + git(repo, 'format-patch', '--stdout', 'alice..main'));
    const read = await readSeries(both);
    expect(read.series.map((s) => s.patches.map((p) => [p.index, p.author?.email, p.title])).sort()).toEqual([
      [[1, 'alice@example.org', 'KVM: a: add fa1'], [2, 'alice@example.org', 'KVM: a: add fa2']],
      [[1, 'bob@example.org', 'KVM: b: add fb1'], [2, 'bob@example.org', 'KVM: b: add fb2']],
    ]);
    expect(read.series.flatMap((s) => s.duplicates)).toEqual([]);
  });
});

describe('C-quoted file names in format-patch output', () => {
  it('virt/kvm/démo.c, written "a/virt/kvm/d\\303\\251mo.c" (core.quotePath=true), is read as virt/kvm/démo.c', async () => {
    const repo = repoWith({ 'virt/kvm/démo.c': C_FILE('d') });
    git(repo, 'config', 'core.quotePath', 'true');
    commitAs(repo, 'Alice <alice@example.org>', 'virt/kvm/démo.c', FUNC('fd'), 'KVM: démo: add fd');
    const file = formatPatch(repo, 'quoted.mbx', 'base..main');
    const read = await readSeries(file);
    const patch = read.chosen?.patches[0];
    expect(patch?.files.map((f) => [f.oldPath, f.newPath, f.path])).toEqual([['virt/kvm/démo.c', 'virt/kvm/démo.c', 'virt/kvm/démo.c']]);
    expect(patch?.warnings).toEqual([]);
    // The file as written really is quoted: the case this is about.
    expect(git(repo, 'format-patch', '--stdout', 'base..main')).toContain('--- "a/virt/kvm/d\\303\\251mo.c"');
  });
});
