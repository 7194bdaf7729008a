/**
 * A rule whose locks are listed under it: "kvm->lock is taken outside:"
 * with a list of locks nested under it (or, for a paragraph, right after
 * it). Each item completes the rule ("kvm->lock is taken outside
 * vcpu->mutex"), which is then read as any sentence is, so an item
 * qualifies or scopes its rule the way a sentence does, and an item that
 * does not complete a rule kvm-review reads is reported with the parent's
 * words, never dropped.
 */
import { isExampleIntro } from './examples.js';
import { findLockRefs } from './lock-refs.js';
import type { Block } from './rst-blocks.js';
import { splitSentences, type Sentence } from './sentences.js';

/** The words a rule ends in when its locks follow as a list: "outside (of)", "inside (of)", "under", "while holding". */
const OPEN_ENDED = /\b(?:outside|inside|under|within)(?: of)?$|\bwhile holding$|\bbefore$/;
/**
 * Words naming the list to come, read past: "taken outside the following
 * locks:", "inside all of the following:" say what "taken outside:" says.
 */
const FOLLOWING = /\s+(?:(?:all|each|any) of\s+)?the following(?:\s+(?:locks?|mutexes|spinlocks|lock classes))?$/i;

/** A parent line: the rule without its last locks. */
export interface ListRule {
  block: Block;
  sentence: Sentence;
  /** The rule the items complete: the sentence without its final ':' and "the following locks" ("kvm->lock is taken outside"). */
  stem: string;
  /** The sentence as written, without its final ':', for quotes ("kvm->lock is taken outside the following locks"). */
  written: string;
}

/**
 * BLOCK as the parent of a list of locks, or null. Only one sentence that
 * names a lock and ends in an ordering word and ':' is one: "The locks are:"
 * or "For example, ... can happen:" introduce lists of their own kind.
 */
export function listRule(block: Block): ListRule | null {
  if (block.kind === 'field' || block.inItem) return null;
  const sentences = splitSentences(block);
  const sentence = sentences[0];
  if (!sentence || sentences.length !== 1) return null;
  const { text } = sentence;
  if (!text.endsWith(':') || text.endsWith('::') || isExampleIntro(text)) return null;
  const written = text.slice(0, -1).trim();
  const stem = written.replace(FOLLOWING, '');
  if (!OPEN_ENDED.test(stem) || !findLockRefs(stem).length) return null;
  return { block, sentence, stem, written };
}

/** An item's first sentence as the rule it completes: the text to read, and the text to quote ("A is taken outside: B"). */
export function completedRule(rule: ListRule, item: string): { text: string; quote: string } {
  return { text: `${rule.stem} ${item}`, quote: `${rule.written}: ${item}` };
}
