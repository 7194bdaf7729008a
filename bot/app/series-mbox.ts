/**
 * Commits as a series the review reads: GitHub's `.patch` of a pull request
 * or a compare (`git format-patch --stdout` output) rewritten so that the
 * series stage sees one posting: `[PATCH k/n]` subjects, one sender (the
 * author moves to an in-body `From:`, as `git send-email` does for someone
 * else's commit), and a Message-ID naming the commit.
 */
import { bareSubject } from '../../analyzers/series/bare-subject.js';

/** The `From <sha> Mon Sep 17 00:00:00 2001` line git starts each patch with. */
const SEPARATOR = /^From ([0-9a-f]{40}) Mon Sep 17 00:00:00 2001$/gm;

/** What the pull request's commits are to the series: slot k is commits[k-1]. */
export interface CommitSeries {
  /** The mbox the review reads. */
  mbox: string;
  /** Commit shas, oldest first. */
  commits: string[];
}

const SENDER = 'kvm-review <kvm-review@localhost>';

export function messageIdOf(sha: string): string {
  return `${sha}@kvm-review.invalid`;
}

/** The commit a review's Message-ID names, or null. */
export function commitOfMessageId(id: string | null): string | null {
  return /^([0-9a-f]{40})@kvm-review\.invalid$/.exec(id ?? '')?.[1] ?? null;
}

export function toSeries(patchText: string): CommitSeries {
  const starts = [...patchText.matchAll(SEPARATOR)];
  const n = starts.length;
  const commits: string[] = [];
  const parts: string[] = [];
  starts.forEach((m, k) => {
    const sha = m[1] as string;
    commits.push(sha);
    const text = patchText.slice(m.index, starts[k + 1]?.index ?? patchText.length);
    const split = text.indexOf('\n\n');
    const head = text.slice(0, split);
    const body = text.slice(split + 2);
    // Unfold headers, then rewrite the three that matter.
    const headers = head.replace(/\n[ \t]+/g, ' ').split('\n');
    let author = '';
    const out: string[] = [];
    for (const h of headers) {
      if (/^From: /i.test(h)) author = h.slice(6);
      else if (/^Subject: /i.test(h)) out.push(`Subject: [PATCH ${n > 1 ? `${k + 1}/${n}` : ''}`.replace(/ $/, '') + `] ${bareSubject(h.slice(9))}`);
      else if (!/^Message-ID: /i.test(h)) out.push(h);
    }
    out.splice(1, 0, `From: ${SENDER}`, `Message-ID: <${messageIdOf(sha)}>`);
    parts.push(`${out.join('\n')}\n\n${author ? `From: ${author}\n\n` : ''}${body}`);
  });
  return { mbox: parts.join(''), commits };
}
