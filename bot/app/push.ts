/**
 * A push to a configured branch reviewed as a series: the pushed commits
 * (from the merge base of before and after; for a new branch, of the
 * default branch and after) in order, against the tree at that base. A
 * commit comment on each commit with findings, on the line; a check run on
 * `after`. A commit whose patch was already commented (same patch id, after
 * a rebase or force-push) is not commented again: the App's commit comments
 * carry the patch id beside the fingerprint.
 */
import type { FileDiff } from '../../analyzers/series/model.js';
import { findingComment, markerOf, markersIn, patchIdOf } from './comment.js';
import { archGroups } from '../render/findings/arch-groups.js';
import { matchesGlob } from './config.js';
import { atHead, configured, reviewNotes, unreadCoverage, type ListedCommit } from './findings.js';
import { neutral, reviewCoverage, reviewOnBase, runJob, type JobDeps } from './job.js';
import { planCheck, type LocatedFinding } from './plan.js';
import { NO_RETRY, postMarkedOnce } from './post-once.js';
import { publishCheck, Superseded, type RepoRef } from './publish.js';

export interface PushJob {
  repo: RepoRef;
  /** The branch name (without refs/heads/). */
  branch: string;
  /** The old head; all zeros for a new branch. */
  before: string;
  after: string;
  defaultBranch: string;
}

export type PushOutcome = 'reviewed' | 'not-configured' | 'invalid-config' | 'too-large' | 'not-kernel' | 'empty';

const ZERO = /^0{40}$/;

/** GitHub's `position`: lines below the file's first `@@` header (1 is the line just below it), counting later hunk headers. */
export function diffPosition(files: readonly FileDiff[], file: string, line: number): number | null {
  const f = files.find((x) => (x.newPath ?? x.path) === file);
  if (!f) return null;
  let pos = 0;
  for (const [i, h] of f.hunks.entries()) {
    if (i > 0) pos += 1;
    for (const l of h.lines) {
      pos += 1;
      if (l.type !== 'del' && l.newLine === line) return pos;
    }
  }
  return null;
}

export async function reviewPush(deps: JobDeps, job: PushJob): Promise<PushOutcome> {
  const { octokit, settings } = deps;
  const { repo, after } = job;
  const gate = (config: { pushBranches: string[] }): PushOutcome | null => (config.pushBranches.some((p) => matchesGlob(p, job.branch)) ? null : 'not-configured');
  return runJob<PushOutcome>(deps, repo, after, gate, async (config, checkRunId) => {
    const base = ZERO.test(job.before) ? job.defaultBranch : job.before;
    const basehead = { ...repo, basehead: `${base}...${after}` };
    const { data: cmp } = await octokit.rest.repos.compareCommitsWithBasehead({ ...basehead, per_page: 1 });
    if (cmp.total_commits > settings.maxCommits) {
      await neutral(deps, repo, after, 'Push too large to review', `Not reviewed: ${cmp.total_commits} commits since ${cmp.merge_base_commit.sha.slice(0, 12)} (limit ${settings.maxCommits}, the App's KVM_REVIEW_MAX_COMMITS).`, checkRunId);
      return 'too-large';
    }
    if (cmp.total_commits === 0) {
      // Nothing past the base (a new branch at a commit the default branch has): not reviewed, so not green.
      await publishCheck(octokit, repo, after, planCheck([], [], config, settings.rulesUrl, [], 'push', unreadCoverage([])), { checkRunId, superseded: deps.superseded });
      return 'empty';
    }
    const hints = { refs: [`refs/heads/${job.branch}`], commits: [after] };
    const run = await reviewOnBase(deps, repo, { sha: after, checkRunId, base: cmp.merge_base_commit.sha, hints, archs: config.archs }, async () => {
      const patch = await octokit.rest.repos.compareCommitsWithBasehead({ ...basehead, mediaType: { format: 'patch' } });
      return patch.data as unknown as string;
    });
    if (typeof run === 'string') return run;
    // What the App already commented, by patch id and by commit.
    const bot = await deps.botLogin();
    const posted = new Set<string>();
    for (const c of await octokit.paginate(octokit.rest.repos.listCommitCommentsForRepo, { ...repo, per_page: 100 })) {
      if (c.user?.login !== bot || !markerOf(c.body)) continue;
      // A comment for findings that differ only in their architecture carries each one's marker.
      const pid = patchIdOf(c.body);
      for (const fp of markersIn(c.body)) {
        posted.add(`${c.commit_id}:${fp}`);
        if (pid) posted.add(`patch:${pid}:${fp}`);
      }
    }
    // The check run counts a finding once, however many commits make it again (as a pull request's
    // plan does): its first commit's, where it came in; every commit still gets its own comment (bisection).
    const first = new Map<string, LocatedFinding>();
    // Fingerprints on a line of some commit's diff: only those on none are "not on a line of the diff".
    const onDiff = new Set<string>();
    for (const p of run.result.patches) {
      const commit = run.series.commits[p.index - 1];
      const patchId = run.patchIds.get(p.index);
      if (!commit) continue;
      const mine = p.findings.flatMap((raw) => configured(raw, config) ?? []);
      for (const f of mine) if (!first.has(f.fingerprint)) first.set(f.fingerprint, { finding: f, at: atHead(run.result, p.index, f.file, f.line) });
      // One comment for findings that differ only in their architecture (arch-groups.ts), for those of them not posted yet.
      for (const g of archGroups(mine)) {
        const position = diffPosition(p.files, g.finding.file, g.finding.line);
        if (position === null) continue;
        for (const m of g.members) onDiff.add(m.fingerprint);
        const fresh = g.members.filter((m) => !posted.has(`${commit}:${m.fingerprint}`) && !(patchId && posted.has(`patch:${patchId}:${m.fingerprint}`)));
        const [f] = fresh;
        if (!f) continue;
        if (deps.superseded()) throw new Superseded('a newer push superseded this review');
        await postMarkedOnce(
          `the commit comment on ${commit.slice(0, 12)}`,
          findingComment(f, { rulesUrl: settings.rulesUrl, ...(patchId ? { patchId } : {}) }, fresh),
          async (body) => (await octokit.rest.repos.createCommitComment({ ...repo, commit_sha: commit, path: f.file, position, body, ...NO_RETRY })).data.id,
          () => octokit.paginate(octokit.rest.repos.listCommentsForCommit, { ...repo, commit_sha: commit, per_page: 100 }),
        );
        for (const m of fresh) posted.add(`${commit}:${m.fingerprint}`);
      }
    }
    const all = [...first.values()];
    const offDiff = all.map((l) => l.finding).filter((f) => !onDiff.has(f.fingerprint));
    // The compare's commits, asked only when the series had fewer than GitHub counts (merges): a page of 100 at a time, as GitHub gives them.
    const listed = async (): Promise<ListedCommit[]> => {
      const out: ListedCommit[] = [];
      for (let page = 1; out.length < cmp.total_commits; page++) {
        const { data } = await octokit.rest.repos.compareCommitsWithBasehead({ ...basehead, per_page: 100, page });
        if (!data.commits.length) break;
        out.push(...data.commits);
      }
      return out;
    };
    const cover = await reviewCoverage(run, cmp.total_commits, listed);
    await publishCheck(octokit, repo, after, planCheck(all, offDiff, config, settings.rulesUrl, reviewNotes(run.result), 'push', cover), { checkRunId, superseded: deps.superseded });
    return 'reviewed';
  });
}
