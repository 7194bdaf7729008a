/**
 * The Probot handlers: each maps an event to a review job and queues it;
 * the job runs later (webhook deliveries are answered at once), one at a
 * time, the newest head per pull request or branch. Events the App itself
 * caused are ignored.
 */
import { join } from 'node:path';
import type { Context, Probot } from 'probot';
import { ApiTree } from './api-tree.js';
import { CheckoutTree } from './checkout-tree.js';
import type { ApplicationFunction } from 'probot';
import { CONFIG_FILE, CONFIG_PATH, ConfigError, validateConfig, type RepoConfig } from './config.js';
import { reviewPullRequest, type JobDeps, type PullRequestJob } from './pull-request.js';
import { reviewPush, type PushJob } from './push.js';
import type { Octokit } from './publish.js';
import { Scheduler } from './scheduler.js';
import type { AppSettings } from './settings.js';

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
  scheduler?: Scheduler;
  /** The App's bot login when known (an Action's is github-actions[bot]); else asked of GitHub once. */
  botLogin?: string;
  /** A local repository holding the base commits (the Action's checkout); unset: the API tree. */
  checkout?: string;
  /** Handlers wait for the review (the Action's process must not exit before it); the server answers at once. */
  awaitJobs?: boolean;
}

/** The Probot application function. */
export function kvmReviewApp(opts: AppOptions): ApplicationFunction {
  return (app: Probot, { addHandler }) => {
    const scheduler = opts.scheduler ?? new Scheduler((key, e) => app.log.error({ err: e, key }, 'kvm-review job failed'));
    let login: Promise<string> | null = opts.botLogin ? Promise.resolve(opts.botLogin) : null;
    const botLogin = (): Promise<string> => {
      login ??= app
        .auth()
        .then((o) => o.rest.apps.getAuthenticated())
        .then((r) => `${r.data?.slug ?? 'kvm-review'}[bot]`);
      return login;
    };
    // The server answers the delivery at once (GitHub gives a webhook 10 s); the Action waits.
    const settle = async (job: Promise<void>): Promise<void> => {
      if (opts.awaitJobs) await job;
    };
    const deps = (context: Context, superseded: () => boolean): JobDeps => ({
      octokit: context.octokit as unknown as Octokit,
      settings: opts.settings,
      config: () => loadConfig(context),
      botLogin,
      tree: (commit) => (opts.checkout ? new CheckoutTree(opts.checkout, commit, join(opts.settings.cacheDir, 'git')) : new ApiTree(context.octokit as unknown as Octokit, context.repo(), commit, join(opts.settings.cacheDir, 'git'))),
      superseded,
    });
    const queuePr = (context: Context, job: PullRequestJob): Promise<void> => {
      const key = `pr:${job.repo.owner}/${job.repo.repo}#${job.number}`;
      return scheduler.submit(key, async (superseded) => {
        const outcome = await reviewPullRequest(deps(context, superseded), job);
        app.log.info({ key, head: job.headSha, outcome }, 'kvm-review: pull request');
      });
    };

    app.on(['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened', 'pull_request.ready_for_review'], async (context) => {
      const pr = context.payload.pull_request;
      await settle(queuePr(context, { repo: context.repo(), number: pr.number, headSha: pr.head.sha, baseSha: pr.base.sha, draft: Boolean(pr.draft) }));
    });

    app.on('issue_comment.created', async (context) => {
      const { comment, issue } = context.payload;
      const user = comment.user?.login;
      if (context.isBot || !user || !issue.pull_request || !RECHECK.test(comment.body)) return;
      const { data: perm } = await context.octokit.rest.repos.getCollaboratorPermissionLevel({ ...context.repo(), username: user });
      if (perm.permission !== 'admin' && perm.permission !== 'write') {
        app.log.info({ user }, 'kvm-review: recheck asked by someone without write access; ignored');
        return;
      }
      const { data: pr } = await context.octokit.rest.pulls.get({ ...context.repo(), pull_number: issue.number });
      // A recheck is explicit: drafts are reviewed too.
      await settle(queuePr(context, { repo: context.repo(), number: pr.number, headSha: pr.head.sha, baseSha: pr.base.sha, draft: false }));
    });

    app.on('push', async (context) => {
      const p = context.payload;
      if (p.deleted || !p.ref.startsWith('refs/heads/')) return;
      const job: PushJob = { repo: context.repo(), branch: p.ref.slice('refs/heads/'.length), before: p.before, after: p.after, defaultBranch: p.repository.default_branch ?? 'master' };
      const key = `push:${job.repo.owner}/${job.repo.repo}:${job.branch}`;
      await settle(
        scheduler.submit(key, async (superseded) => {
          const outcome = await reviewPush(deps(context, superseded), job);
          app.log.info({ key, after: job.after, outcome }, 'kvm-review: push');
        }),
      );
    });

    // The weekly digest runs in the server's process only (the Action exits after its event), from a local clone.
    if (!opts.awaitJobs && process.env.KVM_REVIEW_DIGEST_REPO) void import('./digest-app.js').then(({ startDigestSchedule }) => startDigestSchedule(app, opts.settings));

    // What the queue is doing, for operators and the end-to-end test. Only a server has routes (not the Action, not Probot.receive in tests).
    try {
      addHandler((req, res) => {
        if (req.method !== 'GET' || req.url?.split('?')[0] !== '/kvm-review/status') return false;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ idle: scheduler.idle(), ...scheduler.counts }));
        return true;
      });
    } catch {
      // No server instance: nothing to route.
    }
  };
}
