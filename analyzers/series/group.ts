/**
 * Groups covers and patches into postings: one sender, one revision, one
 * announced count (b4 keys a series by revision too). RFC is not part of the
 * key: `[RFC PATCH 0/2]` is often followed by `[PATCH 1/2]`. Only when a
 * group holds two different messages for one slot (two postings that look
 * alike, such as an inbox with two unrelated `[PATCH]`es from one person)
 * is it split by thread.
 */
import type { Classified } from './classify.js';
import { expectedOf, slotOf } from './subject.js';

/** Messages of one posting, in input order. */
export type Group = Classified[];

/** The grouping key: sender, revision, expected count, resend, backport base. */
function keyOf(c: Classified): string {
  const m = c.message;
  // A message with no sender or a plain diff stands alone: nothing ties it to others.
  const who = m.from?.email ?? `${m.position.file}#${m.position.index}`;
  return [who, c.info.version, expectedOf(c.info), c.info.resend ? 'resend' : '', c.info.backport ?? '', c.note ? `untagged#${m.position.index}` : ''].join('|');
}

/** The oldest thread ancestor the message names, else itself. */
function threadRoot(c: Classified): string {
  const m = c.message;
  return m.references[0] ?? m.inReplyTo ?? m.messageId ?? `${m.position.file}#${m.position.index}`;
}

function slot(c: Classified): number {
  return c.kind === 'cover' ? 0 : slotOf(c.info);
}

/** True when two different messages (by Message-ID) claim one slot. */
function collides(group: Group): boolean {
  const seen = new Map<number, string>();
  for (const c of group) {
    const id = c.message.messageId ?? `${c.message.position.file}#${c.message.position.index}`;
    const other = seen.get(slot(c));
    if (other !== undefined && other !== id) return true;
    seen.set(slot(c), id);
  }
  return false;
}

/** Splits covers and patches (in input order) into postings, in order of first appearance. */
export function groupPostings(items: Classified[]): Group[] {
  const byKey = new Map<string, Group>();
  for (const c of items) {
    const key = keyOf(c);
    const group = byKey.get(key) ?? [];
    group.push(c);
    byKey.set(key, group);
  }
  const out: Group[] = [];
  for (const group of byKey.values()) {
    if (!collides(group)) {
      out.push(group);
      continue;
    }
    const byRoot = new Map<string, Group>();
    for (const c of group) {
      const root = threadRoot(c);
      byRoot.set(root, [...(byRoot.get(root) ?? []), c]);
    }
    out.push(...byRoot.values());
  }
  return out;
}
