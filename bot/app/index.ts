/**
 * The Probot handlers: each maps an event to a review job (bot/jobs/) and
 * enqueues it; the job runs later, one at a time per pull request or
 * branch, the newest head superseding. With the in-process queue (no
 * REDIS_URL) the jobs run here, with the handlers below; with Redis the
 * webhook is answered once Redis stored the job, and `kvm-review worker`
 * processes run them with the same handlers. Events the App itself caused
 * are ignored.
 */
import { Context, type Probot } from 'probot';
import type { ApplicationFunction } from 'probot';
import { CONFIG_FILE, CONFIG_PATH, ConfigError, validateConfig, type RepoConfig } from './config.js';
import { FAILED_TITLE, type JobDeps } from './job.js';
import { CLOSED_TITLE, reviewPullRequest, type PullRequestJob } from './pull-request.js';
import { reviewPush, type PushJob } from './push.js';
import { REPOSITORY, requireFields } from './payload.js';
import { CHECK_NAME, type Octokit, type RepoRef } from './publish.js';
import { JobJournal } from '../jobs/journal.js';
import { MemoryQueue } from '../jobs/memory-queue.js';
import { retryPolicy, type JobContext, type JobHandlers, type JobQueue, type JobSpec } from '../jobs/queue.js';
import type { AppSettings } from './settings.js';
import { treeFor } from './tree-source.js';

/** The comment that asks for a new review. */
export const RECHECK = /^\s*\/kvm-review\s+recheck\b/;

/** Reads `.github/kvm-review.yml` with Probot's context.config; a bad file becomes a ConfigError naming the key and line. */
export async function loadConfig(context: Pick<Context, 'config' | 'repo' | 'octokit'>): Promise<RepoConfig> {
  let value: unknown;
  try {
    value = await context.config(CONFIG_FILE);
  } catch (e) {
    const cause = (e as { cause?: { linePos?: { line: number }[] } }).cause;
    const line = cause?.linePos?.[0]?.line ?? null;
    throw new ConfigError(`${CONFIG_PATH}${line ? `:${line}` : ''}: not valid YAML`, '', line);
  }
  try {
    return validateConfig(value);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    // Read the text once more to name the line of the bad key.
    const raw = await context.octokit.rest.repos
      .getContent({ ...context.repo(), path: CONFIG_PATH, mediaType: { format: 'raw' } })
      .then((r) => r.data as unknown as string)
      .catch(() => null);
    return validateConfig(value, typeof raw === 'string' ? raw : null);
  }
}

export interface AppOptions {
  settings: AppSettings;
  /**
   * Where jobs go: the shared queue (BullQueue, with REDIS_URL) or an
   * in-process one, or a function making it with the App's Probot (npm
   * start: a journaled MemoryQueue logging to the App's log); default: a
   * new MemoryQueue, not journaled.
   */
  queue?: JobQueue | ((app: Probot) => JobQueue);
  /** The in-process queue under its old name (the Action passes one and reads its counts). */
  scheduler?: MemoryQueue;
  /** The App's bot login when known (an Action's is github-actions[bot]); else asked of GitHub once. */
  botLogin?: string;
  /** A local repository holding the base commits (the Action's checkout); unset: the API tree. */
  checkout?: string;
  /** Handlers wait for the review (the Action's process must not exit before it); the server answers at once. */
  awaitJobs?: boolean;
  /**
   * A head with a completed kvm-review check run is not reviewed again (a
   * redelivery). Default: on for the App, off when handlers await the
   * review (the Action: a re-run of the workflow asks for the review again).
   */
  skipReviewed?: boolean;
}

/** What a pr or push job carries besides the review job itself: the event's repository, as Probot's Context reads it. */
interface EventPayload {
  repository: { owner: { login: string }; name: string };
  installation?: { id: number };
}

/** The deps a review runs with, from a Probot Context (live in a webhook, rebuilt from the job in a worker). */
export function reviewDeps(opts: AppOptions, botLogin: () => Promise<string>): (context: Context, superseded: () => boolean) => JobDeps {
  return (context: Context, superseded: () => boolean): JobDeps => ({
    octokit: context.octokit as unknown as Octokit,
    settings: opts.settings,
    config: () => loadConfig(context),
    botLogin,
    tree: treeFor(context.octokit as unknown as Octokit, context.repo(), opts),
    superseded,
  });
}

/**
 * True when `sha` already has a completed kvm-review check run: everything of a review is posted
 * before it completes (publish.ts). One a failed review completed (FAILED_TITLE, job.ts), or one
 * that found the pull request closed (CLOSED_TITLE), does not count: the head was not reviewed, and
 * a retry, a redelivery or a reopening reviews it.
 */
async function alreadyReviewed(octokit: Octokit, repo: RepoRef, sha: string): Promise<boolean> {
  const { data } = await octokit.rest.checks.listForRef({ ...repo, ref: sha, check_name: CHECK_NAME, filter: 'latest' });
  return data.check_runs.some((r) => r.name === CHECK_NAME && r.status === 'completed' && !failedRun(r));
}

/** A check run completed by a review that failed (runJob in job.ts), or by one that found the pull request closed (reopened, it is reviewed). */
function failedRun(run: { conclusion?: string | null; output?: { title?: string | null } | null }): boolean {
  return run.conclusion === 'neutral' && (run.output?.title === FAILED_TITLE || run.output?.title === CLOSED_TITLE);
}

/**
 * The pr and push job handlers: a Probot Context rebuilt from the job (an
 * installation Octokit from `app.auth`), then the review. A head that
 * already has a completed check run is not reviewed again (a redelivery,
 * or opened/reopened/synchronize for the same head) unless the job is a
 * recheck; a retry after an error (attempt > 1) is, and so is a head whose
 * check run a failed review completed with its reason (an operator's retry
 * of a failed job runs as attempt 1 again, as does a redelivery).
 */
export function reviewHandlers(app: Probot, opts: AppOptions, botLogin: () => Promise<string> = cachedBotLogin(app, opts)): JobHandlers {
  const deps = reviewDeps(opts, botLogin);
  const contextOf = async (spec: JobSpec, name: 'pull_request' | 'push'): Promise<Context> => {
    const octokit = await app.auth(spec.installationId ?? undefined);
    const payload = spec.payload.event as unknown as EventPayload;
    return new Context({ id: `job:${spec.key}`, name, payload } as never, octokit as never, app.log.child({ job: spec.key }));
  };
  const skipReviewed = opts.skipReviewed ?? !opts.awaitJobs;
  const fresh = async (context: Context, spec: JobSpec, ctx: JobContext): Promise<boolean> =>
    !skipReviewed || Boolean(spec.force) || ctx.attempt > 1 || !(await alreadyReviewed(context.octokit as unknown as Octokit, context.repo(), spec.head));
  // One shape for both kinds: rebuild the event's context, skip a head already reviewed, review, log.
  const handler =
    <J>(name: 'pull_request' | 'push', review: (d: JobDeps, job: J) => Promise<string>, head: (job: J) => string) =>
    async (spec: JobSpec, ctx: JobContext): Promise<string> => {
      const context = await contextOf(spec, name);
      if (!(await fresh(context, spec, ctx))) return 'already-reviewed';
      const job = spec.payload.job as unknown as J;
      const outcome = await review(deps(context, ctx.superseded), job);
      app.log.info({ key: spec.key, head: head(job), outcome }, `kvm-review: ${name === 'push' ? 'push' : 'pull request'}`);
      return outcome;
    };
  return {
    pr: handler<PullRequestJob>('pull_request', reviewPullRequest, (j) => j.headSha),
    push: handler<PushJob>('push', reviewPush, (j) => j.after),
  };
}

/** The bot's login: given, or asked of GitHub once. */
function cachedBotLogin(app: Probot, opts: AppOptions): () => Promise<string> {
  let login: Promise<string> | null = opts.botLogin ? Promise.resolve(opts.botLogin) : null;
  return () => {
    login ??= app
      .auth()
      .then((o) => o.rest.apps.getAuthenticated())
      .then((r) => `${r.data?.slug ?? 'kvm-review'}[bot]`);
    return login;
  };
}

/** The job of a pull request event (the event's repository and installation ride along for the worker). */
export function pullRequestJob(context: Pick<Context, 'payload' | 'repo'>, job: PullRequestJob, force = false): JobSpec {
  return {
    kind: 'pr',
    key: `pr:${job.repo.owner}/${job.repo.repo}#${job.number}`,
    head: job.headSha,
    installationId: (context.payload as EventPayload).installation?.id ?? null,
    payload: { event: eventOf(context), job: job as never },
    ...(force ? { force } : {}),
  };
}

export function pushJob(context: Pick<Context, 'payload' | 'repo'>, job: PushJob, force = false): JobSpec {
  return {
    kind: 'push',
    key: `push:${job.repo.owner}/${job.repo.repo}:${job.branch}`,
    head: job.after,
    installationId: (context.payload as EventPayload).installation?.id ?? null,
    payload: { event: eventOf(context), job: job as never },
    ...(force ? { force } : {}),
  };
}

function eventOf(context: Pick<Context, 'payload' | 'repo'>): EventPayload & { [k: string]: never } {
  const { owner, repo } = context.repo();
  const installation = (context.payload as EventPayload).installation;
  return { repository: { owner: { login: owner }, name: repo }, ...(installation ? { installation: { id: installation.id } } : {}) } as never;
}

/**
 * The in-process queue, its failures in the App's log; with `journalDir`
 * (npm start) every job is kept there until it settles, and the jobs found
 * there are queued again (bot/jobs/journal.ts).
 */
export function inProcessQueue(app: Probot, journalDir?: string): MemoryQueue {
  const log = (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}): void => app.log[level](fields, message);
  const onError = (key: string, e: unknown): void => app.log.error({ err: e, key }, 'kvm-review job failed');
  return new MemoryQueue(onError, retryPolicy(), journalDir ? { journal: new JobJournal(journalDir, log), log } : {});
}

/** The Probot application function. */
export function kvmReviewApp(opts: AppOptions): ApplicationFunction {
  return (app: Probot, { addHandler }) => {
    const queue: JobQueue = (typeof opts.queue === 'function' ? opts.queue(app) : opts.queue) ?? opts.scheduler ?? inProcessQueue(app);
    // In process, the jobs run here; with Redis, in `kvm-review worker` processes.
    if (queue instanceof MemoryQueue) queue.serve(reviewHandlers(app, opts));
    // The delivery is answered once the job is stored (Redis: acknowledged); the Action waits for the review too.
    const enqueue = async (spec: JobSpec): Promise<void> => {
      const { id, duplicate, replaced } = await queue.enqueue(spec);
      app.log.info({ key: spec.key, head: spec.head, id, duplicate, replaced }, 'kvm-review: job enqueued');
      if (opts.awaitJobs && queue instanceof MemoryQueue) await queue.settled(id);
    };

    // A signed payload lacking what a handler reads is refused with 400 and a line naming it (payload.ts).
    const PULL = [...REPOSITORY, 'pull_request.number', 'pull_request.head.sha', 'pull_request.base.sha'];
    app.on(['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened', 'pull_request.ready_for_review'], async (context) => {
      requireFields(context, PULL);
      const pr = context.payload.pull_request;
      await enqueue(pullRequestJob(context, { repo: context.repo(), number: pr.number, headSha: pr.head.sha, baseSha: pr.base.sha, draft: Boolean(pr.draft) }));
    });

    // The base branch changed (GitHub keeps the head): the review was on the old base's tree, so the same
    // head is reviewed again on the new one. Other edits (title, body) change nothing reviewed.
    app.on('pull_request.edited', async (context) => {
      requireFields(context, PULL);
      const { changes, pull_request: pr } = context.payload;
      if (!changes.base || pr.state !== 'open') return;
      await enqueue(pullRequestJob(context, { repo: context.repo(), number: pr.number, headSha: pr.head.sha, baseSha: pr.base.sha, draft: Boolean(pr.draft) }, true));
    });

    app.on('issue_comment.created', async (context) => {
      requireFields(context, [...REPOSITORY, 'comment.body', 'issue.number']);
      const { comment, issue } = context.payload;
      const user = comment.user?.login;
      if (context.isBot || !user || !issue.pull_request || !RECHECK.test(comment.body)) return;
      const { data: perm } = await context.octokit.rest.repos.getCollaboratorPermissionLevel({ ...context.repo(), username: user });
      if (perm.permission !== 'admin' && perm.permission !== 'write') {
        app.log.info({ user }, 'kvm-review: recheck asked by someone without write access; ignored');
        return;
      }
      const { data: pr } = await context.octokit.rest.pulls.get({ ...context.repo(), pull_number: issue.number });
      if (pr.state !== 'open') {
        app.log.info({ pr: pr.number, state: pr.merged ? 'merged' : pr.state }, 'kvm-review: recheck on a pull request that is not open; ignored');
        return;
      }
      // A recheck is explicit: drafts are reviewed too, and a head already reviewed is reviewed again.
      await enqueue(pullRequestJob(context, { repo: context.repo(), number: pr.number, headSha: pr.head.sha, baseSha: pr.base.sha, draft: false }, true));
    });

    // "Re-run" on the checks tab (GitHub sends these to an App with checks: write unasked): the head
    // reviewed again, as a recheck is. Its pull requests as GitHub names them; a fork's it does not name
    // are found by their head; with none, the pushed branch of the check suite.
    app.on(['check_run.rerequested', 'check_suite.rerequested'], async (context) => {
      requireFields(context, [...REPOSITORY, ...['head_sha', 'pull_requests', ...(context.name === 'check_run' ? ['check_suite'] : [])].map((f) => `${context.name}.${f}`)]);
      const p = context.payload;
      if ('check_run' in p && p.check_run.name !== CHECK_NAME) return;
      const suite = 'check_run' in p ? p.check_run.check_suite : p.check_suite;
      const sha = 'check_run' in p ? p.check_run.head_sha : p.check_suite.head_sha;
      const named = ('check_run' in p ? p.check_run.pull_requests : p.check_suite.pull_requests).map((x) => x.number);
      const numbers = named.length
        ? named
        : (await context.octokit.paginate(context.octokit.rest.pulls.list, { ...context.repo(), state: 'open', per_page: 100 })).filter((x) => x.head.sha === sha).map((x) => x.number);
      for (const number of numbers) {
        const { data: pr } = await context.octokit.rest.pulls.get({ ...context.repo(), pull_number: number });
        if (pr.state !== 'open' || pr.head.sha !== sha) {
          app.log.info({ pr: number, sha, state: pr.merged ? 'merged' : pr.state, head: pr.head.sha }, `kvm-review: re-run of ${sha.slice(0, 12)} on pull request #${number}, ${pr.state !== 'open' ? 'which is not open' : `whose head is now ${pr.head.sha.slice(0, 12)}`}; not reviewed`);
          continue;
        }
        await enqueue(pullRequestJob(context, { repo: context.repo(), number, headSha: sha, baseSha: pr.base.sha, draft: false }, true));
      }
      if (numbers.length) return;
      const before = suite.before ?? null;
      if (!suite.head_branch || !before) {
        app.log.info({ sha }, `kvm-review: re-run of ${sha.slice(0, 12)}: no open pull request has it as head, and GitHub names no pushed branch; not reviewed`);
        return;
      }
      const defaultBranch = (p.repository as { default_branch?: string }).default_branch ?? 'master';
      await enqueue(pushJob(context, { repo: context.repo(), branch: suite.head_branch, before, after: sha, defaultBranch }, true));
    });

    app.on('push', async (context) => {
      requireFields(context, [...REPOSITORY, 'ref', 'before', 'after']);
      const p = context.payload;
      if (p.deleted || !p.ref.startsWith('refs/heads/')) return;
      await enqueue(pushJob(context, { repo: context.repo(), branch: p.ref.slice('refs/heads/'.length), before: p.before, after: p.after, defaultBranch: p.repository.default_branch ?? 'master' }));
    });

    // The weekly digest runs in the server's process only (the Action exits after its event), from a local clone.
    if (!opts.awaitJobs && process.env.KVM_REVIEW_DIGEST_REPO) void import('./digest-app.js').then(({ startDigestSchedule }) => startDigestSchedule(app, opts.settings));

    // What the queue is doing, for operators and the end-to-end test. Only a server has routes (not the Action, not Probot.receive in tests).
    try {
      addHandler((req, res) => {
        if (req.method !== 'GET' || req.url?.split('?')[0] !== '/kvm-review/status') return false;
        queue.status().then(
          (s) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(s)),
          (e: unknown) => res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: e instanceof Error ? e.message : String(e) })),
        );
        return true;
      });
    } catch {
      // No server instance: nothing to route.
    }
  };
}
