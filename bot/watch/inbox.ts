/**
 * New messages of a public-inbox v2 epoch: the commits after the last one
 * seen, each with its blob `m` and the message decoded from it. git does
 * the reading: simple-git for `rev-list` and `rev-parse`, and one
 * `cat-file --batch` process for all the blobs (simple-git cannot feed a
 * command's stdin, and one process per message would be 1,000 forks).
 *
 * A bad commit (no `m`, a blob that is not mail) is returned with its
 * reason instead of a message: the caller logs it and goes on.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { decodeMessage } from '../../analyzers/sources/decode.js';
import { splitMbox } from '../../analyzers/sources/mbox-split.js';
import type { SourceMessage } from '../../analyzers/sources/model.js';

/** One commit of the inbox, oldest first. */
export interface InboxEntry {
  /** The commit that added the message. */
  commit: string;
  /** The raw blob `m` (RFC 822 bytes); null when the commit has none. */
  raw: Buffer | null;
  /** The decoded message; null when the commit is bad (see `error`). */
  message: SourceMessage | null;
  /** Why the commit gives no message ("no blob m", "not mail: ..."); null when it does. */
  error: string | null;
}

/** How to make an epoch the watcher reads: a bare mirror, whose HEAD `git fetch` moves. */
const MIRROR = 'git clone --mirror https://lore.kernel.org/<list>/0 <list>-0.git';

/** The inbox as a whole cannot be read (not a git repository, no `m` blobs). */
export class InboxError extends Error {
  constructor(
    readonly inbox: string,
    reason: string,
  ) {
    super(`${inbox}: ${reason}`);
  }
}

/**
 * Checks that `dir` is a public-inbox epoch, or an inbox directory each of
 * whose epochs (epochsOf) is one. Rejects with InboxError naming it otherwise.
 */
export async function checkInbox(dir: string): Promise<void> {
  const epochs = epochsOf(dir);
  if (!epochs) return checkEpoch(dir, ', nor an inbox directory whose git/ holds its epochs 0.git, 1.git, ...');
  for (const epoch of epochs) await checkEpoch(epoch);
}

/** Checks that `dir` is a public-inbox epoch: a git repository whose newest commit holds a blob `m`. `nor`: what else it could have been. */
async function checkEpoch(dir: string, nor = ''): Promise<void> {
  // A plain `git clone` of an epoch: its HEAD does not move on `git fetch`, so the watcher would never see a new
  // message. Named for what it is, rather than "not a git repository", which it is.
  if (existsSync(join(dir, '.git'))) {
    throw new InboxError(dir, `a clone with a work tree (${join(dir, '.git')}), not a public-inbox epoch as lore serves it: give a mirror, which git fetch keeps up to date: ${MIRROR}`);
  }
  const git = gitOf(dir);
  let head: string;
  try {
    head = (await git.raw(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'])).trim();
  } catch (e) {
    const why = (e as Error).message.trim().split('\n')[0] ?? '';
    throw new InboxError(dir, `not a git repository with commits (a public-inbox epoch is one: ${MIRROR})${nor}${why ? `: ${why}` : ''}`);
  }
  if (!head) throw new InboxError(dir, 'not a git repository with commits');
  // One commit with `m` in the newest 20 is enough: a purge commit alone (no `m`) must not condemn the inbox.
  const recent = (await git.raw(['rev-list', '--max-count=20', 'HEAD'])).split('\n').filter(Boolean);
  for (const commit of recent) {
    const tree = await git.raw(['ls-tree', '--name-only', commit]);
    if (tree.split('\n').includes('m')) return;
  }
  throw new InboxError(dir, 'not a public-inbox repository: none of its newest commits holds a message blob m');
}

/**
 * The epochs of a public-inbox v2 inbox directory, in order: DIR/git/N.git, as
 * public-inbox-clone and grokmirror lay out a mirror of a lore list. Null when DIR has
 * none (it is then an epoch itself, or no inbox). Lore starts a new epoch when one has
 * grown to about a gigabyte: the watcher lists them again on every pass, so that a new
 * one is read from its first message rather than missed until someone restarts it.
 */
export function epochsOf(dir: string): string[] | null {
  let names: string[];
  try {
    names = readdirSync(join(dir, 'git'));
  } catch {
    return null;
  }
  const epochs = names
    .map((n) => /^(\d+)\.git$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((m) => join(dir, 'git', m[0]));
  return epochs.length ? epochs : null;
}

/**
 * simple-git on a bare repository. Its guard refuses `--git-dir` and
 * GIT_* variables unless allowed, so GIT_DIR is allowed by name.
 */
function gitOf(dir: string): SimpleGit {
  return simpleGit({ baseDir: process.cwd(), allowEnvironment: ['GIT_DIR'] }).env({ ...plainEnv(), GIT_DIR: dir });
}

/**
 * A small environment for git: simple-git refuses guarded variables passed
 * explicitly (GIT_*, EDITOR, PAGER, ...), and git needs none of them here.
 */
function plainEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR']) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return env;
}

/**
 * True when `commit` is a commit of the repository. The last commit read is
 * gone when the history was rewritten (public-inbox-purge rewrites every
 * commit after the message it removes) and pruned, or the inbox was cloned
 * again: `since..HEAD` would then fail on every pass.
 */
export async function hasCommit(dir: string, commit: string): Promise<boolean> {
  try {
    await gitOf(dir).raw(['cat-file', '-e', `${commit}^{commit}`]);
    return true;
  } catch {
    return false;
  }
}

/** The commits after `since` (all when null), oldest first, with HEAD's commit. */
export async function newCommits(dir: string, since: string | null): Promise<string[]> {
  const git = gitOf(dir);
  const range = since ? `${since}..HEAD` : 'HEAD';
  return (await git.raw(['rev-list', '--reverse', range])).split('\n').filter(Boolean);
}

/** Reads the blobs `m` of `commits` with one `git cat-file --batch` and decodes each. */
export async function readEntries(dir: string, commits: string[]): Promise<InboxEntry[]> {
  if (commits.length === 0) return [];
  const blobs = await catFileBatch(dir, commits.map((c) => `${c}:m`));
  const out: InboxEntry[] = [];
  for (const [i, commit] of commits.entries()) {
    const raw = blobs[i] ?? null;
    if (raw === null) {
      out.push({ commit, raw: null, message: null, error: 'the commit has no message blob m (a purge, or not a public-inbox commit)' });
      continue;
    }
    const problem = notMail(raw);
    if (problem) {
      out.push({ commit, raw, message: null, error: `the blob m is not mail: ${problem}` });
      continue;
    }
    out.push({ commit, raw, message: await decode(raw, dir, commit), error: null });
  }
  return out;
}

/** Decodes one stored message the way the inbox read it (the commit kept in its position). */
export async function decode(raw: Buffer, file: string, commit: string): Promise<SourceMessage> {
  const split = splitMbox(raw, { file, layout: 'message' });
  const first = split.messages[0];
  if (!first) throw new Error(`${file}: commit ${commit}: empty message`);
  const message = await decodeMessage(first, file);
  message.position = { ...message.position, commit };
  return message;
}

/** Why a blob is not an RFC 822 message, or null: it needs a header block with From and Message-ID. */
function notMail(raw: Buffer): string | null {
  const text = raw.subarray(0, 64 * 1024).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = end < 0 ? text : text.slice(0, end);
  const lines = head.split(/\r?\n/);
  if (!lines.every((l) => /^[\x21-\x39\x3b-\x7e]+:/.test(l) || /^[ \t]/.test(l))) return 'its first lines are not mail headers';
  const names = new Set(lines.map((l) => /^([^:\s]+):/.exec(l)?.[1]?.toLowerCase()).filter(Boolean));
  const missing = ['from', 'message-id'].filter((n) => !names.has(n));
  return missing.length ? `no ${missing.join(' or ')} header` : null;
}

/** `git cat-file --batch` for `objects`: the bytes of each, null for a missing one. */
function catFileBatch(dir: string, objects: string[]): Promise<(Buffer | null)[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [`--git-dir=${dir}`, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new InboxError(dir, `cannot run git: ${e.message}`)));
    child.on('close', (code) => {
      if (code !== 0) return reject(new InboxError(dir, `git cat-file failed: ${Buffer.concat(err).toString('utf8').trim()}`));
      try {
        resolve(parseBatch(Buffer.concat(out), objects.length));
      } catch (e) {
        reject(new InboxError(dir, (e as Error).message));
      }
    });
    // git may exit early on a broken repository: 'close' then reports its own error.
    child.stdin.on('error', () => undefined);
    child.stdin.end(objects.map((o) => `${o}\n`).join(''));
  });
}

/** Splits cat-file's output: `<oid> blob <size>\n<bytes>\n`, or `<name> missing\n`. */
function parseBatch(bytes: Buffer, count: number): (Buffer | null)[] {
  const out: (Buffer | null)[] = [];
  let at = 0;
  while (out.length < count) {
    const eol = bytes.indexOf(0x0a, at);
    if (eol < 0) throw new Error(`git cat-file --batch stopped after ${out.length} of ${count} objects`);
    const header = bytes.subarray(at, eol).toString('utf8');
    const size = /^\S+ (\S+) (\d+)$/.exec(header);
    if (!size) {
      // `<name> missing`: no content follows.
      out.push(null);
      at = eol + 1;
      continue;
    }
    const n = Number(size[2]);
    // An `m` that is a tree (not a blob) is not a message; its bytes are skipped all the same.
    out.push(size[1] === 'blob' ? bytes.subarray(eol + 1, eol + 1 + n) : null);
    at = eol + 1 + n + 1;
  }
  return out;
}
