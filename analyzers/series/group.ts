/**
 * Groups covers and patches into postings: one sender, one revision, one
 * announced count (b4 keys a series by revision too). RFC is not part of the
 * key: `[RFC PATCH 0/2]` is often followed by `[PATCH 1/2]`. git format-patch
 * output never mailed (no Message-ID) has each commit's author as From, so it
 * is grouped without the sender. Only when a group holds two different
 * messages for one slot (two postings that look alike, such as an inbox with
 * two unrelated `[PATCH]`es from one person) is it split: by sender for
 * format-patch output, then by thread.
 */
import type { Classified } from './classify.js';
import { expectedOf, slotOf } from './subject.js';

/** Messages of one posting, in input order. */
export type Group = Classified[];

/**
 * True for `git format-patch` output that was never mailed (no Message-ID): its From is each
 * commit's author, so a branch with two authors would read as two postings by sender.
 */
function unsent(c: Classified): boolean {
  return c.message.formatPatch === true && c.message.messageId === null;
}

/** The grouping key: sender, revision, expected count, resend, backport base. */
function keyOf(c: Classified, bySender = false): string {
  const m = c.message;
  // A message with no sender or a plain diff stands alone: nothing ties it to others.
  const sender = m.from?.email ?? `${m.position.file}#${m.position.index}`;
  // Unsent format-patch output is one posting by revision and count, whoever wrote each commit.
  const who = unsent(c) && !bySender ? 'git format-patch' : sender;
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

/** `items` split by `key`, in order of first appearance. */
function splitBy(items: Classified[], key: (c: Classified) => string): Group[] {
  const byKey = new Map<string, Group>();
  for (const c of items) {
    const k = key(c);
    const group = byKey.get(k) ?? [];
    group.push(c);
    byKey.set(k, group);
  }
  return [...byKey.values()];
}

/** Splits covers and patches (in input order) into postings, in order of first appearance. */
export function groupPostings(items: Classified[]): Group[] {
  const out: Group[] = [];
  for (const group of splitBy(items, (c) => keyOf(c))) {
    if (!collides(group)) {
      out.push(group);
      continue;
    }
    // Two format-patch runs in one input (their slots collide): by sender, as mailed ones are.
    const bySender = group.some(unsent) ? splitBy(group, (c) => keyOf(c, true)) : [group];
    for (const g of bySender) out.push(...(collides(g) ? splitBy(g, threadRoot) : [g]));
  }
  return out;
}
