/**
 * The review plan: findings plus what the App already posted in, actions
 * out. Pure: no I/O, so every rule of posting is tested alone.
 *
 * - a finding already posted (its fingerprint in one of the App's open
 *   comments or review bodies) is skipped;
 * - a new finding on a line the pull request's diff shows with the same
 *   text is a line comment; the first `maxComments` of them, the rest go to
 *   the review body; one whose line is not in the diff goes to the check
 *   run and the review body, never to a wrong line;
 * - an App comment whose finding is gone is edited to say the commit that
 *   fixed it, or answered in its thread when someone replied; comments by
 *   others are never touched, and nothing is ever deleted. Either way once:
 *   a comment edited so, or whose thread has the App's own "Fixed in" reply,
 *   is closed, and a re-run (a retry, a restart, a later head) leaves it
 *   alone; a finding that comes back after that is a new one;
 * - an App comment for several architectures (arch-groups.ts) whose finding
 *   is gone on some of them only is edited to name only those still
 *   affected and say which architecture the head fixed (answered in its
 *   thread when someone replied): a maintainer must not read that a fixed
 *   architecture still has it. The fixed ones are closed as a "Fixed in"
 *   comment is; once none is left, the comment is fixed as above;
 * - the App's "changes requested" reviews (review-event: REQUEST_CHANGES)
 *   are dismissed once no finding reaches fail-on: nothing else lifts them.
 */
import type { ReviewFinding } from '../../analyzers/review/model.js';
import { fails } from '../../analyzers/rules/severity.js';
import { archsOf, checkSummary, COMMITS, findingComment, type ReviewedAs, fixedBody, fixedIn, fixedReply, markerOf, markersIn, partlyFixedBody, partlyFixedReply, reviewBody } from './comment.js';
import type { RepoConfig } from './config.js';
import { archGroups } from '../render/findings/arch-groups.js';
import { cutMarkdown } from '../render/markdown-cut.js';
import { counted } from '../../analyzers/counted.js';
import { nothingReviewed, type Coverage } from './findings.js';
import { reviewedOn, subjectKey, whyGone, type ReviewedOn, type ReviewState } from './gone.js';

/** GitHub: "Only 65535 characters are allowed" in a check run's output.summary. */
export const GITHUB_MAX_SUMMARY = 65535;

/** A line of the pull request's head (or a pushed branch's). */
export interface HeadLine {
  file: string;
  line: number;
}

/** A finding with where its line is at the head (null when a later commit deleted the line or its file). */
export interface LocatedFinding {
  finding: ReviewFinding;
  /**
   * The finding's line at the head: its patch's post-image line, moved by the
   * later commits' hunks and renames. Line comments and annotations are on
   * the head, so this is where they go, never the patch's own line number.
   */
  at: HeadLine | null;
}

/** A located finding with the text of its line in its patch's post-image (null when the line is not an added or context line of the patch). */
export interface PlacedFinding extends LocatedFinding {
  text: string | null;
}

/** Something already on the pull request. */
export interface ExistingComment {
  id: number;
  /** line: a review comment; review: a review's body. */
  kind: 'line' | 'review';
  body: string;
  /** Written by this App (the author is the App's bot user). */
  mine: boolean;
  /** Number of replies in the comment's thread. */
  replies: number;
  /** The commit named by a "Fixed in" reply the App itself posted in the comment's thread (null or absent: none). */
  repliedFixedIn?: string | null;
  /** The fingerprints the App's own replies in the thread said fixed on their architecture while others still had the finding (closed, as a "Fixed in" is). */
  repliedFixedFingerprints?: readonly string[];
  /** A review whose state is CHANGES_REQUESTED: not dismissed (a later review of the same author does not lift it). */
  changesRequested?: boolean;
}

/** The RIGHT side of the pull request's diff: path -> 1-based line -> text, for added and context lines. */
export type DiffLines = Map<string, Map<number, string>>;

export type ActionCode = 'create' | 'skip' | 'fixed' | 'reply-fixed' | 'partly-fixed' | 'reply-partly-fixed' | 'overflow' | 'off-diff' | 'dismiss';

export type Action =
  /** `fingerprints`: every finding the comment stands for (several when they differ only in their architecture), `fingerprint` the first. */
  | { code: 'create'; fingerprint: string; fingerprints: string[]; path: string; line: number; body: string }
  | { code: 'skip'; fingerprint: string; commentId: number }
  | { code: 'fixed'; fingerprint: string; commentId: number; body: string }
  | { code: 'reply-fixed'; fingerprint: string; commentId: number; body: string }
  /** A comment for several architectures, some fixed: edited (or answered) to name only those left. `fixed`: the fingerprints gone, `fingerprint` the first. */
  | { code: 'partly-fixed' | 'reply-partly-fixed'; fingerprint: string; fixed: string[]; commentId: number; body: string }
  | { code: 'overflow'; fingerprint: string }
  | { code: 'off-diff'; fingerprint: string }
  | { code: 'dismiss'; reviewId: number; message: string };

export type AnnotationLevel = 'failure' | 'warning' | 'notice';

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: AnnotationLevel;
  title: string;
  message: string;
}

export interface CheckPlan {
  conclusion: 'success' | 'failure' | 'neutral';
  title: string;
  summary: string;
  annotations: Annotation[];
}

export interface ReviewPlan {
  actions: Action[];
  /** The review to create: null when there is nothing new to say. */
  review: { event: 'COMMENT' | 'REQUEST_CHANGES'; body: string; comments: { path: string; line: number; side: 'RIGHT'; body: string }[] } | null;
  check: CheckPlan;
}

export interface PlanInput extends ReviewState {
  findings: readonly PlacedFinding[];
  diff: DiffLines;
  existing: readonly ExistingComment[];
  /** The head commit reviewed: what a fixed comment names. */
  headSha: string;
  /**
   * `baseSha` and `series` (the base reviewed against, the commits and their patch ids): recorded in
   * each new line comment, so that a later review can tell a finding the commits fixed from one gone
   * with a new base or with a commit a force-push dropped (gone.ts). Absent: "Fixed in", as before.
   */
  config: RepoConfig;
  rulesUrl: string;
  /** Patches reviewed in part, and the review's own notes. */
  notes?: readonly string[];
  /** The commits not reviewed, with the reason: the check run says so (neutral when none was reviewed). */
  coverage?: Coverage;
}

const RANK = { error: 0, warning: 1, info: 2 } as const;
const LEVEL: Record<ReviewFinding['severity'], AnnotationLevel> = { error: 'failure', warning: 'warning', info: 'notice' };

/** Whether a finding reaches the configured failure threshold. */
export function reaches(f: Pick<ReviewFinding, 'severity'>, failOn: RepoConfig['failOn']): boolean {
  return fails(f.severity, failOn);
}

/** Every commit reviewed (the default of a check run with nothing to say about coverage). */
const ALL_REVIEWED: Coverage = { commits: 0, unreviewed: [] };

/**
 * The check run's title when no commit was reviewed: says so, never "no findings" (a maintainer
 * would read a green "No lock-order findings" as a clean review of code nobody looked at).
 */
function nothingReviewedTitle(c: Coverage, of: ReviewedAs): string {
  const n = c.commits;
  const whose = COMMITS[of];
  if (c.empty) return `Nothing reviewed: ${whose} has no commit past its base`;
  if (c.unreviewed.every((u) => u.merge)) return `Nothing reviewed: ${n === 1 ? `${whose}'s only commit is a merge commit` : `${whose}'s ${n} commits are all merge commits`}`;
  // Merges beside commits already in the base (a topic branch merged again): both said, each counted.
  const merges = c.unreviewed.filter((u) => u.merge).length;
  const rest = c.unreviewed.filter((u) => !u.merge);
  if (rest.every((u) => u.alreadyApplied)) {
    if (merges) return `Nothing reviewed: ${counted(rest.length, 'commit')} ${rest.length === 1 ? 'is' : 'are'} already in the base tree, ${merges} ${merges === 1 ? 'is a merge commit' : 'are merge commits'}`;
    return `Nothing reviewed: ${n === 1 ? 'the commit is' : `all ${n} commits are`} already in the base tree`;
  }
  return `Nothing reviewed: ${n === 1 ? 'the commit' : `none of the ${n} commits`} could be reviewed`;
}

/**
 * The check run for a set of findings: an annotation on each one's line at the head (none for a line a later commit deleted).
 * `coverage` says which commits were not reviewed: with none reviewed (or none past the base) the run is neutral, with some its title says how many were left out.
 */
export function planCheck(located: readonly LocatedFinding[], offDiff: readonly ReviewFinding[], config: RepoConfig, rulesUrl: string, notes: readonly string[], of: ReviewedAs, coverage: Coverage = ALL_REVIEWED): CheckPlan {
  const all = located.map((l) => l.finding);
  // Findings that differ only in their architecture are one finding here: counted, listed and annotated once (arch-groups.ts).
  const groups = archGroups(all);
  const findings = groups.map((g) => g.finding);
  const failing = findings.filter((f) => reaches(f, config.failOn));
  const { unreviewed } = coverage;
  const summary = truncate(checkSummary({ findings: all, offDiff, notes, rulesUrl, of, coverage }), GITHUB_MAX_SUMMARY);
  if (nothingReviewed(coverage)) {
    return { conclusion: 'neutral', title: nothingReviewedTitle(coverage, of), summary, annotations: [] };
  }
  const left = unreviewed.length ? `; ${unreviewed.length} of ${counted(coverage.commits, 'commit')} not reviewed` : '';
  return {
    conclusion: failing.length ? 'failure' : 'success',
    title: `${
      !findings.length
        ? 'No lock-order findings'
        : config.failOn === 'never'
          ? `${counted(findings.length, 'lock-order finding')}, none failing (fail-on: never)`
          : `${counted(findings.length, 'lock-order finding')}, ${failing.length} at or above ${config.failOn}`
    }${left}`,
    summary,
    annotations: located.filter((l) => findings.includes(l.finding)).flatMap(({ finding: f, at }): Annotation[] =>
      at
        ? [
            {
              path: at.file,
              start_line: at.line,
              end_line: at.line,
              annotation_level: LEVEL[f.severity],
              title: `${f.kind}: ${f.inner ? `${f.outer ?? '?'} -> ${f.inner}` : (f.outer ?? '')}`.slice(0, 255),
              message: `${f.message}\n\n${f.suggestion}`,
            },
          ]
        : [],
    ),
  };
}

/** A check run that says why no review ran. */
export function neutralCheck(title: string, reason: string): CheckPlan {
  return { conclusion: 'neutral', title, summary: truncate(reason, GITHUB_MAX_SUMMARY), annotations: [] };
}

/** Cut where the Markdown stays whole: never inside a code block, whose fence left open would make the rest of the page code. */
function truncate(text: string, max: number): string {
  return cutMarkdown(text, max, `\n\n… (truncated: GitHub keeps ${max} characters; the annotations list every finding still in the head)`);
}

/** Where a new finding is found: its patch's commit, patch id, the base and the head (null without a series to name them). */
function foundOn(f: ReviewFinding, input: PlanInput): ReviewedOn | null {
  const commit = input.series?.commits[f.patch.index - 1];
  if (!commit || !input.baseSha) return null;
  return { commit, patchId: input.series?.patchIds.get(f.patch.index) ?? null, subject: subjectKey(f.patch.subject), base: input.baseSha, head: input.headSha };
}

export function planReview(input: PlanInput): ReviewPlan {
  const { config } = input;
  // 1. What the App already said: open line comments (neither edited nor answered "Fixed in"), and fingerprints listed in its review bodies.
  //    A comment for findings that differ only in their architecture carries each one's marker: each is known posted.
  const open = new Map<string, ExistingComment>();
  const listed = new Set<string>();
  for (const c of input.existing) {
    if (!c.mine) continue;
    if (c.kind === 'review') for (const fp of markersIn(c.body)) listed.add(fp);
    const closed = fixedIn(c.body) !== null || Boolean(c.repliedFixedIn);
    if (c.kind !== 'line' || closed || markerOf(c.body) === null) continue;
    // An architecture the App's own reply said fixed is closed in this comment; its finding back is a new one.
    const answered = new Set(c.repliedFixedFingerprints ?? []);
    for (const fp of markersIn(c.body)) if (!open.has(fp) && !answered.has(fp)) open.set(fp, c);
  }
  // 2. One entry per fingerprint (the same finding made again by a later patch is one finding).
  const seen = new Set<string>();
  const findings = [...input.findings]
    .filter((p) => (seen.has(p.finding.fingerprint) ? false : (seen.add(p.finding.fingerprint), true)))
    .sort((a, b) => RANK[a.finding.severity] - RANK[b.finding.severity] || a.finding.file.localeCompare(b.finding.file) || a.finding.line - b.finding.line);
  const actions: Action[] = [];
  const onDiff: PlacedFinding[] = [];
  const offDiff: ReviewFinding[] = [];
  const fresh: ReviewFinding[] = [];
  for (const p of findings) {
    const f = p.finding;
    const placeable = p.at !== null && p.text !== null && input.diff.get(p.at.file)?.get(p.at.line) === p.text;
    if (!placeable) offDiff.push(f);
    const posted = open.get(f.fingerprint);
    if (posted) {
      actions.push({ code: 'skip', fingerprint: f.fingerprint, commentId: posted.id });
      continue;
    }
    if (listed.has(f.fingerprint)) continue;
    if (placeable) onDiff.push(p);
    else {
      actions.push({ code: 'off-diff', fingerprint: f.fingerprint });
      fresh.push(f);
    }
  }
  // 3. Line comments up to the cap, one per group of new findings that differ only in their architecture
  //    (arch-groups.ts: the same line, the same words); the rest in the review body.
  const placedOf = new Map(onDiff.map((p) => [p.finding, p]));
  const groups = archGroups(onDiff.map((p) => p.finding));
  const commented = groups.slice(0, config.maxComments);
  const comments = commented.map(({ finding: f, members }) => {
    const p = placedOf.get(f);
    const on = foundOn(f, input);
    return { path: p?.at?.file ?? f.file, line: p?.at?.line ?? f.line, side: 'RIGHT' as const, body: findingComment(f, { rulesUrl: input.rulesUrl, ...(on ? { on } : {}) }, members) };
  });
  const overflow = groups.slice(config.maxComments).flatMap((g) => g.members);
  commented.forEach((g, i) => {
    const c = comments[i];
    if (c) actions.push({ code: 'create', fingerprint: g.finding.fingerprint, fingerprints: g.members.map((m) => m.fingerprint), path: c.path, line: c.line, body: c.body });
  });
  for (const f of overflow) actions.push({ code: 'overflow', fingerprint: f.fingerprint });
  // 4. The App's comments whose findings are gone: all of them, fixed; some of a comment for several architectures, narrowed to those left.
  const comment = new Map<ExistingComment, string[]>();
  for (const [fp, c] of open) comment.set(c, [...(comment.get(c) ?? []), fp]);
  const byFingerprint = new Map(findings.map((p) => [p.finding.fingerprint, p.finding]));
  for (const [c, fps] of comment) {
    const fp = fps[0];
    const gone = fps.filter((x) => !seen.has(x));
    if (fp === undefined || !gone.length) continue;
    const still = fps.flatMap((x) => byFingerprint.get(x) ?? []);
    const on = reviewedOn(c.body);
    // Why it is gone (everywhere, or on some architectures): the commits fixed it, or the base moved, or a force-push dropped its commit (gone.ts).
    const why = whyGone(on, input);
    if (!still.length) {
      if (c.replies > 0) actions.push({ code: 'reply-fixed', fingerprint: fp, commentId: c.id, body: fixedReply(input.headSha, why) });
      else actions.push({ code: 'fixed', fingerprint: fp, commentId: c.id, body: fixedBody(c.body, input.headSha, why) });
      continue;
    }
    // Which architecture each gone fingerprint was, as the comment recorded it (all or none named: a guess would be worse than "partly").
    const recorded = archsOf(c.body);
    const fixedArchs = gone.map((x) => recorded.get(x));
    const partly = {
      sha: input.headSha,
      fixed: fixedArchs.every((a): a is string => a !== undefined) ? [...new Set(fixedArchs)] : [],
      still: [...new Set(still.flatMap((f) => (f.arch ? [f.arch] : [])))],
      gone: why,
    };
    const at = { fingerprint: gone[0] as string, fixed: gone, commentId: c.id };
    if (c.replies > 0) actions.push({ code: 'reply-partly-fixed', ...at, body: partlyFixedReply(partly, gone) });
    else actions.push({ code: 'partly-fixed', ...at, body: partlyFixedBody(c.body, still, partly, { rulesUrl: input.rulesUrl, ...(on ? { on } : {}) }) });
  }
  const all = findings.map((p) => p.finding);
  // 5. The App's "changes requested" reviews once no finding reaches fail-on: dismissed, or they block the merge for good.
  if (!all.some((f) => reaches(f, config.failOn))) {
    for (const c of input.existing) {
      if (c.mine && c.kind === 'review' && c.changesRequested) actions.push({ code: 'dismiss', reviewId: c.id, message: `kvm-review: ${config.failOn === 'never' ? 'no finding fails (fail-on: never)' : `no finding at or above ${config.failOn}`} at ${input.headSha.slice(0, 12)}.` });
    }
  }
  const newCount = comments.length + overflow.length + fresh.length;
  // Counted as printed: findings that differ only in their architecture are one.
  const review: ReviewPlan['review'] = newCount
    ? {
        event: config.reviewEvent === 'REQUEST_CHANGES' && all.some((f) => reaches(f, config.failOn)) ? 'REQUEST_CHANGES' : 'COMMENT',
        body: reviewBody({ posted: comments.length, total: archGroups(all).length }, fresh, overflow),
        comments,
      }
    : null;
  return { actions, review, check: planCheck(findings, offDiff, config, input.rulesUrl, input.notes ?? [], 'pull-request', input.coverage) };
}
