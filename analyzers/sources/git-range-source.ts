/**
 * A range of commits as a series, like `checkpatch.pl --git`: each commit
 * of RANGE, oldest first, becomes `[PATCH k/M]` in `git format-patch` form
 * (no external diff, no textconv, hooks off: nothing from the repository
 * runs), read by the same mail decoder as `mbox`. A merge commit keeps its
 * slot, skipped with the reason. The work tree is never read: when it has
 * uncommitted changes, a note says they are not part of the review.
 *
 * RANGE is `A..B` (every commit of B not in A), a single commit (that
 * commit alone), default `@{upstream}..HEAD`. The series is reviewed
 * against the tree of the first commit's parent: the range's base.
 */
import type { SimpleGit } from 'simple-git';
import { assembleSeries } from '../series/assemble.js';
import { classify } from '../series/classify.js';
import type { PatchEntry, Series } from '../series/model.js';
import { assertRepository, gitClient, gitMessage, resolveCommit } from '../trees/git-client.js';
import { TreeError } from '../trees/model.js';
import { readBytes } from './file-source.js';
import type { Person } from './model.js';

export const DEFAULT_RANGE = '@{upstream}..HEAD';

export interface GitCommit {
  sha: string;
  parents: string[];
  subject: string;
}

export interface GitRangeSeries {
  repo: string;
  range: string;
  /** The commits of the range, oldest first (merges included). */
  commits: GitCommit[];
  /** The commit whose tree the series is reviewed against: the first commit's parent. */
  base: string;
  /** The series: one patch per commit, slot k for the k-th commit. */
  series: Series;
  /** What the reader noticed: uncommitted changes, merges. */
  notes: string[];
}

async function commitsOf(git: SimpleGit, repo: string, range: string): Promise<string[]> {
  if (range.startsWith('-')) throw new TreeError(`${repo}: ${range}: not a revision range`);
  if (!range.includes('..')) return [await resolveCommit(git, repo, range)];
  try {
    const out = await git.raw(['rev-list', '--reverse', '--topo-order', '--end-of-options', range]);
    return out.split('\n').filter(Boolean);
  } catch (e) {
    const why = gitMessage(e);
    const hint = range === DEFAULT_RANGE ? ' (the default range needs an upstream branch: give RANGE, e.g. origin/master..HEAD)' : '';
    throw new TreeError(`${repo}: ${range}: ${why}${hint}`);
  }
}

type Described = GitCommit & { author: Person; date: string | null };

/** Commits described per `git log` call: their ids are 41 bytes of its command line each. */
const DESCRIBED_PER_CALL = 512;

/**
 * Each commit's parents, author, date and subject, in the order given: one `git log --no-walk`
 * for many commits (a git process costs the review about 10 ms). One line a commit: no field
 * printed can hold a line break.
 */
async function describe(git: SimpleGit, repo: string, shas: string[]): Promise<Described[]> {
  const out: Described[] = [];
  for (let i = 0; i < shas.length; i += DESCRIBED_PER_CALL) {
    const chunk = shas.slice(i, i + DESCRIBED_PER_CALL);
    const text = await git.raw(['log', '--no-walk=unsorted', '--no-show-signature', '--format=%H%x00%P%x00%an%x00%ae%x00%aI%x00%s', ...chunk]);
    const lines = text.split('\n').filter(Boolean);
    for (const [k, sha] of chunk.entries()) {
      const [h = '', p = '', an = '', ae = '', ad = '', s = ''] = (lines[k] ?? '').split('\0');
      if (h !== sha) throw new TreeError(`${repo}: git log did not describe commit ${sha} (${lines.length} lines for ${chunk.length} commits)`);
      out.push({ sha: h, parents: p.split(' ').filter(Boolean), subject: s, author: { name: an, email: ae.toLowerCase() }, date: ad ? new Date(ad).toISOString() : null });
    }
  }
  return out;
}

/** `git format-patch` of one commit as [PATCH k/M], with nothing of the repository's configuration run. */
async function formatPatch(git: SimpleGit, sha: string, k: number, m: number): Promise<string> {
  return git.raw([
    'format-patch',
    '--stdout',
    '-1',
    '--no-ext-diff',
    '--no-textconv',
    '--no-color',
    '--no-signature',
    '--no-notes',
    `--subject-prefix=PATCH ${k}/${m}`,
    sha,
  ]);
}

async function uncommitted(git: SimpleGit): Promise<boolean> {
  try {
    if ((await git.raw(['rev-parse', '--is-bare-repository'])).trim() === 'true') return false;
    // Tracked files only: untracked ones are not changes to a commit.
    return (await git.raw(['status', '--porcelain', '--untracked-files=no', '--ignore-submodules'])).trim().length > 0;
  } catch {
    return false;
  }
}

function mergeEntry(c: Described, k: number, label: string): PatchEntry {
  return {
    index: k,
    subject: `[PATCH ${k}] ${c.subject}`,
    title: c.subject,
    messageId: null,
    author: c.author,
    sender: c.author,
    date: c.date,
    status: 'skipped',
    reason: `a merge commit (${c.sha.slice(0, 12)}, ${c.parents.length} parents): merges are not reviewed; review the commits they bring in`,
    description: '',
    files: [],
    patchId: null,
    position: { file: label, index: k, line: 1, commit: c.sha },
    warnings: [],
  };
}

export async function readGitRange(repo: string, range: string = DEFAULT_RANGE): Promise<GitRangeSeries> {
  const git = gitClient(repo);
  await assertRepository(git, repo);
  const shas = await commitsOf(git, repo, range);
  if (shas.length === 0) throw new TreeError(`${repo}: ${range}: no commits to review`);
  // Whether the work tree has changes (a `git status` of the whole tree) is asked while the commits are read.
  const dirty = uncommitted(git);
  const commits = await describe(git, repo, shas);
  const first = commits[0];
  const base = first?.parents[0];
  if (!first || !base) throw new TreeError(`${repo}: ${first?.sha.slice(0, 12) ?? range} is a root commit: there is no tree before it to review against`);
  const m = commits.length;
  const group = [];
  const merges: PatchEntry[] = [];
  // All asked at once: simple-git runs as many git processes as gitClient() allows, in turn.
  const patches = commits.map((c, i) => (c.parents.length > 1 ? null : formatPatch(git, c.sha, i + 1, m)));
  // Each is awaited in its turn below; one failing before then is not an unhandled rejection.
  for (const p of patches) p?.catch(() => undefined);
  for (const [i, c] of commits.entries()) {
    const label = `${repo}@${c.sha.slice(0, 12)}`;
    const patch = patches[i];
    if (!patch) {
      merges.push(mergeEntry(c, i + 1, label));
      continue;
    }
    const read = await readBytes(Buffer.from(await patch), label);
    for (const message of read.messages) group.push(classify({ ...message, position: { ...message.position, commit: c.sha } }));
  }
  const notes: string[] = [];
  let series: Series;
  if (group.length) {
    // One series whatever the authors: a branch is one posting (grouping by sender would split it).
    series = assembleSeries(group).series;
  } else {
    const only = merges[0] as PatchEntry;
    series = {
      fingerprint: '',
      version: 1,
      expected: m,
      sender: only.author,
      title: only.title,
      rfc: false,
      resend: false,
      backport: null,
      tags: [],
      cover: null,
      patches: [],
      missing: [],
      duplicates: [],
      followUps: [],
      complete: true,
      hasCover: false,
      date: only.date,
    };
  }
  if (merges.length) {
    series.patches = [...series.patches, ...merges].sort((a, b) => a.index - b.index);
    series.missing = series.missing.filter((k) => !merges.some((p) => p.index === k));
    series.complete = series.missing.length === 0;
    notes.push(`${merges.length} merge commit(s) in ${range}: not reviewed`);
  }
  if (await dirty) notes.push(`${repo}: the work tree has uncommitted changes; they are not part of the review (only the commits of ${range} are)`);
  return { repo, range, commits, base, series, notes };
}
