/**
 * A git repository made at test time from an extracted Debian kernel tree
 * (nothing of it is kept in the project), and commits on top of it: the
 * repository the fake GitHub serves.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function git(dir: string, args: string[], input?: string): string {
  return execFileSync('git', args, {
    cwd: dir,
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, GIT_AUTHOR_NAME: 'Test Author', GIT_AUTHOR_EMAIL: 'author@example.org', GIT_COMMITTER_NAME: 'Test Author', GIT_COMMITTER_EMAIL: 'author@example.org', GIT_AUTHOR_DATE: '2026-11-16T10:00:00Z', GIT_COMMITTER_DATE: '2026-11-16T10:00:00Z' },
  });
}

/** A repository of one commit (a README) in a new temporary directory: a base for tests whose patches GitHub (the fake) serves. */
export function oneCommitRepo(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, 'README'), 'x\n');
  git(dir, ['init', '-q', '-b', 'master']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'base']);
  return dir;
}

/** A repository whose first commit is the tree `source`; returns its path and that commit. */
export function kernelRepo(source: string): { dir: string; base: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kvm-review-repo-'));
  cpSync(source, dir, { recursive: true });
  git(dir, ['init', '-q', '-b', 'master']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'Linux base']);
  return { dir, base: git(dir, ['rev-parse', 'HEAD']).trim() };
}

/** Edits one file with `edit` and commits it on the current branch; returns the commit. */
export function commitEdit(dir: string, file: string, edit: (text: string) => string, subject: string): string {
  const path = join(dir, file);
  writeFileSync(path, edit(readFileSync(path, 'utf8')));
  git(dir, ['add', file]);
  git(dir, ['commit', '-q', '-m', `${subject}\n\nSigned-off-by: Test Author <author@example.org>`]);
  return git(dir, ['rev-parse', 'HEAD']).trim();
}

/** Inserts `added` lines after the first line equal to `anchor` (and the line after it when `skip` is 1). */
export function insertAfter(anchor: string, added: string[], skip = 0): (text: string) => string {
  return (text) => {
    const lines = text.split('\n');
    const at = lines.indexOf(anchor);
    if (at < 0) throw new Error(`no line "${anchor}"`);
    lines.splice(at + 1 + skip, 0, ...added);
    return lines.join('\n');
  };
}

/** The 1-based line of the first line equal to `text` in `file` at `rev`. */
export function lineAt(dir: string, rev: string, file: string, text: string): number {
  const lines = git(dir, ['show', `${rev}:${file}`]).split('\n');
  const at = lines.indexOf(text);
  if (at < 0) throw new Error(`no line "${text}" in ${file} at ${rev}`);
  return at + 1;
}

/** The lock-order bug the App's tests review: kvm->lock taken under vcpu->mutex in kvm_vcpu_ioctl(), against locking.rst's "kvm->lock is taken outside vcpu->mutex". */
export const BUG_FILE = 'virt/kvm/kvm_main.c';
/** The line the bug goes after (and after the `return -EINTR;` below it). */
export const BUG_ANCHOR = '\tif (mutex_lock_killable(&vcpu->mutex))';
export const BUG_LINES = ['\tmutex_lock(&vcpu->kvm->lock);', '\tmutex_unlock(&vcpu->kvm->lock);'];

/** Commits the bug on a new branch `branch` from the current head; returns the commit. */
export function commitLockBug(dir: string, branch = 'pr-1', subject = 'KVM: take kvm->lock in the vCPU ioctl'): string {
  git(dir, ['checkout', '-q', '-b', branch]);
  return commitEdit(dir, BUG_FILE, insertAfter(BUG_ANCHOR, BUG_LINES, 1), subject);
}
