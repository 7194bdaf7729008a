/**
 * Posting the digest: one issue per ISO week, labelled `locking-drift`,
 * found again by the hidden marker its body starts with (and its title),
 * so a second run in the same week edits it instead of opening another.
 * The App's schedule also writes when it posted (a second hidden marker),
 * so that after a restart it can tell whether a due digest was posted.
 * Used by `kvm-review digest --post` (a token, the Actions way) and by the
 * App's schedule (an installation's Octokit).
 */
import { Octokit } from '@octokit/rest';
import type { Digest } from '../../analyzers/history/model.js';
import { weekMarker } from '../render/digest/markdown.js';

export const DIGEST_LABEL = 'locking-drift';

/** What postDigest needs of an Octokit: the issue calls (a Probot context's octokit has them too). */
export type IssuesApi = Pick<Octokit, 'paginate' | 'issues'>;

export interface PostTarget {
  owner: string;
  repo: string;
  /** Either an Octokit, or a token and the API's base URL. */
  octokit?: IssuesApi;
  token?: string;
  baseUrl?: string;
}

export interface PostResult {
  action: 'created' | 'updated';
  number: number;
  week: string;
}

/** The week a digest is filed under: the ISO week of the window's end. */
export function digestWeek(d: Digest): string {
  return d.trend.at(-1)?.week ?? d.window.to.date.slice(0, 10);
}

export function digestTitle(week: string): string {
  return `Locking-doc drift, week ${week}`;
}

const POSTED = /<!-- kvm-review-digest-posted (\S+) -->/g;

/** The hidden marker of when a digest was posted. */
export function postedMarker(at: Date): string {
  return `<!-- kvm-review-digest-posted ${at.toISOString()} -->`;
}

function client(t: PostTarget): IssuesApi {
  return t.octokit ?? new Octokit({ auth: t.token, baseUrl: t.baseUrl, userAgent: 'kvm-review-digest' });
}

/** `postedAt`: write when, for digestPostedSince (the App's schedule; the command line does not). */
export async function postDigest(t: PostTarget & { digest: Digest; body: string; postedAt?: Date }): Promise<PostResult> {
  const octokit = client(t);
  const week = digestWeek(t.digest);
  const marker = weekMarker(week);
  const title = digestTitle(week);
  const text = t.body.startsWith(marker) ? t.body.slice(marker.length).replace(/^\n/, '') : t.body;
  const body = [marker, ...(t.postedAt ? [postedMarker(t.postedAt)] : []), text].join('\n');
  // Closed ones too: a maintainer closing this week's issue does not make the next run open another.
  const issues = await octokit.paginate(octokit.issues.listForRepo, { owner: t.owner, repo: t.repo, labels: DIGEST_LABEL, state: 'all', per_page: 100 });
  const found = issues.find((i) => !i.pull_request && ((i.body ?? '').includes(marker) || i.title === title));
  if (found) {
    await octokit.issues.update({ owner: t.owner, repo: t.repo, issue_number: found.number, title, body });
    return { action: 'updated', number: found.number, week };
  }
  const created = await octokit.issues.create({ owner: t.owner, repo: t.repo, title, body, labels: [DIGEST_LABEL] });
  return { action: 'created', number: created.data.number, week };
}

/**
 * Whether a digest issue says it was posted at or after `since` (its
 * posted marker, written on the App's clock; only issues GitHub says were
 * updated since then, give or take an hour of clock skew, are read).
 */
export async function digestPostedSince(t: PostTarget & { since: Date }): Promise<boolean> {
  const octokit = client(t);
  const updated = new Date(t.since.getTime() - 3600_000).toISOString();
  const issues = await octokit.paginate(octokit.issues.listForRepo, { owner: t.owner, repo: t.repo, labels: DIGEST_LABEL, state: 'all', since: updated, per_page: 100 });
  return issues.some((i) => !i.pull_request && [...(i.body ?? '').matchAll(POSTED)].some((m) => Date.parse(m[1] as string) >= t.since.getTime()));
}
