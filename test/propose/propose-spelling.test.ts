/**
 * `doc --propose` writes a lock the way locking.rst already spells it
 * (`kvm->arch.mmu_lock`, `kvm_arch::tsc_write_lock`), not by the project's
 * canonical name.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDocumentedOrder } from '../../knowledge/doc/load.js';
import { insertRule } from '../../knowledge/doc/propose.js';
import { kernelTree } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { added, after } from './doc-lines.js';

const tmp = mkdtempSync(join(tmpdir(), 'kvm-review-propose-spelling-'));
const cache = join(tmp, 'cache');
const DOC = 'Documentation/virt/kvm/locking.rst';

function git(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Demo Maintainer', '-c', 'user.email=maint@example.org', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, encoding: 'utf8' }).trim();
}

/** The patch applied with git am to a repository holding the tree's locking.rst alone; the patched file's path. */
function applied(tree: string, patch: string, name: string): string {
  const repo = join(tmp, name);
  mkdirSync(join(repo, 'Documentation/virt/kvm'), { recursive: true });
  copyFileSync(join(tree, DOC), join(repo, DOC));
  git(repo, 'init', '-q');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'base');
  writeFileSync(join(tmp, `${name}.patch`), patch);
  git(repo, 'am', '-q', join(tmp, `${name}.patch`));
  return join(repo, DOC);
}

describe('doc --propose spells a lock as locking.rst does', () => {
  it('6.12: kvm->mmu_lock is written kvm->arch.mmu_lock, the spelling the document uses most; git am, doc reads the same order', async () => {
    const tree = kernelTree('6.12');
    const text = readFileSync(join(tree, DOC), 'utf8');
    // The document names the lock both ways: the order list's spelling is the one it uses most.
    expect(text.split('kvm->arch.mmu_lock').length).toBeGreaterThan(text.split('``kvm->mmu_lock``').length);
    const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', 'kvm->slots_lock -> kvm->mmu_lock', '--cache-dir', cache]);
    expect(r.code).toBe(0);
    expect(added(r.stdout)).toEqual(['- kvm->slots_lock is taken outside kvm->arch.mmu_lock']);
    // The message names the lock as the diff does.
    expect(r.stdout).toMatch(/^Subject: \[PATCH\] Documentation: KVM: Document taking kvm->slots_lock outside\n kvm->arch\.mmu_lock$/m);
    expect(r.stdout.replace(/\n/g, ' ')).toContain('Document that kvm->slots_lock is taken outside kvm->arch.mmu_lock.');
    const before = loadDocumentedOrder({ tree, cwd: tree });
    const order = loadDocumentedOrder({ file: applied(tree, r.stdout, 'repo-6.12-mmu'), cwd: tmp });
    expect(order.edges).toEqual(expect.arrayContaining([expect.objectContaining({ outer: 'kvm->slots_lock', inner: 'kvm->mmu_lock', arch: null })]));
    expect(order.unrecognized).toEqual(before.unrecognized);
    expect(order.problems.map((p) => p.message)).toEqual(before.problems.map((p) => p.message));
    // --format text shows the bullet the patch adds.
    const t = await runCli(['doc', '--propose', '--tree', tree, '--format', 'text', '--edge', 'kvm->slots_lock -> kvm->mmu_lock', '--cache-dir', cache]);
    expect(t.stdout).toContain('\nProposed (in the acquisition-order list):\n  - kvm->slots_lock is taken outside kvm->arch.mmu_lock\n');
  });

  it('6.1: an x86 rule on kvm->arch.tsc_write_lock is written kvm_arch::tsc_write_lock, the document\'s only spelling', async () => {
    const tree = kernelTree('6.1');
    const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', 'vcpu->mutex -> kvm->arch.tsc_write_lock', '--cache-dir', cache]);
    expect(r.code).toBe(0);
    expect(added(r.stdout)).toEqual(['- vcpu->mutex is taken outside kvm_arch::tsc_write_lock']);
    const patched = applied(tree, r.stdout, 'repo-6.1-tsc');
    const lines = readFileSync(patched, 'utf8').split('\n');
    const at = lines.indexOf('- vcpu->mutex is taken outside kvm_arch::tsc_write_lock');
    expect(lines.slice(0, at).lastIndexOf('On x86:')).toBeGreaterThan(-1);
    const order = loadDocumentedOrder({ file: patched, cwd: tmp });
    expect(order.edges).toEqual(expect.arrayContaining([expect.objectContaining({ outer: 'vcpu->mutex', inner: 'kvm->arch.tsc_write_lock', arch: 'x86', line: at + 1 })]));
  });

  it('takes the spelling of the list the rule goes into when the document spells the lock both ways', () => {
    const tree = kernelTree('6.12');
    const lines = readFileSync(join(tree, DOC), 'utf8').split('\n');
    // The generic list now says kvm->mmu_lock; "On x86:" keeps kvm->arch.mmu_lock.
    after(lines, '- kvm->lock is taken outside vcpu->mutex', '', '- kvm->lock is taken outside kvm->mmu_lock');
    const text = lines.join('\n');
    const path = join(tmp, 'both-spellings.rst');
    writeFileSync(path, text);
    const doc = loadDocumentedOrder({ file: path, cwd: tmp });
    const generic = insertRule(text, doc, { outer: 'kvm->slots_lock', inner: 'kvm->mmu_lock', arch: null }).split('\n');
    expect(generic.filter((l) => !lines.includes(l))).toEqual(['- kvm->slots_lock is taken outside kvm->mmu_lock']);
    const x86 = insertRule(text, doc, { outer: 'vcpu->mutex', inner: 'kvm->mmu_lock', arch: 'x86' }).split('\n');
    expect(x86.filter((l) => !lines.includes(l))).toEqual(['- vcpu->mutex is taken outside kvm->arch.mmu_lock']);
  });
});
