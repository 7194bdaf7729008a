/**
 * Which earlier posting a series is a new version of, found the way b4 and
 * maintainers find it: the b4 change-id trailer, a Link to one of its
 * messages, or the same subject stem from the same sender. One
 * implementation for the lore watcher (postings across passes) and for
 * `kvm-review mbox` (the versions one input holds).
 */
import type { Series } from './model.js';

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

/** The identity of an assembled posting: cover, patches and duplicates. */
export function postingIdentity(s: Series): PostingIdentity {
  const texts = [s.cover?.body ?? '', ...s.patches.map((p) => p.description)];
  const members = [s.cover?.messageId ?? null, ...s.patches.map((p) => p.messageId), ...s.duplicates.map((p) => p.messageId)];
  return {
    version: s.version,
    title: s.title,
    sender: s.sender?.email ?? null,
    changeId: texts.map(changeIdOf).find((x) => x !== null) ?? null,
    messageIds: members.filter((x): x is string => x !== null),
    links: [...new Set(texts.flatMap(linkedIds))],
  };
}

/** The Message-ID a version is named by: its cover's, else its first patch's; null when neither has one. */
export function anchorId(s: Series): string | null {
  return s.cover?.messageId ?? s.patches[0]?.messageId ?? null;
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
    const id = percentDecoded(m[1] ?? '').replace(/^<|>$/g, '');
    if (id) ids.add(id);
  }
  return [...ids];
}

/** `%40` and friends decoded; a malformed escape (a stranger's text) leaves the id as written. */
function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
