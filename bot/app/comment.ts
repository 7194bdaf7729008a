/**
 * The Markdown the App posts: a line comment per finding (reads like the
 * text output: the finding, the rule quoted, the chain, the scenario, the
 * suggestion, the rule page), the review body and the check-run summary.
 * Every finding body carries a hidden fingerprint marker so a re-run finds
 * what it already posted.
 */
import type { ListItem, RootContent, TableRow } from 'mdast';
import { u } from 'unist-builder';
import type { ReviewFinding } from '../../analyzers/review/model.js';
import { isRuleId, ruleUrl } from '../../analyzers/rules/meta.js';
import { archGroups, archList, archWords, type ArchGroup } from '../render/findings/arch-groups.js';
import { findingNodes } from '../render/findings/finding-markdown.js';
import { severityCounts } from '../render/findings/severity-counts.js';
import { stringifyMarkdown } from '../render/markdown.js';
import { counted } from '../../analyzers/counted.js';
import { nothingReviewed, type Coverage, type UnreviewedCommit } from './findings.js';
import { GONE_LEAD, goneWords, reviewedOnMarker, short as shortSha, type Gone, type ReviewedOn } from './gone.js';

/** The repository rule pages are linked in (its blob URL at a branch or tag); the App's setting KVM_REVIEW_RULES_URL overrides it. */
export const DEFAULT_RULES_URL = 'https://github.com/kvm-review/kvm-review/blob/main/';

const FP = /<!-- kvm-review:fp=([0-9a-f]+) -->/;
const FIXED = /<!-- kvm-review:fixed=([0-9a-f]+) -->/;
const PATCH_ID = /<!-- kvm-review:patch-id=([0-9a-f]+) -->/;
/** Beside the fingerprint markers of a comment for several architectures: which architecture each fingerprint is, so a later head can say which one it fixed. */
const FP_ARCH = /<!-- kvm-review:fp-arch=([0-9a-f]+):([A-Za-z0-9_]+) -->/g;
/** In the App's reply answering a comment for several architectures that some of them are fixed: the fingerprints that reply closed. */
const FIXED_FP = /<!-- kvm-review:fixed-fp=([0-9a-f]+) -->/g;
/**
 * The note an edit puts on top of a comment some of whose architectures a later review no longer finds it on
 * (kept by the next such edit): every lead partlyFixedWords() writes, whatever the reason (gone.ts).
 */
const PARTLY_FIXED_NOTE = /^\*\*(?:Fixed on .+? in|Partly fixed in|Gone on .+? with the new base|Partly gone with the new base|No longer found on .+? at|Partly no longer found at|Gone on .+? at|Partly gone at) [0-9a-f]{12}\*\*: [^\n]*$/gm;

export function fingerprintMarker(fp: string): string {
  return `<!-- kvm-review:fp=${fp} -->`;
}

/** The fingerprint a body carries, or null (someone else's comment, or not a finding). */
export function markerOf(body: string | null | undefined): string | null {
  return FP.exec(body ?? '')?.[1] ?? null;
}

/** Every fingerprint in a body (a review body lists several). */
export function markersIn(body: string | null | undefined): string[] {
  return [...(body ?? '').matchAll(new RegExp(FP.source, 'g'))].map((m) => m[1] as string);
}

/** The commit a comment was marked fixed in, or null. */
export function fixedIn(body: string | null | undefined): string | null {
  return FIXED.exec(body ?? '')?.[1] ?? null;
}

/** The architecture of each fingerprint of a comment for several architectures (none in a comment posted before the App recorded them). */
export function archsOf(body: string | null | undefined): Map<string, string> {
  return new Map([...(body ?? '').matchAll(FP_ARCH)].map((m) => [m[1] as string, m[2] as string]));
}

/** The fingerprints an App reply said fixed while the comment's other architectures still had the finding. */
export function fixedFingerprintsIn(body: string | null | undefined): string[] {
  return [...(body ?? '').matchAll(FIXED_FP)].map((m) => m[1] as string);
}

/** The patch id a commit comment was posted for (push review), or null. */
export function patchIdOf(body: string | null | undefined): string | null {
  return PATCH_ID.exec(body ?? '')?.[1] ?? null;
}

export interface BodyOptions {
  /** Base URL of the rule pages, ending in '/'. */
  rulesUrl: string;
  /** Push review: the commit's patch id, so a rebased copy is not commented again. */
  patchId?: string;
  /** Pull request review: where the finding was found, so a later review can say why it is gone (gone.ts). */
  on?: ReviewedOn;
}

/**
 * One finding as a line comment. `members`: the findings it stands for when they differ only in
 * their architecture (arch-groups.ts): one comment names every architecture and carries every
 * member's marker, so a re-run knows each posted.
 */
export function findingComment(f: ReviewFinding, opts: BodyOptions, members: readonly ReviewFinding[] = [f]): string {
  const archs = [...new Set(members.flatMap((m) => (m.arch ? [m.arch] : [])))];
  const nodes: RootContent[] = [...findingNodes(f, {}, archs)];
  if (isRuleId(f.kind)) nodes.push(u('paragraph', [u('link', { url: ruleUrl(f.kind, opts.rulesUrl) }, [u('text', `Rule: ${f.kind}`)])]));
  // With several architectures, each fingerprint's too: a later head that fixes one of them can name it.
  const archOf = archs.length > 1 ? members.flatMap((m) => (m.arch ? [`<!-- kvm-review:fp-arch=${m.fingerprint}:${m.arch} -->`] : [])) : [];
  const markers = [...members.map((m) => fingerprintMarker(m.fingerprint)), ...archOf, ...(opts.patchId ? [`<!-- kvm-review:patch-id=${opts.patchId} -->`] : []), ...(opts.on ? [reviewedOnMarker(opts.on)] : [])];
  return `${markers.join('\n')}\n${stringifyMarkdown(u('root', nodes))}`;
}

/**
 * The edit of a comment whose finding is gone: the original under a note on top saying why (gone.ts:
 * fixed by the commits, or gone with a new base, or its commit dropped by a force-push). The marker
 * closes it at `sha`, the head reviewed, whatever the reason.
 */
export function fixedBody(original: string, sha: string, gone: Gone = { why: 'fixed' }): string {
  const { lead, rest } = goneWords(sha, gone, true);
  return `<!-- kvm-review:fixed=${sha} -->\n**${lead}**: ${rest}\n\n${original.replace(FIXED, '').replace(GONE_LEAD, '')}`;
}

/** A reply in a thread that has replies (the comment itself is not edited then), saying why as fixedBody does. */
export function fixedReply(sha: string, gone: Gone = { why: 'fixed' }): string {
  const { lead, rest } = goneWords(sha, gone, false);
  return `<!-- kvm-review:fixed=${sha} -->\n${lead}: ${rest}`;
}

/** Which architectures a head fixed a finding on, and which still have it. */
export interface PartlyFixed {
  /** The head reviewed. */
  sha: string;
  /** The fixed architectures, as the comment recorded them; empty when it did not (a comment posted before the App recorded them). */
  fixed: readonly string[];
  /** The architectures whose finding is still there at `sha`. */
  still: readonly string[];
  /** Why it is gone on `fixed` (gone.ts: whyGone() of the comment's marker); absent: the commits fixed it. */
  gone?: Gone;
}

/**
 * The sentence of a partial fix: the fixed architectures named when known, always those still affected;
 * worded as goneWords() words a finding gone everywhere, so a head is credited only when the commits changed.
 */
function partlyFixedWords(p: PartlyFixed, strong: boolean): string {
  // Its commit dropped while other architectures still have the finding: a commit of the pull request still makes
  // it, so the force-push rewrote that code (under another subject): the commits changed, "Fixed on".
  const gone: Gone = !p.gone || p.gone.why === 'dropped' ? { why: 'fixed' } : p.gone;
  const on = p.fixed.length ? ` on ${archWords(p.fixed)}` : '';
  const only = p.fixed.length ? '' : ' only';
  const still = archWords(p.still);
  let lead: string;
  let rest: string;
  switch (gone.why) {
    case 'fixed': {
      const at = shortSha(gone.rewrote ? gone.rewrote.as : p.sha);
      const rewrite = gone.rewrote ? ` (the force-push's rewrite of ${shortSha(gone.rewrote.commit)}, the commit it was on)` : '';
      lead = p.fixed.length ? `Fixed${on} in ${at}` : `Partly fixed in ${at}`;
      rest = p.fixed.length ? `kvm-review no longer finds this${on} at that commit${rewrite}; it still does on ${still}.` : `kvm-review still finds this on ${still} only at that commit${rewrite}.`;
      break;
    }
    case 'base': {
      const patch = gone.rebasedAs ? `its patch is unchanged (now commit ${shortSha(gone.rebasedAs)})` : `the commit it was on (${shortSha(gone.commit)}) is unchanged`;
      lead = p.fixed.length ? `Gone${on} with the new base ${shortSha(gone.base)}` : `Partly gone with the new base ${shortSha(gone.base)}`;
      rest = p.fixed.length
        ? `${patch}, and the finding no longer appears${on} against the new base ${shortSha(gone.base)}; it still does on ${still}. The pull request's code did not fix it.`
        : `${patch}, and against the new base ${shortSha(gone.base)} the finding appears on ${still} only. The pull request's code did not change it.`;
      break;
    }
    case 'unchanged':
      lead = p.fixed.length ? `No longer found${on} at ${shortSha(p.sha)}` : `Partly no longer found at ${shortSha(p.sha)}`;
      rest = `the commit it was on (${shortSha(gone.commit)}) and the base (${shortSha(gone.base)}) are unchanged, so the code did not change it: the repository's .github/kvm-review.yml or kvm-review itself changed; kvm-review still finds this on ${still}${only}.`;
      break;
    case 'in-base':
      lead = p.fixed.length ? `Gone${on} at ${shortSha(p.sha)}` : `Partly gone at ${shortSha(p.sha)}`;
      rest = `the commit it was on (${shortSha(gone.commit)}) is in the new base ${shortSha(gone.base)} and no longer one of the pull request's commits; kvm-review still finds this on ${still}${only} in the commits there now.`;
      break;
  }
  return `${strong ? `**${lead}**` : lead}: ${rest}`;
}

/**
 * The edit of a comment for several architectures when a later head fixed some of them: the finding
 * written again for those still affected (`still`: their findings at the head, so the heading names
 * only them and only their markers are left), under a note saying which architecture was fixed where;
 * earlier such notes are kept above it.
 */
export function partlyFixedBody(original: string, still: readonly ReviewFinding[], p: PartlyFixed, opts: BodyOptions): string {
  const [first] = still;
  if (!first) throw new Error('partlyFixedBody: no finding is left; the comment is fixed, not partly');
  const earlier = original.match(PARTLY_FIXED_NOTE) ?? [];
  return `${[...earlier, partlyFixedWords(p, true)].join('\n\n')}\n\n${findingComment(first, opts, still)}`;
}

/** The reply in a thread that has replies (the comment is not edited then), with the markers of the fingerprints it closes. */
export function partlyFixedReply(p: PartlyFixed, fixedFingerprints: readonly string[]): string {
  return `${fixedFingerprints.map((fp) => `<!-- kvm-review:fixed-fp=${fp} -->`).join('\n')}\n${partlyFixedWords(p, false)}`;
}

function row(cells: string[]): TableRow {
  return u('tableRow', cells.map((c) => u('tableCell', [u('text', c)])));
}

function findingsTable(groups: readonly ArchGroup<ReviewFinding>[]): RootContent {
  return u('table', { align: [null, null, null, null] }, [
    row(['severity', 'kind', 'where', 'locks']),
    ...groups.map(({ finding: f, archs }) => row([f.severity, `${f.kind}${archs.length > 1 ? ` (${archList(archs)})` : ''}`, `${f.file}:${f.line}`, f.inner ? `${f.outer ?? '?'} -> ${f.inner}` : (f.outer ?? '')])),
  ]);
}

/** A cycle as a mermaid flowchart (GitHub renders ```mermaid blocks). */
export function cycleMermaid(f: ReviewFinding): string | null {
  if (!f.cycle?.length) return null;
  const ids = new Map<string, string>();
  const id = (lock: string): string => {
    if (!ids.has(lock)) ids.set(lock, `n${ids.size}`);
    return ids.get(lock) as string;
  };
  const lines = ['flowchart LR'];
  for (const l of f.cycle) {
    const arrow = l.source === 'documented' ? '-.->' : '-->';
    lines.push(`  ${id(l.outer)}["${l.outer}"] ${arrow} ${id(l.inner)}["${l.inner}"]`);
  }
  return lines.join('\n');
}

export interface SummaryInput {
  findings: readonly ReviewFinding[];
  /** Findings that could not be placed on a line of the diff (said so, with where they are). */
  offDiff: readonly ReviewFinding[];
  /** Patches that were not reviewed or only partly, with the reason. */
  notes: readonly string[];
  rulesUrl: string;
  /** What was reviewed: the summary says "the pull request" only of one. */
  of: ReviewedAs;
  /** The commits not reviewed, with the reason; absent or empty: every commit was. */
  coverage?: Coverage;
}

/** A pull request's commits, or a push's: the check run is on the head of either. */
export type ReviewedAs = 'pull-request' | 'push';

/** Why a finding is not on a line of the diff, and where else it is, worded for what was reviewed. */
const OFF_DIFF: Record<ReviewedAs, string> = {
  'pull-request': 'These findings are about lines the pull request does not show as changed (moved by a later commit, or evidence elsewhere); they are not posted as line comments.',
  // A push's commit comments are on each commit's own diff, not the head's: a later commit moving the line does not matter.
  push: 'These findings are about lines outside the diff of the pushed commit that made them; they are not posted as commit comments.',
};

/** What the commits are called in the summary and the check run's title. */
export const COMMITS: Record<ReviewedAs, string> = { 'pull-request': 'the pull request', push: 'the push' };

function others(n: number): string {
  return n === 1 ? 'other commit' : `other ${n}`;
}

/** The commits not reviewed, one item each: the commit, its subject, the reason, and each hunk that did not apply (where the base has an applied one). */
function unreviewedNodes(s: SummaryInput, c: Coverage): RootContent[] {
  const heading = u('heading', { depth: 3 as const }, [u('text', 'Not reviewed')]);
  if (c.empty) return [heading, u('paragraph', [u('text', `Nothing was reviewed: ${COMMITS[s.of]} has no commit past its base, so this run says nothing about its lock order.`)])];
  const none = nothingReviewed(c);
  const merges = c.unreviewed.filter((x) => x.merge).length;
  // The commits not reviewed but merges: a patch the base tree would not take.
  const unread = c.unreviewed.length - merges;
  const reviewed = c.commits - c.unreviewed.length;
  const of = `${counted(c.commits, 'commit')} of ${COMMITS[s.of]}`;
  const lead = !unread
    ? none
      ? `Nothing was reviewed: ${COMMITS[s.of]} has no commit but ${c.commits === 1 ? 'a merge' : 'merges'}, and a merge is not reviewed, so this run says nothing about its lock order.`
      : `${merges} of ${of} ${merges === 1 ? 'is a merge' : 'are merges'}, and a merge is not reviewed: this run speaks for the ${others(reviewed)} only.`
    : none
      ? `Nothing was reviewed: no commit of ${COMMITS[s.of]} could be reviewed against the base tree${merges ? `, and a merge is not reviewed` : ''}, so this run says nothing about its lock order.`
      : merges
        ? `${unread} of ${of} could not be reviewed against the base tree, and ${merges === 1 ? '1 more is a merge' : `${merges} more are merges`}, which is not reviewed: this run speaks for the ${others(reviewed)} only.`
        : `${unread} of ${of} could not be reviewed against the base tree: this run speaks for the ${others(reviewed)} only.`;
  const item = (x: UnreviewedCommit): ListItem =>
    u('listItem', [
      u('paragraph', [...(x.index === null ? [] : [u('text', `${x.index}: `)]), ...(x.sha ? [u('inlineCode', x.sha.slice(0, 12)), u('text', ' ')] : []), u('text', `"${x.subject}": ${x.why}`)]),
      ...(x.hunks.length ? [u('list', { ordered: false }, x.hunks.map((h) => u('listItem', [u('paragraph', [u('text', h)])])))] : []),
    ]);
  return [heading, u('paragraph', [u('text', lead)]), u('list', { ordered: false }, c.unreviewed.map(item))];
}

/** The check run's Markdown summary: counts, a table, for cycles the graph and the scenario; first, the commits not reviewed. */
export function checkSummary(s: SummaryInput): string {
  const c = s.coverage;
  if (c && nothingReviewed(c)) {
    // No count of findings, no "No lock-order findings": there was nothing to find them in.
    const nodes = unreviewedNodes(s, c);
    if (s.notes.length) nodes.push(u('heading', { depth: 3 as const }, [u('text', 'Notes')]), u('list', { ordered: false }, s.notes.map((n) => u('listItem', [u('paragraph', [u('text', n)])]))));
    return stringifyMarkdown(u('root', nodes));
  }
  // Findings that differ only in their architecture are one row and one block, counted once (arch-groups.ts).
  const groups = archGroups(s.findings);
  const nodes: RootContent[] = [u('paragraph', [u('text', `${severityCounts(groups.map((g) => g.finding))}.`)])];
  if (groups.length) nodes.push(findingsTable(groups));
  else nodes.push(u('paragraph', [u('text', 'No lock-order findings.')]));
  if (c?.unreviewed.length) nodes.push(...unreviewedNodes(s, c));
  if (s.offDiff.length) {
    nodes.push(u('heading', { depth: 3 as const }, [u('text', 'Not on a line of the diff')]));
    nodes.push(u('paragraph', [u('text', OFF_DIFF[s.of])]));
    for (const { finding: f, archs } of archGroups(s.offDiff)) nodes.push(u('paragraph', [u('inlineCode', `${f.file}:${f.line}`), u('text', ` (patch ${f.patch.index})`)]), ...findingNodes(f, {}, archs));
  }
  for (const { finding: f, archs } of groups.filter((g) => g.finding.kind === 'cycle' && !s.offDiff.includes(g.finding))) {
    const graph = cycleMermaid(f);
    nodes.push(u('heading', { depth: 3 as const }, [u('text', `Cycle at ${f.file}:${f.line}`)]), ...findingNodes(f, {}, archs));
    if (graph) nodes.push(u('code', { lang: 'mermaid' }, graph));
  }
  if (s.notes.length) nodes.push(u('heading', { depth: 3 as const }, [u('text', 'Notes')]), u('list', { ordered: false }, s.notes.map((n) => u('listItem', [u('paragraph', [u('text', n)])]))));
  return stringifyMarkdown(u('root', nodes));
}

/** GitHub: "Body is too long (maximum is 65536 characters)" on a review, a review comment or an issue comment. */
export const GITHUB_MAX_BODY = 65536;

/** What the applier puts above a review body (its post marker, post-once.ts) must still fit: reviewBody leaves this room. */
export const POST_MARKER_ROOM = 64;
const REVIEW_MAX = GITHUB_MAX_BODY - POST_MARKER_ROOM;

/**
 * The review body: a one-line count, findings past the comment cap and those
 * off the diff, each with its marker. Past GitHub's 65536 characters (a
 * review GitHub would refuse, 422, and with it every line comment), the
 * findings past the cap are listed in one line each like those off the diff,
 * and what still does not fit is cut with a note; the markers of every
 * finding are kept in full, first, so a re-run still knows them all.
 */
export function reviewBody(counts: { posted: number; total: number }, extra: readonly ReviewFinding[], overflow: readonly ReviewFinding[]): string {
  const markers = [...overflow, ...extra].map((f) => fingerprintMarker(f.fingerprint));
  const head = `${markers.join('\n')}${markers.length ? '\n' : ''}`;
  const oneLine = ({ finding: f, archs }: ArchGroup<ReviewFinding>): ListItem => u('listItem', [u('paragraph', [u('inlineCode', `${f.file}:${f.line}`), u('text', ` ${f.kind}${archs.length > 1 ? ` (${archList(archs)})` : ''}: ${f.message}`)])]);
  // Findings that differ only in their architecture are listed once (arch-groups.ts); their markers are all kept above.
  const over = archGroups(overflow);
  const off = archGroups(extra);
  const render = (full: boolean): string => {
    const nodes: RootContent[] = [u('paragraph', [u('strong', [u('text', 'kvm-review')]), u('text', `: ${counted(counts.total, 'finding')}, ${counts.posted} as line ${counts.posted === 1 ? 'comment' : 'comments'}.`)])];
    if (over.length) {
      nodes.push(u('paragraph', [u('text', `Past the ${counts.posted}-comment limit of a review:`)]));
      if (full) for (const { finding: f, archs } of over) nodes.push(u('paragraph', [u('inlineCode', `${f.file}:${f.line}`)]), ...findingNodes(f, {}, archs));
      else nodes.push(u('list', { ordered: false }, over.map(oneLine)));
    }
    if (off.length) {
      nodes.push(u('paragraph', [u('text', 'Not on a line of the diff (see the check run):')]));
      nodes.push(u('list', { ordered: false }, off.map(oneLine)));
    }
    return `${head}${stringifyMarkdown(u('root', nodes))}`;
  };
  const full = render(true);
  if (full.length <= REVIEW_MAX) return full;
  const short = render(false);
  if (short.length <= REVIEW_MAX) return short;
  const note = '\n\n… (cut: GitHub keeps 65536 characters of a review; the check run lists every finding)\n';
  return short.slice(0, Math.max(head.length, REVIEW_MAX - note.length)) + note;
}
