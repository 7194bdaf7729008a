/**
 * simple-git set up so that nothing from the repository runs: hooks point
 * at /dev/null, no fsmonitor, no external diff or textconv (the commands
 * that diff pass --no-ext-diff --no-textconv), and optional locks off so a
 * read never writes the index.
 */
import { existsSync, statSync } from 'node:fs';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createRequire } from 'node:module';
import type * as SimpleGitModule from 'simple-git';
import type { SimpleGit } from 'simple-git';
import { TreeError } from './model.js';

/** `-c` settings on every git command kvm-review runs. */
export const SAFE_CONFIG = ['core.hooksPath=/dev/null', 'core.fsmonitor=false', 'core.untrackedCache=false', 'diff.external=', 'log.showSignature=false'];

/** simple-git is loaded when a repository is opened: `check` and `mbox` on a directory never need it, and it is a tenth of their start-up. */
const loadSimpleGit = (): typeof SimpleGitModule => createRequire(import.meta.url)('simple-git') as typeof SimpleGitModule;

/**
 * The whole environment of every git process kvm-review starts: nothing from the caller's
 * (GIT_DIR, GIT_INDEX_FILE, GIT_CONFIG_PARAMETERS set by a hook or an alias would make git read
 * another repository or run other settings than the ones the review asked for).
 */
export function gitEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', LANG: 'C', GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0' };
}

export function gitClient(repo: string): SimpleGit {
  if (!existsSync(repo)) throw new TreeError(`${repo}: no such directory`);
  if (!statSync(repo).isDirectory()) throw new TreeError(`${repo}: not a directory`);
  const { simpleGit } = loadSimpleGit();
  return simpleGit({
    baseDir: repo,
    config: SAFE_CONFIG,
    maxConcurrentProcesses: 2,
    // simple-git refuses to set these keys at all; here they are set only to switch the feature off.
    unsafe: { allowUnsafeHooksPath: true, allowUnsafeFsMonitor: true, allowUnsafeDiffExternal: true },
    allowEnvironment: ['GIT_OPTIONAL_LOCKS', 'GIT_TERMINAL_PROMPT'],
  }).env(gitEnv());
}

/** The first line of git's message, for an error that names the repository. */
export function gitMessage(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n').find((l) => l.trim())?.replace(/^(fatal|error): /, '') ?? text;
}

/** `git rev-parse --show-toplevel`-free check that `repo` is a repository; throws TreeError. */
export async function assertRepository(git: SimpleGit, repo: string): Promise<void> {
  try {
    await git.raw(['rev-parse', '--git-dir']);
  } catch {
    throw new TreeError(`${repo}: not a git repository`);
  }
}

/** The commit a revision names; throws TreeError when there is none. */
export async function resolveCommit(git: SimpleGit, repo: string, rev: string): Promise<string> {
  if (rev.startsWith('-')) throw new TreeError(`${repo}: ${rev}: not a revision`);
  let sha = '';
  try {
    sha = (await git.raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`])).trim();
  } catch {
    // Handled below: a failure and an empty answer mean the same.
  }
  // --quiet makes rev-parse fail without a word, which simple-git returns as '' rather than an error.
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha)) throw new TreeError(`${repo}: unknown revision ${rev}`);
  return sha;
}

/**
 * `git cat-file --batch` kept running for a tree's reads: one process for
 * hundreds of blobs, bytes exactly as stored (no filters, no textconv).
 * simple-git runs a command to completion with its whole stdin up front,
 * so this long-lived reader is spawned directly, with the same settings and
 * the same environment (with the caller's GIT_DIR it would answer for
 * another repository). A blob the object store lacks reads as null: the
 * caller knows whether it listed it.
 */
export class BlobReader {
  private child: ChildProcessWithoutNullStreams | null = null;
  private buffered: Buffer = Buffer.alloc(0);
  private queue: { sha: string; resolve: (b: Buffer | null) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | null = null;

  constructor(private readonly repo: string) {}

  private start(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const args = SAFE_CONFIG.flatMap((c) => ['-c', c]);
    const child = spawn('git', [...args, 'cat-file', '--batch'], { cwd: this.repo, env: gitEnv() });
    child.stdout.on('data', (d: Buffer) => {
      this.buffered = this.buffered.length ? Buffer.concat([this.buffered, d]) : d;
      this.drain();
    });
    const fail = (e: Error): void => {
      this.failure = e;
      for (const q of this.queue.splice(0)) q.reject(e);
      this.child = null;
    };
    child.on('error', (e) => fail(new TreeError(`${this.repo}: git cat-file: ${e.message}`)));
    child.on('exit', (code) => {
      if (this.queue.length) fail(new TreeError(`${this.repo}: git cat-file exited (${code ?? 'signal'})`));
      this.child = null;
    });
    child.stderr.resume();
    this.child = child;
    this.hold(false);
    return child;
  }

  /** Keep the event loop alive while reads are pending, never after: a forgotten close() must not hang the CLI. */
  private hold(on: boolean): void {
    const c = this.child;
    if (!c) return;
    for (const h of [c, c.stdin, c.stdout, c.stderr] as unknown as { ref?: () => void; unref?: () => void }[]) {
      if (on) h.ref?.();
      else h.unref?.();
    }
  }

  private drain(): void {
    while (this.queue.length) {
      const nl = this.buffered.indexOf(0x0a);
      if (nl < 0) return;
      const header = this.buffered.subarray(0, nl).toString('utf8');
      const head = this.queue[0];
      if (!head) return;
      if (header.endsWith(' missing')) {
        this.buffered = this.buffered.subarray(nl + 1);
        this.queue.shift();
        head.resolve(null);
        continue;
      }
      const m = /^([0-9a-f]+) (\w+) (\d+)$/.exec(header);
      if (!m) {
        this.queue.shift();
        head.reject(new TreeError(`${this.repo}: git cat-file: unexpected "${header}"`));
        this.buffered = this.buffered.subarray(nl + 1);
        continue;
      }
      const size = Number(m[3]);
      if (this.buffered.length < nl + 1 + size + 1) return;
      const body = Buffer.from(this.buffered.subarray(nl + 1, nl + 1 + size));
      this.buffered = this.buffered.subarray(nl + 1 + size + 1);
      this.queue.shift();
      head.resolve(body);
    }
    if (!this.queue.length) this.hold(false);
  }

  read(sha: string): Promise<Buffer | null> {
    if (this.failure) return Promise.reject(this.failure);
    if (!/^[0-9a-f]{40,64}$/.test(sha)) return Promise.reject(new TreeError(`${this.repo}: ${sha}: not an object id`));
    const child = this.start();
    return new Promise((resolve, reject) => {
      this.queue.push({ sha, resolve, reject });
      this.hold(true);
      child.stdin.write(`${sha}\n`);
    });
  }

  close(): void {
    this.child?.stdin.end();
    this.child = null;
  }
}
