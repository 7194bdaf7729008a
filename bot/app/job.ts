/**
 * The steps every review job shares, a pull request's or a push's:
 *
 * 1. the repository's configuration (invalid: a neutral check run naming
 *    the key, nothing else);
 * 2. the job's own gate (a draft, a branch not configured: nothing posted);
 * 3. an in-progress check run; a failure past Octokit's retries completes
 *    it as neutral with the reason;
 * 4. the base tree (not a kernel tree: neutral, saying so);
 * 5. the commits reviewed on it as `mbox` reviews a series.
 */
import { join } from 'node:path';
import { treeArchs } from '../../analyzers/index/files.js';
import { kernelArchOf } from '../../knowledge/machine-arch.js';
import { isKernelTree } from '../../analyzers/trees/index.js';
import { CONFIG_PATH, ConfigError, type RepoConfig } from './config.js';
import { reviewCommits, type EngineRun } from './engine.js';
import { coverage, unreadCoverage, withUnpatched, type Coverage, type ListedCommit } from './findings.js';
import { neutralCheck } from './plan.js';
import { findCheck, publishCheck, startCheck, Superseded, type Octokit, type RepoRef } from './publish.js';
import type { AppSettings } from './settings.js';
import type { FetchHints, TreeSource } from './tree-source.js';

export interface JobDeps {
  octokit: Octokit;
  settings: AppSettings;
  /** The repository's `.github/kvm-review.yml`, validated; throws ConfigError. */
  config: () => Promise<RepoConfig>;
  /** The login of the App's bot user: whose comments are the App's. */
  botLogin: () => Promise<string>;
  /** The tree of a base commit: the Action's checkout, the mirror or the API (tree-source.ts). */
  tree: TreeSource;
  /** True once a newer head superseded this job. */
  superseded: () => boolean;
}

/**
 * The title of the check run a review that failed completes: the head is not
 * reviewed (alreadyReviewed() in index.ts ignores it), so a retry or a
 * redelivery of that head reviews it again; a later review replaces the title.
 */
export const FAILED_TITLE = 'kvm-review could not run';

/** A neutral check run, completing `checkRunId` when one was started. */
export async function neutral(deps: JobDeps, repo: RepoRef, sha: string, title: string, reason: string, checkRunId: number | null = null): Promise<void> {
  const id = checkRunId ?? (await findCheck(deps.octokit, repo, sha));
  await publishCheck(deps.octokit, repo, sha, neutralCheck(title, reason), { checkRunId: id, superseded: deps.superseded });
}

/** Steps 1 to 3 around `body`: `gate` returns the outcome of a job that stops before the check run, or null. */
export async function runJob<T extends string>(
  deps: JobDeps,
  repo: RepoRef,
  sha: string,
  gate: (config: RepoConfig) => T | null,
  body: (config: RepoConfig, checkRunId: number) => Promise<T>,
): Promise<T | 'invalid-config'> {
  // 1.
  let config: RepoConfig;
  try {
    config = await deps.config();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    await neutral(deps, repo, sha, 'Invalid .github/kvm-review.yml', e.message);
    return 'invalid-config';
  }
  // 2.
  const stop = gate(config);
  if (stop !== null) return stop;
  // 3.
  const checkRunId = await startCheck(deps.octokit, repo, sha);
  try {
    return await body(config, checkRunId);
  } catch (e) {
    if (e instanceof Superseded) throw e;
    // After Octokit's retries: say why on the check run rather than leave it spinning.
    await neutral(deps, repo, sha, FAILED_TITLE, `The review failed: ${e instanceof Error ? e.message : String(e)}`, checkRunId).catch(() => undefined);
    throw e;
  }
}

/** Why reviewOnBase did not review (a neutral check run said so). */
export type NotReviewed = 'not-kernel' | 'invalid-config';

/**
 * Steps 4 and 5: the review of `patch()` on the tree of `base`, or why not:
 * not a kernel tree, or `archs` names an architecture the tree has no
 * arch/NAME/kvm for (a typo such as x68 would drop every x86 finding in
 * silence: the CLI's --arch refuses it the same way).
 */
export async function reviewOnBase(
  deps: JobDeps,
  repo: RepoRef,
  job: { sha: string; checkRunId: number; base: string; hints: FetchHints; archs?: RepoConfig['archs'] },
  patch: () => Promise<string>,
): Promise<EngineRun | NotReviewed> {
  const tree = await deps.tree(job.base, job.hints);
  try {
    // 4.
    if (!(await isKernelTree(tree))) {
      await neutral(deps, repo, job.sha, 'Not a kernel tree', `The base commit ${job.base} has no Documentation/virt/kvm/locking.rst and virt/kvm/kvm_main.c: kvm-review reviews kernel trees with KVM only.`, job.checkRunId);
      return 'not-kernel';
    }
    if (job.archs && job.archs !== 'all') {
      const known = await treeArchs(tree);
      const unknown = job.archs.filter((a) => !known.includes(a));
      if (unknown.length) {
        // A name as uname -m prints it (aarch64) is said to be one, as the CLI's --arch says it.
        const which = unknown.map((a) => [`arch/${a}/kvm`, kernelArchOf(a)]).map(([dir, kernel]) => (kernel ? `${dir} (the kernel calls it ${kernel})` : dir)).join(', ');
        await neutral(deps, repo, job.sha, 'Invalid .github/kvm-review.yml', `${CONFIG_PATH}: archs: the base commit ${job.base} has no ${which}; archs takes all, or some of ${known.join(', ')}.`, job.checkRunId);
        return 'invalid-config';
      }
    }
    // 5.
    await tree.prefetch?.();
    return await reviewCommits(await patch(), tree, join(deps.settings.cacheDir, 'index'));
  } finally {
    tree.close?.();
  }
}

/**
 * Which commits the review left out. git shows no merge commit in a
 * `.patch`: when GitHub counts more commits (`total`: the pull request's
 * `commits`, the compare's `total_commits`) than the series has, or the
 * series has none, the commits as GitHub lists them (`listed`, asked only
 * then) name the merges, counted as not reviewed. With none reviewed (merges
 * only, or none past the base) the check run is neutral; beside reviewed
 * commits, its conclusion is theirs and only the coverage says more.
 */
export async function reviewCoverage(run: EngineRun, total: number, listed: () => Promise<readonly ListedCommit[]>): Promise<Coverage> {
  const shas = run.series.commits;
  if (!shas.length) return unreadCoverage(await listed());
  const reviewed = coverage(run.result, shas);
  return total === shas.length ? reviewed : withUnpatched(reviewed, shas, await listed());
}
