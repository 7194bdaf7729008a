/**
 * Sorts messages into covers, patches, replies and the rest, from the
 * subject first and the body second. A reply is never a patch, even when it
 * carries a diff (a fix-up proposed inline): only its author's own posting
 * is reviewed. Quoted diffs (`> ` lines) never count as a diff.
 */
import type { SourceMessage } from '../sources/model.js';
import { scanDiff } from './diff-sections.js';
import type { SubjectInfo } from './model.js';
import { parseSubject } from './subject.js';

/** What a message is, with its parsed subject. */
export interface Classified {
  /** cover: `[PATCH 0/M]`; patch: a commit to review; reply: `Re:`; other: none of them. */
  kind: 'cover' | 'patch' | 'reply' | 'other';
  /** The message. */
  message: SourceMessage;
  /** Its subject, parsed. For a patch without a `[PATCH]` tag: slot 1 of 1. */
  info: SubjectInfo;
  /** Optional: why a message without a `[PATCH]` tag was taken as a patch. */
  note?: string;
}

/** Classifies one message. */
export function classify(message: SourceMessage): Classified {
  const info = parseSubject(message.subject);
  if (message.synthetic) return { kind: 'patch', message, info: { ...info, title: message.subject } };
  if (info.reply) return { kind: 'reply', message, info };
  if (info.isPatch) return { kind: info.index === 0 ? 'cover' : 'patch', message, info };
  // git send-email without --subject-prefix, or a patch posted as plain mail:
  // what carries a diff and answers nothing is a patch.
  if (hasDiff(message)) {
    return { kind: 'patch', message, info, note: 'no [PATCH] tag in the subject; taken as a patch because it carries a diff' };
  }
  return { kind: 'other', message, info };
}

/** The body (or a text attachment) holds an unquoted file diff. */
export function hasDiff(message: SourceMessage): boolean {
  return scanDiff(message.body).sections.length > 0 || message.attachments.some((a) => scanDiff(a.text).sections.length > 0);
}
