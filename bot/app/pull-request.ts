/**
 * A pull request reviewed: its commits as a series against the base
 * commit's tree, the plan against what the App already posted, then the
 * posting. Returns what happened, for the log. The steps it shares with a
 * push (configuration, check run, tree, engine) are job.ts's.
 *
 * 1. drafts skipped unless configured;
 * 2. a pull request no longer open (closed, merged): no review, a neutral
 *    check run that does not count as a review (reopened, it is reviewed);
 *    size limits (past them: neutral);
 * 3. the commits reviewed on the base tree (not a kernel tree: neutral);
 * 4. findings configured and placed; the diff's lines; the App's comments;
 * 5. plan, then publish (a newer head supersedes: nothing posted).
 */
import { fixedFingerprintsIn, fixedIn } from './comment.js';
import { subjectKey } from './gone.js';
import { diffLines, placedFindings, reviewNotes } from './findings.js';
import { neutral, reviewCoverage, reviewOnBase, runJob, type JobDeps } from './job.js';
import { planReview, type ExistingComment } from './plan.js';
import { publishPullRequest, type Octokit, type RepoRef } from './publish.js';

export { neutral, type JobDeps } from './job.js';

export interface PullRequestJob {
  repo: RepoRef;
  number: number;
  headSha: string;
  baseSha: string;
  draft: boolean;
}

/** The title of the check run of a pull request found closed or merged: the head is not reviewed (alreadyReviewed() in index.ts ignores it). */
export const CLOSED_TITLE = 'Not reviewed: the pull request is closed';

export type Outcome = 'reviewed' | 'draft' | 'closed' | 'invalid-config' | 'too-large' | 'not-kernel';

export async function reviewPullRequest(deps: JobDeps, job: PullRequestJob): Promise<Outcome> {
  const { octokit, settings } = deps;
  const { repo, headSha } = job;
  const pull = { ...repo, pull_number: job.number };
  // 1.
  const gate = (config: { drafts: boolean }): Outcome | null => (job.draft && !config.drafts ? 'draft' : null);
  return runJob<Outcome>(deps, repo, headSha, gate, async (config, checkRunId) => {
    const { data: pr } = await octokit.rest.pulls.get(pull);
    if (pr.state !== 'open') {
      await neutral(deps, repo, headSha, CLOSED_TITLE, `Pull request #${job.number} is ${pr.merged ? 'merged' : 'closed'}: nothing is posted on it. Reopened, it is reviewed.`, checkRunId);
      return 'closed';
    }
    // 2.
    const over = [
      pr.changed_files > settings.maxFiles ? `${pr.changed_files} changed files (limit ${settings.maxFiles})` : '',
      pr.additions + pr.deletions > settings.maxLines ? `${pr.additions + pr.deletions} changed lines (limit ${settings.maxLines})` : '',
      pr.commits > settings.maxCommits ? `${pr.commits} commits (limit ${settings.maxCommits})` : '',
    ].filter(Boolean);
    if (over.length) {
      await neutral(deps, repo, headSha, 'Pull request too large to review', `Not reviewed: ${over.join(', ')}. The limits are the App's KVM_REVIEW_MAX_FILES, KVM_REVIEW_MAX_LINES and KVM_REVIEW_MAX_COMMITS.`, checkRunId);
      return 'too-large';
    }
    // 3.
    const hints = { refs: [`refs/pull/${job.number}/head`], commits: [headSha] };
    const run = await reviewOnBase(deps, repo, { sha: headSha, checkRunId, base: job.baseSha, hints, archs: config.archs }, async () => {
      const patch = await octokit.rest.pulls.get({ ...pull, mediaType: { format: 'patch' } });
      return patch.data as unknown as string;
    });
    if (typeof run === 'string') return run;
    // 4.
    const files = await octokit.paginate(octokit.rest.pulls.listFiles, { ...pull, per_page: 100 });
    const existing = await existingComments(octokit, repo, job.number, await deps.botLogin());
    // 5.
    const plan = planReview({
      findings: placedFindings(run.result, config),
      diff: diffLines(files),
      existing,
      headSha,
      baseSha: job.baseSha,
      series: { commits: run.series.commits, patchIds: run.patchIds, subjects: new Map(run.result.patches.map((p) => [p.index, subjectKey(p.subject)])) },
      config,
      rulesUrl: settings.rulesUrl,
      notes: reviewNotes(run.result),
      coverage: await reviewCoverage(run, pr.commits, () => octokit.paginate(octokit.rest.pulls.listCommits, { ...pull, per_page: 100 })),
    });
    await publishPullRequest(octokit, repo, { number: job.number, headSha }, plan, { checkRunId, superseded: deps.superseded });
    return 'reviewed';
  });
}

/**
 * The pull request's review comments and review bodies, with whose they
 * are, how many replies each has, and whether the App itself already
 * replied "Fixed in" in the thread (a reply's own marker; the comment it
 * answers is not edited then, so this is how a re-run knows), and which
 * architectures' fingerprints its "Fixed on arm64" replies closed.
 */
export async function existingComments(octokit: Octokit, repo: RepoRef, number: number, bot: string): Promise<ExistingComment[]> {
  const comments = await octokit.paginate(octokit.rest.pulls.listReviewComments, { ...repo, pull_number: number, per_page: 100 });
  const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, { ...repo, pull_number: number, per_page: 100 });
  const replies = new Map<number, number>();
  const repliedFixed = new Map<number, string>();
  const repliedFixedFps = new Map<number, string[]>();
  for (const c of comments) {
    if (!c.in_reply_to_id) continue;
    replies.set(c.in_reply_to_id, (replies.get(c.in_reply_to_id) ?? 0) + 1);
    if (c.user?.login !== bot) continue;
    const sha = fixedIn(c.body);
    if (sha && !repliedFixed.has(c.in_reply_to_id)) repliedFixed.set(c.in_reply_to_id, sha);
    const fps = fixedFingerprintsIn(c.body);
    if (fps.length) repliedFixedFps.set(c.in_reply_to_id, [...(repliedFixedFps.get(c.in_reply_to_id) ?? []), ...fps]);
  }
  return [
    ...comments
      .filter((c) => !c.in_reply_to_id)
      .map((c) => ({ id: c.id, kind: 'line' as const, body: c.body, mine: c.user?.login === bot, replies: replies.get(c.id) ?? 0, repliedFixedIn: repliedFixed.get(c.id) ?? null, repliedFixedFingerprints: repliedFixedFps.get(c.id) ?? [] })),
    ...reviews.map((r) => ({ id: r.id, kind: 'review' as const, body: r.body ?? '', mine: r.user?.login === bot, replies: 0, changesRequested: r.state === 'CHANGES_REQUESTED' })),
  ];
}
