/**
 * The applier: a plan's actions as Octokit calls (probot-auto-merge's
 * executeActions). It decides nothing; it posts what the plan says, in an
 * order that makes a crash half-way safe to re-run: the review (whose
 * comments carry the fingerprints) first, the edits next, the check run
 * last.
 */
import type { ProbotOctokit } from 'probot';
import type { CheckPlan, ReviewPlan } from './plan.js';
import { NO_RETRY, postId, postMarkedOnce, postOnce } from './post-once.js';

/** GitHub: "Only 50 annotations are allowed per request" on checks.create/update; the rest are sent in further updates. */
export const GITHUB_MAX_ANNOTATIONS_PER_REQUEST = 50;

/** The name of the check run on the head commit. */
export const CHECK_NAME = 'kvm-review';

export type Octokit = InstanceType<typeof ProbotOctokit>;

export interface RepoRef {
  owner: string;
  repo: string;
}

/** Thrown when a newer head superseded the job: nothing more is posted. */
export class Superseded extends Error {
  override readonly name = 'Superseded';
}

export interface PublishOptions {
  /** Checked before every write: true when a newer head superseded this job. */
  superseded?: () => boolean;
}

function guard(opts: PublishOptions): void {
  if (opts.superseded?.()) throw new Superseded('a newer head superseded this review');
}

/** Creates the check run, or completes `checkRunId`, with every annotation in batches of 50. */
export async function publishCheck(octokit: Octokit, repo: RepoRef, headSha: string, check: CheckPlan, opts: PublishOptions & { checkRunId?: number | null } = {}): Promise<number> {
  guard(opts);
  const batches: CheckPlan['annotations'][] = [];
  for (let i = 0; i < check.annotations.length; i += GITHUB_MAX_ANNOTATIONS_PER_REQUEST) batches.push(check.annotations.slice(i, i + GITHUB_MAX_ANNOTATIONS_PER_REQUEST));
  const output = (annotations: CheckPlan['annotations']): { title: string; summary: string; annotations: CheckPlan['annotations'] } => ({ title: check.title, summary: check.summary, annotations });
  const first = batches.shift() ?? [];
  const done = { status: 'completed' as const, conclusion: check.conclusion, completed_at: new Date().toISOString(), output: output(first) };
  let id: number;
  if (opts.checkRunId) {
    await octokit.rest.checks.update({ ...repo, check_run_id: opts.checkRunId, ...done });
    id = opts.checkRunId;
  } else {
    id = await createCheck(octokit, repo, headSha, done);
  }
  for (const batch of batches) await octokit.rest.checks.update({ ...repo, check_run_id: id, output: output(batch) });
  return id;
}

/** The App's check run on `headSha` from an earlier delivery, if any: a re-run updates it instead of adding another. */
export async function findCheck(octokit: Octokit, repo: RepoRef, headSha: string): Promise<number | null> {
  const { data } = await octokit.rest.checks.listForRef({ ...repo, ref: headSha, check_name: CHECK_NAME, filter: 'latest' });
  return data.check_runs[0]?.id ?? null;
}

/** An in-progress check run, shown while the review runs (the earlier one on this commit when there is one). */
export async function startCheck(octokit: Octokit, repo: RepoRef, headSha: string): Promise<number> {
  const existing = await findCheck(octokit, repo, headSha);
  if (existing) {
    await octokit.rest.checks.update({ ...repo, check_run_id: existing, status: 'in_progress', started_at: new Date().toISOString() });
    return existing;
  }
  return createCheck(octokit, repo, headSha, { status: 'in_progress', started_at: new Date().toISOString() });
}

/** A new check run's state: in progress, or completed with its output. */
type CheckFields = { status: 'in_progress'; started_at: string } | { status: 'completed'; conclusion: CheckPlan['conclusion']; completed_at: string; output: { title: string; summary: string; annotations: CheckPlan['annotations'] } };

/** A new check run, made once: one GitHub made before answering 5xx is found by its external_id (post-once.ts). */
async function createCheck(octokit: Octokit, repo: RepoRef, headSha: string, fields: CheckFields): Promise<number> {
  const externalId = postId();
  return postOnce(
    `the check run on ${headSha.slice(0, 12)}`,
    async () => (await octokit.rest.checks.create({ ...repo, name: CHECK_NAME, head_sha: headSha, external_id: externalId, ...fields, ...NO_RETRY })).data.id,
    async () => {
      // Every page: a commit pushed to often, or reviewed again after restarts, has more runs of ours than one page holds.
      for await (const { data } of octokit.paginate.iterator(octokit.rest.checks.listForRef, { ...repo, ref: headSha, check_name: CHECK_NAME, filter: 'all', per_page: 100 })) {
        const made = data.find((r) => r.external_id === externalId);
        if (made) return made.id;
      }
      return null;
    },
  );
}

/** What was posted, for logs and tests. */
export interface Published {
  reviewId: number | null;
  edited: number[];
  replied: number[];
  dismissed: number[];
  checkRunId: number;
}

/** Posts a pull request's plan: the review, the fixed-in (and fixed-on-an-architecture) edits and replies, the dismissals, then the check run. */
export async function publishPullRequest(
  octokit: Octokit,
  repo: RepoRef,
  pr: { number: number; headSha: string },
  plan: ReviewPlan,
  opts: PublishOptions & { checkRunId?: number | null } = {},
): Promise<Published> {
  let reviewId: number | null = null;
  if (plan.review) {
    guard(opts);
    const { review } = plan;
    // The review and its comments are made at once: a review found by its marker after a 5xx is all of it.
    reviewId = await postMarkedOnce(
      `the review of #${pr.number}`,
      review.body,
      async (body) => (await octokit.rest.pulls.createReview({ ...repo, pull_number: pr.number, commit_id: pr.headSha, event: review.event, body, comments: review.comments, ...NO_RETRY })).data.id,
      () => octokit.paginate(octokit.rest.pulls.listReviews, { ...repo, pull_number: pr.number, per_page: 100 }),
    );
  }
  const edited: number[] = [];
  const replied: number[] = [];
  const dismissed: number[] = [];
  for (const a of plan.actions) {
    if (a.code === 'fixed' || a.code === 'partly-fixed') {
      guard(opts);
      await octokit.rest.pulls.updateReviewComment({ ...repo, comment_id: a.commentId, body: a.body });
      edited.push(a.commentId);
    } else if (a.code === 'reply-fixed' || a.code === 'reply-partly-fixed') {
      guard(opts);
      await postMarkedOnce(
        `the reply to comment ${a.commentId}`,
        a.body,
        async (body) => (await octokit.rest.pulls.createReplyForReviewComment({ ...repo, pull_number: pr.number, comment_id: a.commentId, body, ...NO_RETRY })).data.id,
        async () => (await octokit.paginate(octokit.rest.pulls.listReviewComments, { ...repo, pull_number: pr.number, per_page: 100 })).filter((c) => c.in_reply_to_id === a.commentId),
      );
      replied.push(a.commentId);
    } else if (a.code === 'dismiss') {
      guard(opts);
      await octokit.rest.pulls.dismissReview({ ...repo, pull_number: pr.number, review_id: a.reviewId, message: a.message });
      dismissed.push(a.reviewId);
    }
  }
  const checkRunId = await publishCheck(octokit, repo, pr.headSha, plan.check, opts);
  return { reviewId, edited, replied, dismissed, checkRunId };
}
