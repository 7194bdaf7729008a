/**
 * v1 -> v2: what a new version of a series changed in the review. Pure:
 * the previous version's findings and the new review in, the new review
 * with each finding's `since` (the version that first had it), the
 * previous version's findings that are gone (`fixed`) and `previous` out.
 * Findings are matched by fingerprint (rule, lock classes, direction,
 * function: never a line), so a rebase or a reworded patch keeps them.
 *
 * Which earlier posting is "the previous version" is found the way b4 and
 * maintainers find it: the b4 change-id trailer, a Link to one of its
 * messages, or the same subject stem from the same author.
 */
import type { Severity } from '../findings/model.js';
import type { PatchReview, ReviewFinding, ReviewResult } from './model.js';

/** A finding of an earlier version, as much as the comparison and the `fixed` list need. */
export interface PriorFinding {
  fingerprint: string;
  kind: string;
  severity: Severity;
  outer: string | null;
  inner: string | null;
  /** One sentence, as the earlier review said it. */
  message: string;
  /** Post-image path and line in the earlier version. */
  file: string;
  line: number;
  /** The earlier version's patch. */
  patch: { index: number; subject: string };
  /** The version that first reported it. */
  since: number;
}

/** The earlier version a review is compared with. */
export interface PriorVersion {
  version: number;
  /** Its cover's Message-ID, else patch 1's; null when unknown. */
  messageId: string | null;
  findings: PriorFinding[];
}

/** A finding of the new version, with the version that first reported it. */
export interface ComparedFinding extends ReviewFinding {
  /** The version that first reported this finding: the current one when it is new. */
  since: number;
}

export interface ComparedPatch extends Omit<PatchReview, 'findings'> {
  findings: ComparedFinding[];
}

/** A finding of the previous version that the new one no longer has. */
export interface FixedFinding extends PriorFinding {
  /** The version without it. */
  fixedIn: number;
}

/** The review with the comparison (the JSON contract's `previous`, per-finding `since`, `fixed`). */
export interface ComparedReview extends Omit<ReviewResult, 'patches'> {
  patches: ComparedPatch[];
  /** The version compared with; null when none is known. */
  previous: { version: number; messageId: string | null } | null;
  /** The previous version's findings that are gone; empty when none or when nothing was compared. */
  fixed: FixedFinding[];
}

/** Compares `current` with `previous` (null: a first version, every finding new). */
export function compareVersions(current: ReviewResult, previous: PriorVersion | null): ComparedReview {
  const version = current.series.version;
  const before = new Map((previous?.findings ?? []).map((f) => [f.fingerprint, f]));
  const patches: ComparedPatch[] = current.patches.map((p) => ({
    ...p,
    findings: p.findings.map((f) => ({ ...f, since: before.get(f.fingerprint)?.since ?? version })),
  }));
  const notes = [...current.notes];
  let fixed: FixedFinding[] = [];
  if (previous) {
    const now = new Set(current.patches.flatMap((p) => p.findings.map((f) => f.fingerprint)));
    const gone = previous.findings.filter((f) => !now.has(f.fingerprint));
    // A partial review cannot tell a fixed finding from one in a patch that has not arrived.
    if (current.series.missing.length > 0 && gone.length > 0) {
      notes.push(`v${previous.version} findings not compared for fixes: ${current.series.missing.length} patch(es) of v${version} are missing`);
    } else {
      fixed = gone.map((f) => ({ ...f, fixedIn: version }));
    }
  }
  return { ...current, patches, notes, previous: previous ? { version: previous.version, messageId: previous.messageId } : null, fixed };
}

/** What the next version is compared with: this review's findings, each with its `since`. */
export function priorOf(review: ComparedReview, messageId: string | null): PriorVersion {
  return {
    version: review.series.version,
    messageId,
    findings: review.patches.flatMap((p) =>
      p.findings.map((f) => ({
        fingerprint: f.fingerprint,
        kind: f.kind,
        severity: f.severity,
        outer: f.outer,
        inner: f.inner,
        message: f.message,
        file: f.file,
        line: f.line,
        patch: f.patch,
        since: f.since,
      })),
    ),
  };
}

/** What identifies a posting across versions. */
export interface PostingIdentity {
  version: number;
  /** The series title (subject stem, without `[PATCH vN k/M]`). */
  title: string;
  /** The sender's address; null when unknown. */
  sender: string | null;
  /** The b4 change-id trailer; null when absent. */
  changeId: string | null;
  /** Message-IDs of its cover and patches. */
  messageIds: string[];
  /** Message-IDs its cover or patches link to (lore URLs, `Link:` trailers). */
  links: string[];
}

/** The title compared across versions: case, blanks and a trailing period do not count. */
function stem(title: string): string {
  return title.toLowerCase().replace(/\s+/g, ' ').replace(/[.\s]+$/, '').trim();
}

/**
 * The posting `current` is a new version of, among `earlier`: the newest
 * lower version linked by change-id, by a Link to one of its messages, or
 * with the same subject stem and sender. Null when none.
 */
export function previousVersion<T extends PostingIdentity>(current: PostingIdentity, earlier: T[]): T | null {
  const links = new Set(current.links);
  const related = earlier.filter(
    (e) =>
      e.version < current.version &&
      ((current.changeId !== null && e.changeId === current.changeId) ||
        e.messageIds.some((id) => links.has(id)) ||
        (current.sender !== null && e.sender === current.sender && stem(e.title) === stem(current.title))),
  );
  // The newest earlier version; among equals the one listed last (the latest posted).
  return related.reduce<T | null>((best, e) => (best === null || e.version >= best.version ? e : best), null);
}

/** The b4 change-id trailer of a cover letter or commit message. */
export function changeIdOf(text: string): string | null {
  return /^change-id:\s*(\S+)\s*$/im.exec(text)?.[1] ?? null;
}

/** Message-IDs named by lore links and `Link:`/`Message-Id:` trailers in `text`. */
export function linkedIds(text: string): string[] {
  const ids = new Set<string>();
  for (const m of text.matchAll(/https?:\/\/(?:lore\.kernel\.org|lkml\.kernel\.org|patch\.msgid\.link)\/(?:r\/)?(?:[\w.-]+\/)?([^/\s<>"]+(?:@|%40)[^/\s<>"]+)/g)) {
    const id = decodeURIComponent(m[1] ?? '').replace(/^<|>$/g, '');
    if (id) ids.add(id);
  }
  return [...ids];
}
