/**
 * Where the App reads a base commit's tree, one of three kinds, all a
 * `Tree` the analysis reads directly (nothing is staged in a directory):
 *
 * - the Action's checkout: the git tree of the commit in that repository;
 * - mirror mode (KVM_REVIEW_MIRROR): a local bare clone per repository,
 *   `<mirror>/<owner>/<repo>.git`, fetched from its own `origin` remote
 *   (the refs the job names, then the commit itself when still missing)
 *   and read through the git tree: no checkout, hooks off, nothing from
 *   the pull request executed;
 * - otherwise the GitHub API tree, with its blob cache on disk.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GitTree } from '../../analyzers/trees/git-tree.js';
import { gitClient, gitMessage } from '../../analyzers/trees/git-client.js';
import { TreeError, type Tree } from '../../analyzers/trees/model.js';
import { ApiTree } from './api-tree.js';
import type { Octokit, RepoRef } from './publish.js';
import type { AppSettings } from './settings.js';

/** A tree as a job uses it. */
export interface SourceTree extends Tree {
  /** Fetch what the engine will read before it reads it (the API tree: blobs a few at a time). */
  prefetch?(): Promise<void>;
  /** Done with it (a git tree keeps a `cat-file` process). */
  close?(): void;
}

/** What a mirror must hold besides the base commit, and the refs on GitHub that lead to all of it. */
export interface FetchHints {
  /** `refs/pull/N/head`, `refs/heads/queue`: fetched into the same names. */
  refs?: readonly string[];
  /** The head commit(s) of the job. */
  commits?: readonly string[];
}

/** The tree of `commit`; a mirror first fetches what `hints` name when it lacks any of it. */
export type TreeSource = (commit: string, hints?: FetchHints) => Promise<SourceTree>;

export interface TreeSourceOptions {
  settings: AppSettings;
  /** A local repository holding the commits (the Action's checkout). */
  checkout?: string;
}

/** GitHub's spelling of owner and repository names: nothing that leaves the mirror directory. */
const NAME = /^(?!\.{1,2}$)[A-Za-z0-9._-]+$/;

/** The bare clone mirror mode reads for `repo`; TreeError for a name GitHub would not give. */
export function mirrorPath(mirror: string, repo: RepoRef): string {
  for (const n of [repo.owner, repo.repo]) if (!NAME.test(n)) throw new TreeError(`${repo.owner}/${repo.repo}: not a repository name a mirror directory can hold`);
  return join(mirror, repo.owner, `${repo.repo}.git`);
}

const SHA = /^[0-9a-f]{40}$/;
const REF = /^refs\/(pull\/\d+\/head|heads\/[A-Za-z0-9._/-]+)$/;

/** The commits of `commits` the repository does not have. */
async function missing(dir: string, commits: readonly string[]): Promise<string[]> {
  const git = gitClient(dir);
  const out: string[] = [];
  for (const c of commits) {
    try {
      await git.raw(['cat-file', '-e', `${c}^{commit}`]);
    } catch {
      out.push(c);
    }
  }
  return out;
}

/**
 * Makes sure the mirror has every commit of `commits`: fetches `refs`
 * from origin (each into the same name, forced: a pull request's head
 * moves), then the commits still missing by id (GitHub serves any
 * reachable commit). Throws TreeError naming the mirror and the commits
 * when they still are not there.
 */
export async function fetchIntoMirror(dir: string, commits: readonly string[], refs: readonly string[] = []): Promise<void> {
  const bad = [...commits.filter((c) => !SHA.test(c)), ...refs.filter((r) => !REF.test(r))];
  if (bad.length) throw new TreeError(`${dir}: ${bad.join(', ')}: not a commit id or a branch or pull request ref`);
  if (!existsSync(dir)) throw new TreeError(`${dir}: no bare clone of this repository in KVM_REVIEW_MIRROR (make one with git clone --bare)`);
  let lacking = await missing(dir, commits);
  if (!lacking.length) return;
  const git = gitClient(dir);
  const problems: string[] = [];
  for (const args of [refs.map((r) => `+${r}:${r}`), 'by id'] as const) {
    const specs = args === 'by id' ? lacking : args;
    if (!specs.length) continue;
    try {
      // Refs only: no FETCH_HEAD, no tags, no submodules; hooks are off (git-client's settings).
      await git.raw(['fetch', '--quiet', '--no-tags', '--no-recurse-submodules', '--no-write-fetch-head', 'origin', ...specs]);
    } catch (e) {
      problems.push(gitMessage(e));
    }
    lacking = await missing(dir, lacking);
    if (!lacking.length) return;
  }
  throw new TreeError(`${dir}: ${lacking.join(', ')} not in the mirror and not fetched from origin${problems.length ? ` (${problems.join('; ')})` : ''}`);
}

/** The tree source for one repository: checkout, mirror or API, in that order of preference. */
export function treeFor(octokit: Octokit, repo: RepoRef, opts: TreeSourceOptions): TreeSource {
  const { settings, checkout } = opts;
  return async (commit, hints = {}) => {
    if (checkout) {
      // actions/checkout fetches one commit unless told otherwise. (Checked here: GitTree.open's rev-parse --quiet fails without a message, which simple-git does not reject.)
      if (!SHA.test(commit) || (await missing(checkout, [commit])).length) throw new TreeError(`${checkout}: unknown revision ${commit} (check out with fetch-depth: 0 so that the base commit is there)`);
      return GitTree.open(checkout, commit);
    }
    if (settings.mirror) {
      const dir = mirrorPath(settings.mirror, repo);
      await fetchIntoMirror(dir, [commit, ...(hints.commits ?? [])], hints.refs);
      return GitTree.open(dir, commit);
    }
    return new ApiTree(octokit, repo, commit, join(settings.cacheDir, 'git'));
  };
}
