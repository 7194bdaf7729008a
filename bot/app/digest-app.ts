/**
 * The App's side of the weekly digest: which installed repositories enable
 * it (their `.github/kvm-review.yml`), and the job that builds the digest
 * from the local clone (`KVM_REVIEW_DIGEST_REPO`) and posts it with the
 * installation's token. The schedule itself is digest-schedule.ts.
 */
import { join } from 'node:path';
import type { Probot } from 'probot';
import { buildDigest } from '../../analyzers/history/digest.js';
import { renderDigestMarkdown } from '../render/digest/markdown.js';
import { CONFIG_PATH, parseConfigText } from './config.js';
import { digestPostedSince, postDigest, type IssuesApi } from './digest-post.js';
import { DigestSchedule, type DigestTarget } from './digest-schedule.js';
import type { AppSettings } from './settings.js';

interface InstalledTarget extends DigestTarget {
  installation: number;
}

export interface DigestScheduleOptions {
  env?: NodeJS.ProcessEnv;
  /** The clock (tests). */
  now?: () => Date;
  /** Start the minute timer (default true; tests tick by hand). */
  start?: boolean;
}

/** The part of Probot the schedule uses. */
export type DigestApp = Pick<Probot, 'auth' | 'log'>;

/** Starts the schedule when the deployment names a clone to read; returns it (or null, with the reason logged). */
export function startDigestSchedule(app: DigestApp, settings: Pick<AppSettings, 'cacheDir'>, opts: DigestScheduleOptions = {}): DigestSchedule | null {
  const env = opts.env ?? process.env;
  const repoDir = env.KVM_REVIEW_DIGEST_REPO;
  if (!repoDir) {
    app.log.info('kvm-review: weekly digest off (KVM_REVIEW_DIGEST_REPO names no local clone to read the history from)');
    return null;
  }
  const targets = async (): Promise<InstalledTarget[]> => {
    const octokit = await app.auth();
    const out: InstalledTarget[] = [];
    const installations = await octokit.paginate(octokit.rest.apps.listInstallations);
    for (const inst of installations) {
      const io = await app.auth(inst.id);
      const repos = await io.paginate(io.rest.apps.listReposAccessibleToInstallation);
      for (const r of repos) {
        const raw = await io.rest.repos
          .getContent({ owner: r.owner.login, repo: r.name, path: CONFIG_PATH, mediaType: { format: 'raw' } })
          .then((res) => String(res.data as unknown))
          .catch(() => null);
        if (raw === null) continue;
        try {
          const digest = parseConfigText(raw).digest;
          if (digest?.enabled) out.push({ slug: r.full_name, config: digest, installation: inst.id });
        } catch (e) {
          app.log.warn({ repo: r.full_name, err: e }, 'kvm-review: configuration not usable; no digest');
        }
      }
    }
    return out;
  };
  const now = opts.now ?? ((): Date => new Date());
  const issues = async (t: DigestTarget): Promise<{ owner: string; repo: string; octokit: IssuesApi }> => {
    const { installation } = t as InstalledTarget;
    const [owner = '', repo = ''] = t.slug.split('/');
    const octokit = (await app.auth(installation)) as unknown as { rest: IssuesApi } & IssuesApi;
    return { owner, repo, octokit: { paginate: octokit.paginate, issues: octokit.rest.issues } };
  };
  const run = async (t: DigestTarget): Promise<void> => {
    const { digest } = await buildDigest(repoDir, { weeks: t.config.weeks, cache: { dir: join(settings.cacheDir, 'index') } });
    const posted = await postDigest({ ...(await issues(t)), digest, body: renderDigestMarkdown(digest), postedAt: now() });
    app.log.info({ repo: t.slug, ...posted }, 'kvm-review: weekly digest posted');
  };
  const posted = async (t: DigestTarget, since: Date): Promise<boolean> => digestPostedSince({ ...(await issues(t)), since });
  const schedule = new DigestSchedule({
    targets,
    run,
    posted,
    log: (m, e) => app.log.error({ err: e }, m),
    info: (m) => app.log.info(m),
    ...(opts.now ? { now: opts.now } : {}),
  });
  if (opts.start ?? true) schedule.start();
  return schedule;
}
