/**
 * Public-inbox epochs for the watch tests, built with git plumbing: one
 * commit per message with the blob `m` (or another file, for a bad
 * commit), and subsets of the real kvmarm slice (its first N commits)
 * that share its objects.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARED } from '../helpers/paths.js';

export const SLICE = join(SHARED, 'corpus', 'public-inbox', 'kvmarm-2022-11.git');

const ENV = { ...process.env, GIT_AUTHOR_NAME: 'i', GIT_AUTHOR_EMAIL: 'i@i', GIT_COMMITTER_NAME: 'i', GIT_COMMITTER_EMAIL: 'i@i', GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z' };

function git(dir: string, args: string[], input?: string | Buffer): string {
  return execFileSync('git', [`--git-dir=${dir}`, ...args], { input, env: ENV, encoding: 'utf8' }).trim();
}

/** One commit: a message as blob `m`, or `{ file, text }` for a commit whose tree has no `m`. */
export type FixtureCommit = string | { file: string; text: string; latin1?: boolean };

/** A bare repository whose commits add `commits` in order. */
export function buildInbox(commits: FixtureCommit[], dir = mkdtempSync(join(tmpdir(), 'kvm-review-inbox-'))): string {
  git(dir, ['init', '--bare', '--quiet']);
  return appendCommits(dir, commits);
}

/** Adds commits on top of the inbox's HEAD; returns the inbox. */
export function appendCommits(dir: string, commits: FixtureCommit[]): string {
  let parent: string | null = null;
  try {
    parent = git(dir, ['rev-parse', '--verify', '--quiet', 'HEAD']);
  } catch {
    parent = null;
  }
  for (const c of commits) {
    const [file, text] = typeof c === 'string' ? ['m', c] : [c.file, c.text];
    // Mail bytes are not always UTF-8: latin1 carries them through a string unchanged.
    const blob = git(dir, ['hash-object', '-w', '--stdin'], typeof c !== 'string' && c.latin1 ? Buffer.from(text, 'latin1') : text);
    const tree = git(dir, ['mktree'], `100644 blob ${blob}\t${file}\n`);
    parent = git(dir, ['commit-tree', tree, '-m', 'msg', ...(parent ? ['-p', parent] : [])]);
  }
  if (parent) git(dir, ['update-ref', 'HEAD', parent]);
  return dir;
}

/** The slice's first `count` commits as an inbox of its own (objects shared, nothing copied). */
export function sliceSubset(count: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'kvm-review-slice-'));
  execFileSync('git', ['clone', '--bare', '--shared', '--quiet', SLICE, dir]);
  const commits = git(SLICE, ['rev-list', '--reverse', 'HEAD']).split('\n');
  const head = commits[count - 1];
  if (!head) throw new Error(`the slice has fewer than ${count} commits`);
  git(dir, ['update-ref', 'HEAD', head]);
  return dir;
}

/** Moves a subset's HEAD to the slice's commit `count` (the inbox grows). */
export function growSubset(dir: string, count: number): void {
  const head = git(SLICE, ['rev-list', '--reverse', 'HEAD']).split('\n')[count - 1];
  if (!head) throw new Error(`the slice has fewer than ${count} commits`);
  git(dir, ['update-ref', 'HEAD', head]);
}

/** Commits of an inbox, oldest first. */
export function commitsOf(dir: string): string[] {
  return git(dir, ['rev-list', '--reverse', 'HEAD']).split('\n').filter(Boolean);
}

/** A mail: headers then body. */
export function mail(headers: Record<string, string>, body: string): string {
  return `${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n')}\n\n${body}`;
}

/** An inbox holding copies of the slice's commits at the given 1-based positions, in that order. */
export function sliceWindow(positions: number[]): string {
  const commits = commitsOf(SLICE);
  const messages = positions.map((n) => {
    const c = commits[n - 1];
    if (!c) throw new Error(`the slice has no commit ${n}`);
    return execFileSync('git', [`--git-dir=${SLICE}`, 'cat-file', 'blob', `${c}:m`], { encoding: 'latin1' });
  });
  return buildInbox(messages.map((m) => ({ file: 'm', text: m, latin1: true })));
}
