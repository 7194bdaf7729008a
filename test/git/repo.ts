/**
 * A real git repository made from a Debian kernel tree at test time: the
 * indexed files and locking.rst copied and committed as the base, then
 * branches of commits written here. Nothing of the kernel is committed to
 * this project.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { indexedFiles } from '../../analyzers/index/files.js';
import { DirectoryTree } from '../../analyzers/trees/directory-tree.js';

export const LOCKING_RST = 'Documentation/virt/kvm/locking.rst';

export function git(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-C', repo, '-c', 'user.name=Test Author', '-c', 'user.email=test@example.org', '-c', 'core.hooksPath=/dev/null', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Copy the files the engine reads from `kernel` into `dir`. */
export async function copyKernelFiles(kernel: string, dir: string): Promise<void> {
  for (const f of [...(await indexedFiles(new DirectoryTree(kernel))), LOCKING_RST]) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    copyFileSync(join(kernel, f), join(dir, f));
  }
}

/** `base` (a directory) copied to `repo` and committed; the commit is tagged `base`. */
export function initRepo(base: string, repo: string): void {
  cpSync(base, repo, { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'base');
  git(repo, 'tag', 'base');
}

/** Append `text` to a file of the work tree and commit it. */
export function commitAppend(repo: string, file: string, text: string, subject: string): void {
  writeFileSync(join(repo, file), readFileSync(join(repo, file), 'utf8') + text);
  git(repo, 'commit', '-q', '-a', '-m', subject);
}

/** 1-based line of the first line of `text` (at `rev`) that contains `needle`. */
export function lineOf(repo: string, rev: string, file: string, needle: string): number {
  const lines = git(repo, 'show', `${rev}:${file}`).split('\n');
  const i = lines.findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`${needle} not in ${rev}:${file}`);
  return i + 1;
}

/** A function that takes kvm->lock inside vcpu->mutex: against "kvm->lock is taken outside vcpu->mutex". */
export const INVERTING = `
static void demo_vcpu_reset(struct kvm_vcpu *vcpu)
{
\tmutex_lock(&vcpu->mutex);
\tmutex_lock(&vcpu->kvm->lock);
\tmutex_unlock(&vcpu->kvm->lock);
\tmutex_unlock(&vcpu->mutex);
}
`;

/** A function that follows "kvm->lock is taken outside kvm->slots_lock". */
export const CLEAN = `
static void demo_memslots_update(struct kvm *kvm)
{
\tmutex_lock(&kvm->lock);
\tmutex_lock(&kvm->slots_lock);
\tmutex_unlock(&kvm->slots_lock);
\tmutex_unlock(&kvm->lock);
}
`;
