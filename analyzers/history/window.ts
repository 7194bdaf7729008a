/**
 * The window of history a digest covers, read with simple-git: the commits
 * of `--from A --to B` (A..B: reachable from B, not from A; the state
 * before the window is A's), or of `--since DATE` up to `--to`/HEAD (the
 * state before is the newest commit before DATE), by default the last 7
 * days. Commits come oldest first with the files each changed (against
 * its first parent).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SimpleGit } from 'simple-git';
import { assertRepository, gitClient, resolveCommit } from '../trees/git-client.js';
import { TreeError } from '../trees/model.js';
import type { CommitRef } from './model.js';

export interface WindowOptions {
  from?: string;
  to?: string;
  /** A date git and Date.parse both read (ISO 8601, `2026-11-23`). */
  since?: string;
  /** "Now", for the default window (tests pin it). */
  now?: Date;
}

export interface WindowCommit extends CommitRef {
  /** First parent, null for a root commit. */
  parent: string | null;
  /** Paths changed against the first parent (every path for a root commit). */
  files: string[];
}

export interface HistoryWindow {
  git: SimpleGit;
  from: CommitRef | null;
  to: CommitRef;
  since: string | null;
  commits: WindowCommit[];
  notes: string[];
}

/** A --since that no date reading accepts. */
export class WindowError extends TreeError {}

const SEP = '\u001f';
const FORMAT = ['%H', '%P', '%an <%ae>', '%cI', '%s'].join(SEP);

function parseRef(line: string): (CommitRef & { parent: string | null }) | null {
  const [hash, parents, author, date, ...subject] = line.split(SEP);
  if (!hash || !/^[0-9a-f]{40,64}$/.test(hash)) return null;
  return { hash, parent: parents?.split(' ').filter(Boolean)[0] ?? null, author: author ?? '', date: new Date(date ?? 0).toISOString(), subject: subject.join(SEP) };
}

/** One commit's reference. */
export async function commitRef(git: SimpleGit, hash: string): Promise<CommitRef> {
  const ref = parseRef((await git.raw(['show', '-s', '--no-show-signature', `--format=${FORMAT}`, hash, '--'])).trim());
  if (!ref) throw new TreeError(`${hash}: not a commit`);
  return { hash: ref.hash, subject: ref.subject, author: ref.author, date: ref.date };
}

/** The first parent of `hash`, null for a root commit (or one a shallow clone cut). */
export async function parentOf(git: SimpleGit, hash: string): Promise<string | null> {
  const out = (await git.raw(['rev-list', '--parents', '-n', '1', hash, '--'])).trim().split(' ');
  return out[1] ?? null;
}

/** Commits of `rev-list ARGS`, oldest first, with the files each changed. */
async function listCommits(git: SimpleGit, args: string[]): Promise<WindowCommit[]> {
  // -m --first-parent: a merge lists what it brought in against its first parent.
  const out = await git.raw(['log', '--reverse', '--no-show-signature', '--no-renames', '--no-ext-diff', '--no-textconv', '--first-parent', '-m', '--name-only', `--format=%x1e${FORMAT}`, ...args, '--']);
  const commits: WindowCommit[] = [];
  for (const rec of out.split('\u001e')) {
    const [head, ...rest] = rec.split('\n');
    const ref = head ? parseRef(head) : null;
    if (ref) commits.push({ ...ref, files: rest.map((l) => l.trim()).filter(Boolean) });
  }
  return commits;
}

/** The commits a shallow clone cut the parents of (empty when the repository is complete). */
export async function shallowBoundary(git: SimpleGit, repo: string): Promise<Set<string>> {
  if ((await git.raw(['rev-parse', '--is-shallow-repository'])).trim() !== 'true') return new Set();
  // git names the shallow file relative to the repository it runs in.
  const path = resolve(repo, (await git.raw(['rev-parse', '--git-path', 'shallow'])).trim());
  return new Set(existsSync(path) ? readFileSync(path, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean) : []);
}

/** resolveCommit, and an empty answer (git printed nothing, simple-git did not throw) is an unknown revision too. */
async function commitOf(git: SimpleGit, repo: string, rev: string): Promise<string> {
  const hash = await resolveCommit(git, repo, rev);
  if (!/^[0-9a-f]{40,64}$/.test(hash)) throw new TreeError(`${repo}: unknown revision ${rev}`);
  return hash;
}

export async function readWindow(repo: string, opts: WindowOptions): Promise<HistoryWindow> {
  const git = gitClient(repo);
  await assertRepository(git, repo);
  const notes: string[] = [];
  const toHash = await commitOf(git, repo, opts.to ?? 'HEAD');
  const to = await commitRef(git, toHash);
  const shallow = await shallowBoundary(git, repo);
  let from: CommitRef | null = null;
  let since: string | null = null;
  let commits: WindowCommit[];
  if (opts.from !== undefined) {
    const fromHash = await commitOf(git, repo, opts.from);
    from = await commitRef(git, fromHash);
    commits = await listCommits(git, [`${fromHash}..${toHash}`]);
  } else {
    const start = opts.since !== undefined ? Date.parse(opts.since) : (opts.now ?? new Date()).getTime() - 7 * 24 * 3600 * 1000;
    if (Number.isNaN(start)) throw new WindowError(`--since ${opts.since}: not a date (give YYYY-MM-DD or an ISO 8601 date)`);
    since = new Date(start).toISOString();
    commits = await listCommits(git, [`--since=${since}`, toHash]);
    const before = (await git.raw(['rev-list', '--first-parent', '-1', `--until=${since}`, toHash, '--'])).trim();
    if (before) from = await commitRef(git, before);
    else if (shallow.size) notes.push(`shallow clone: the history before ${commits[0]?.hash.slice(0, 12) ?? toHash.slice(0, 12)} is not in the repository, so the window's start (${since.slice(0, 10)}) could not be seen; the digest starts from the oldest commit it has`);
  }
  if (!commits.length) notes.push(`empty window: no commits ${from ? `between ${from.hash.slice(0, 12)} and` : 'up to'} ${toHash.slice(0, 12)}${since ? ` since ${since.slice(0, 10)}` : ''}; the drift is that of ${toHash.slice(0, 12)}`);
  const cut = commits.find((c) => shallow.has(c.hash));
  if (cut && !notes.some((n) => n.startsWith('shallow'))) notes.push(`shallow clone: the parents of ${cut.hash.slice(0, 12)} are not in the repository; history before it is not seen`);
  return { git, from, to, since, commits, notes };
}
