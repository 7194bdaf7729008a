/**
 * A prohibition over locks held together: "A must not be taken while
 * holding all of the following:", "... both of:". It may forbid only
 * holding the listed locks at once (taking A with one of them held being
 * fine), a rule kvm-review has no model for, so it is reported rather than
 * read as one prohibition per lock, which could be stronger than the
 * author meant. A positive rule over the same words ("A is taken outside
 * all of the following:") holds for each lock and is read. The reader
 * (list-rules.ts, statements.ts) and the hunk review decide it here, alike.
 */

/** A noun naming the listed locks: "the following locks", "these mutexes". */
export const LIST_NOUN = String.raw`(?:\s+(?:locks?|mutexes|spinlocks|lock classes))?`;

/** "both of", "all of", "all of the following (locks)", "both of these (locks)": the locks of the list, together. */
const TOGETHER = new RegExp(String.raw`\b((?:all|both) of(?:\s+(?:the following|these)${LIST_NOUN})?)$`, 'i');

/** Words making a rule a prohibition: "must not", "never", "cannot", "Neither A nor B", "mustn't". */
const PROHIBITION = /\b(?:not|never|cannot|neither|nor)\b|n't\b/i;

/**
 * The words naming the list as locks held together ("all of the
 * following"), when RULE (a parent line without its ':') is a prohibition
 * ending in them; null for any other line.
 */
export function heldTogether(rule: string): string | null {
  const m = TOGETHER.exec(rule.trim());
  if (!m || !PROHIBITION.test(rule.slice(0, m.index))) return null;
  return m[1] ?? null;
}

/** Why SENTENCE, a parent line ending in ':' that heldTogether() matches, is reported; null for any other sentence. */
export function heldTogetherReason(sentence: string): string | null {
  const text = sentence.trim();
  if (!text.endsWith(':') || text.endsWith('::')) return null;
  const words = heldTogether(text.slice(0, -1));
  if (!words) return null;
  return (
    `"${words}" after a prohibition may forbid only holding the locks listed together, not each one on its own, ` +
    'and kvm-review does not model a rule about locks held together: no rule was read from this line or its list; ' +
    'if each lock alone is meant, "any of:" says so'
  );
}
