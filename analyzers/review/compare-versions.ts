/**
 * v1 -> v2: what a new version of a series changed in the review. Pure:
 * the previous version's findings and the new review in, the new review
 * with each finding's `since` (the version that first had it), the
 * previous version's findings that are gone (`fixed`) and `previous` out.
 * Findings are matched by fingerprint (rule, lock classes, direction,
 * function: never a line), so a rebase or a reworded patch keeps them.
 *
 * Which earlier posting is "the previous version" is analyzers/series/versions.ts.
 */
import type { Series } from '../series/model.js';
import type { CodePlace, FixedFinding, NotComparedFinding, PatchReview, PriorFinding, ReplyAnchor, ReviewFinding, ReviewResult } from './model.js';
import { counted } from '../counted.js';
import { unreadCode } from './unread-code.js';
import { bareSubject } from '../series/bare-subject.js';

export type { FixedFinding, NotComparedFinding, PriorFinding } from './model.js';

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

/** The review with the comparison (the JSON contract's `previous`, per-finding `since`, `fixed`, `notCompared`). */
export interface ComparedReview extends Omit<ReviewResult, 'patches' | 'previous' | 'fixed' | 'notCompared' | 'anchor'> {
  patches: ComparedPatch[];
  /** The version compared with; null when none is known. */
  previous: { version: number; messageId: string | null } | null;
  /** The previous version's findings that are gone; empty when none or when nothing was compared. */
  fixed: FixedFinding[];
  /**
   * The previous version's findings whose code this version's review did not read (their patch was not
   * reviewed, the hunk or file of their function did not apply, patches are missing): neither fixed nor
   * still present, unknown; each with its `reason`.
   */
  notCompared: (NotComparedFinding & { reason: string })[];
  /** The message the "fixed in" reply answers; null when the series has no Message-ID. */
  anchor: ReplyAnchor | null;
}

/** The message a series-wide reply answers: the cover letter, else the first patch; null without a Message-ID. */
export function replyAnchor(s: Series): ReplyAnchor | null {
  const m = s.cover ?? s.patches[0];
  if (!m?.messageId) return null;
  const who = m.author ? (m.author.name ? `${m.author.name} <${m.author.email}>` : m.author.email) : null;
  return { messageId: m.messageId, subject: m.subject, author: who, date: m.date };
}

/** Compares `current` with `previous` (null: a first version, every finding new). */
export function compareVersions(current: ReviewResult, previous: PriorVersion | null, anchor: ReplyAnchor | null = null): ComparedReview {
  const version = current.series.version;
  const before = new Map((previous?.findings ?? []).map((f) => [f.fingerprint, f]));
  const patches: ComparedPatch[] = current.patches.map((p) => ({
    ...p,
    findings: p.findings.map((f) => ({ ...f, since: before.get(f.fingerprint)?.since ?? version })),
  }));
  const notes = [...current.notes];
  const fixed: FixedFinding[] = [];
  const notCompared: ComparedReview['notCompared'] = [];
  if (previous) {
    const now = new Set(current.patches.flatMap((p) => p.findings.map((f) => f.fingerprint)));
    const gone = previous.findings.filter((f) => !now.has(f.fingerprint));
    const missing = current.series.missing.length;
    // A partial review cannot tell a fixed finding from one in a patch that has not arrived.
    if (missing > 0 && gone.length > 0) {
      const reason = `${counted(missing, 'patch', 'patches')} of v${version} ${missing === 1 ? 'is' : 'are'} missing`;
      notes.push(`v${previous.version} findings not compared for fixes: ${reason}`);
      notCompared.push(...gone.map((f) => ({ ...f, reason })));
    } else {
      // A finding whose code this version's review did not read (a patch it could not review: already in the
      // tree, written against another tree; a hunk or file of its function that did not apply) is gone only
      // because nobody looked: unknown, never "fixed".
      const unread = new Map<string, { onPatch: boolean; n: number }>();
      for (const f of gone) {
        const p = counterpart(current.patches, f.patch);
        const notReviewed = p && p.status !== 'reviewed' ? `patch ${p.index} of v${version} could not be reviewed (${p.reason ?? p.status})` : null;
        const reason = notReviewed ?? unreadCode(f, current.patches, current.series.total, version, current.unindexed);
        if (!reason) {
          fixed.push({ ...f, fixedIn: version });
          continue;
        }
        notCompared.push({ ...f, reason });
        const seen = unread.get(reason) ?? { onPatch: notReviewed !== null, n: 0 };
        seen.n++;
        unread.set(reason, seen);
      }
      // Patches not reviewed first, in order (the reason starts with the patch), then code not read.
      const order = [...unread.entries()].sort(([a, x], [b, y]) => Number(y.onPatch) - Number(x.onPatch) || a.localeCompare(b, 'en', { numeric: true }));
      for (const [reason, { onPatch, n }] of order) {
        const which = `v${previous.version}'s ${n === 1 ? 'finding' : `${n} findings`}`;
        notes.push(`${reason}, so ${which} ${onPatch ? 'on it' : 'there'} ${n === 1 ? 'is' : 'are'} not compared`);
      }
    }
  }
  return { ...current, patches, notes, previous: previous ? { version: previous.version, messageId: previous.messageId } : null, fixed, notCompared, anchor };
}

/**
 * The functions of a finding's own code: its chain, from the patch's site to the inner acquisition (the
 * other sites of its order are the tree's, there whatever the patch does); without one (a locking.rst
 * rule without code), its first site and that site's chain. Each once, in order.
 */
function ownCode(f: ReviewFinding): CodePlace[] {
  const first = f.sites[0];
  const steps = f.chain.length ? f.chain : first ? [first, ...first.chain] : [];
  const seen = new Set<string>();
  return steps.filter((p) => !seen.has(`${p.file}\u0000${p.function}`) && seen.add(`${p.file}\u0000${p.function}`)).map((p) => ({ file: p.file, function: p.function }));
}

/** The subject without its leading bracket groups ("[PATCH v2 1/3]", "[RFC]"): the same patch keeps it across versions. */
function title(subject: string): string {
  return bareSubject(subject).trim();
}

/** The patch of the new version that is `prior`'s patch: the one with the same subject, else the one in the same place k. */
function counterpart(patches: readonly PatchReview[], prior: { index: number; subject: string }): PatchReview | undefined {
  const t = title(prior.subject);
  return patches.find((p) => title(p.subject) === t) ?? patches.find((p) => p.index === prior.index);
}

/**
 * What the next version is compared with: this review's findings, each with its `since` (its own version
 * when it has none), and the earlier findings it could not compare (still open: the next version answers them).
 */
export function priorOf(review: ReviewResult, messageId: string | null): PriorVersion {
  return {
    version: review.series.version,
    messageId,
    findings: [...review.patches.flatMap((p) =>
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
        since: f.since ?? review.series.version,
        arch: f.arch,
        functions: ownCode(f),
      })),
    // Still open, without why this version could not compare them: the next version answers that itself.
    ), ...(review.notCompared ?? []).map(({ reason: _reason, ...f }) => f)],
  };
}
