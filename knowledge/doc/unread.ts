/**
 * Why a sentence of locking.rst that reads like a rule is reported rather
 * than read: it sits where the reader does not read (a comment, a code
 * block) or under an architecture label it does not know. Shared by the
 * document reader and the review of a locking.rst patch without a tree, so
 * both say it in the same words.
 */
import type { Block } from './rst-blocks.js';
import { classify, knownArchs, RULE_FACTS } from './statements.js';

/** An "On ...:" label with words that name no architecture known here. */
export interface UnknownLabel {
  /** The label as written ("On x86 and x68:"). */
  label: string;
  line: number;
  /** Its words archName() does not know, as written. */
  words: string[];
  /** Its words it does know, canonical. */
  known: string[];
}

export const KNOWN_ARCHS = `it knows ${knownArchs()}`;

/** Why a rule under an unknown label is reported: the label, its line, and the architectures known. */
export function unknownLabelReason(u: UnknownLabel): string {
  return u.known.length === 0
    ? `under "${u.label}" at line ${u.line}, which names no architecture kvm-review knows; ${KNOWN_ARCHS}`
    : `under "${u.label}" at line ${u.line}, where ${u.words.join(' and ')} ${u.words.length > 1 ? 'are' : 'is'} no architecture kvm-review knows; ${KNOWN_ARCHS}`;
}

/** Why an inline "On x68, A is taken outside B" is reported. */
export function unknownInlineReason(word: string): string {
  return `"On ${word}," names no architecture kvm-review knows; ${KNOWN_ARCHS}`;
}

/** What explicit markup that is not read is, for the report. */
const MARKUP: Record<NonNullable<Block['markup']>, string> = {
  comment: 'in an RST comment (".. "), which is not rendered: a rule-like sentence in a comment is not read',
  footnote: 'in a footnote (".. [1]"), which kvm-review does not read',
  target: 'in a hyperlink target (".. _name:"), which kvm-review does not read',
  substitution: 'in a substitution definition (".. |name|"), which kvm-review does not read',
};

/**
 * Why sentence TEXT of a skipped block (a directive body, a comment) is
 * reported, or null when it reads like no rule. A comment's wording is not
 * code, so one that only looks like a rule ("A -> B") is reported too; a
 * code block names locks in every line of code, so only a rule read as one is.
 */
export function skippedRuleReason(block: Block, text: string): string | null {
  const c = classify(text, { subject: [] });
  const ruleLike = c.facts.some((f) => RULE_FACTS.has(f.kind)) || (block.markup !== undefined && !c.recognized && c.orderingLike);
  if (!ruleLike) return null;
  if (block.markup) return MARKUP[block.markup];
  if (block.directive === '::') return 'in a literal block (the indented text after "::"), which is shown as code and not read as documentation text';
  return `in the body of a ".. ${block.directive ?? '?'}::" directive, which is not read as documentation text`;
}
