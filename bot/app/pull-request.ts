/**
 * A pull request reviewed: its commits as a series against the base
 * commit's tree, the plan against what the App already posted, then the
 * posting. Returns what happened, for the log.
 *
 * 1. the repository's configuration (invalid: neutral check, nothing else);
 * 2. drafts skipped unless configured;
 * 3. an in-progress check run; size limits (past them: neutral);
 * 4. the base tree through the API (not a kernel tree: neutral);
 * 5. the commits reviewed as `mbox` reviews a series;
 * 6. findings configured and placed; the diff's lines; the App's comments;
 * 7. plan, then publish (a newer head supersedes: nothing posted).
 */
import { join } from 'node:path';
import type { BaseTree } from './checkout-tree.js';
import { ConfigError, type RepoConfig } from './config.js';
import { reviewCommits } from './engine.js';
import { diffLines, placedFindings, reviewNotes } from './findings.js';
import { neutralCheck, planReview, type ExistingComment } from './plan.js';
import { findCheck, publishCheck, publishPullRequest, startCheck, Superseded, type Octokit, type RepoRef } from './publish.js';
import type { AppSettings } from './settings.js';

export interface PullRequestJob {
  repo: RepoRef;
  number: number;
  headSha: string;
  baseSha: string;
  draft: boolean;
}

export interface JobDeps {
  octokit: Octokit;
  settings: AppSettings;
  /** The repository's `.github/kvm-review.yml`, validated; throws ConfigError. */
  config: () => Promise<RepoConfig>;
  /** The login of the App's bot user: whose comments are the App's. */
  botLogin: () => Promise<string>;
  /** The tree of a base commit: through the API, or read from a local repository (the Action's checkout). */
  tree: (commit: string) => BaseTree;
  /** True once a newer head superseded this job. */
  superseded: () => boolean;
}

export type Outcome = 'reviewed' | 'draft' | 'invalid-config' | 'too-large' | 'not-kernel' | 'failed';

/** A neutral check run, completing `checkRunId` when one was started. */
export async function neutral(deps: JobDeps, repo: RepoRef, sha: string, title: string, reason: string, checkRunId: number | null = null): Promise<void> {
  const id = checkRunId ?? (await findCheck(deps.octokit, repo, sha));
  await publishCheck(deps.octokit, repo, sha, neutralCheck(title, reason), { checkRunId: id, superseded: deps.superseded });
}

export async function reviewPullRequest(deps: JobDeps, job: PullRequestJob): Promise<Outcome> {
  const { octokit, settings } = deps;
  const { repo, headSha } = job;
  // 1.
  let config: RepoConfig;
  try {
    config = await deps.config();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    await neutral(deps, repo, headSha, 'Invalid .github/kvm-review.yml', e.message);
    return 'invalid-config';
  }
  // 2.
  if (job.draft && !config.drafts) return 'draft';
  // 3.
  const checkRunId = await startCheck(octokit, repo, headSha);
  try {
    const { data: pr } = await octokit.rest.pulls.get({ ...repo, pull_number: job.number });
    const over = [
      pr.changed_files > settings.maxFiles ? `${pr.changed_files} changed files (limit ${settings.maxFiles})` : '',
      pr.additions + pr.deletions > settings.maxLines ? `${pr.additions + pr.deletions} changed lines (limit ${settings.maxLines})` : '',
      pr.commits > settings.maxCommits ? `${pr.commits} commits (limit ${settings.maxCommits})` : '',
    ].filter(Boolean);
    if (over.length) {
      await neutral(deps, repo, headSha, 'Pull request too large to review', `Not reviewed: ${over.join(', ')}. The limits are the App's KVM_REVIEW_MAX_FILES, KVM_REVIEW_MAX_LINES and KVM_REVIEW_MAX_COMMITS.`, checkRunId);
      return 'too-large';
    }
    // 4.
    const tree = deps.tree(job.baseSha);
    if (!(await tree.isKernelTree())) {
      await neutral(deps, repo, headSha, 'Not a kernel tree', `The base commit ${job.baseSha} has no Documentation/virt/kvm/locking.rst and virt/kvm/kvm_main.c: kvm-review reviews kernel trees with KVM only.`, checkRunId);
      return 'not-kernel';
    }
    // 5.
    const patch = await octokit.rest.pulls.get({ ...repo, pull_number: job.number, mediaType: { format: 'patch' } });
    const run = await reviewCommits(patch.data as unknown as string, await tree.materialize(), join(settings.cacheDir, 'index'));
    // 6.
    const files = await octokit.paginate(octokit.rest.pulls.listFiles, { ...repo, pull_number: job.number, per_page: 100 });
    const existing = await existingComments(octokit, repo, job.number, await deps.botLogin());
    // 7.
    const plan = planReview({
      findings: placedFindings(run.result, config),
      diff: diffLines(files),
      existing,
      headSha,
      config,
      rulesUrl: settings.rulesUrl,
      notes: reviewNotes(run.result),
    });
    await publishPullRequest(octokit, repo, { number: job.number, headSha }, plan, { checkRunId, superseded: deps.superseded });
    return 'reviewed';
  } catch (e) {
    if (e instanceof Superseded) throw e;
    // After Octokit's retries: say why on the check run rather than leave it spinning.
    await neutral(deps, repo, headSha, 'kvm-review could not run', `The review failed: ${e instanceof Error ? e.message : String(e)}`, checkRunId).catch(() => undefined);
    throw e;
  }
}

/** The pull request's review comments and review bodies, with whose they are and how many replies each has. */
export async function existingComments(octokit: Octokit, repo: RepoRef, number: number, bot: string): Promise<ExistingComment[]> {
  const comments = await octokit.paginate(octokit.rest.pulls.listReviewComments, { ...repo, pull_number: number, per_page: 100 });
  const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, { ...repo, pull_number: number, per_page: 100 });
  const replies = new Map<number, number>();
  for (const c of comments) if (c.in_reply_to_id) replies.set(c.in_reply_to_id, (replies.get(c.in_reply_to_id) ?? 0) + 1);
  return [
    ...comments.filter((c) => !c.in_reply_to_id).map((c) => ({ id: c.id, kind: 'line' as const, body: c.body, mine: c.user?.login === bot, replies: replies.get(c.id) ?? 0 })),
    ...reviews.map((r) => ({ id: r.id, kind: 'review' as const, body: r.body ?? '', mine: r.user?.login === bot, replies: 0 })),
  ];
}
