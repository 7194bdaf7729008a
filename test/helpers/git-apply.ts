/** git for tests that ask git itself whether a patch applies (git apply --check, -R --check). */
import { execFileSync } from 'node:child_process';

/** git in `repo`, with no hooks and a fixed identity. */
export function git(repo: string, args: string[]): string {
  return execFileSync('git', ['-c', 'core.hooksPath=/dev/null', '-c', 'user.name=Test', '-c', 'user.email=test@example.org', ...args], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Whether `git apply ARGS patch` succeeds in `repo`. */
export function gitApplies(repo: string, args: string[], patch: string): boolean {
  try {
    git(repo, ['apply', ...args, patch]);
    return true;
  } catch {
    return false;
  }
}
