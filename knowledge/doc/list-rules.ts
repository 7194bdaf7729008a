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
import { heldTogether, LIST_NOUN } from './held-together.js';
import { findLockRefs } from './lock-refs.js';
import type { Block } from './rst-blocks.js';
import { splitSentences, type Sentence } from './sentences.js';
import { classify } from './statements.js';

/** The words a rule ends in when its locks follow as a list: "outside (of)", "inside (of)", "under", "while holding". */
const OPEN_ENDED = /\b(?:outside|inside|under|within)(?: of)?$|\bwhile holding$|\bbefore$/;
/** "any of", "either of", "one of": each item is a lock the rule holds for on its own, whatever the rule's words. */
const ANY = String.raw`(?:any|any one|either|one)`;
/**
 * Words naming the list to come, read past: "taken outside the following
 * locks:", "inside all of the following:", "must not be taken while holding
 * any of:" say what "taken outside:" and "... while holding:" say. "both
 * of:" and "all of (the following):" are read past only in a positive rule:
 * under a prohibition they may forbid only the locks held together, and
 * listRule() leaves such a line to be reported (held-together.ts).
 */
const FOLLOWING = new RegExp(String.raw`\s+(?:(?:(?:all|both|each|${ANY}) of\s+)?the following${LIST_NOUN}|(?:all|both|${ANY}) of(?:\s+these${LIST_NOUN})?)$`, 'i');
/** List punctuation an item ends in, read past: "kvm->slots_lock,", "vcpu->mutex, or" (a final '.' or ';' ends its sentence already). */
const ITEM_END = /\s*,\s*(?:(?:and|or)\s*)?$|\s+(?:and|or)$/;

/** Why a parent paragraph standing in the main list, with no list indented under it, completes no rule (the reader and the hunk review say it alike). */
export const NO_LIST_UNDER = 'no list is indented under it: the bullets after it are items of the main list, read as rules of their own, so it completes no rule; its locks go indented under it';

/** Why a bullet after such a paragraph that is only a lock ("- vcpu->mutex") is reported: PARENT quotes the paragraph and its line. */
export const notItsItem = (parent: string): string => `states no rule of its own, and is not one of the locks of ${parent}: it is in the main list, not indented under that line`;

/**
 * The marker column of the list running through a section (the bullets since its last plain paragraph):
 * a parent paragraph standing in it has its items nested deeper, and the bullets after it at that column
 * are the list's. The reader and the review of a hunk without a tree follow it alike.
 */
export class RunningList {
  private section = '';
  /** null: no list runs here. */
  column: number | null = null;

  /**
   * Follow BLOCK, the next one in the document. `stands`: whether a block that is not a bullet, an
   * item's text or a parent line still stands in the list (a label such as "On x86:"), asked last.
   */
  see(block: Block, stands: (block: Block) => boolean): void {
    if (block.section !== this.section) {
      this.section = block.section;
      this.column = null;
    }
    if (block.kind === 'bullet') this.column = Math.min(this.column ?? Infinity, block.indent ?? 0);
    // A plain paragraph ends the list; a label or a parent line stands in it.
    else if (!block.inItem && !listRule(block) && !stands(block)) this.column = null;
  }
}

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
  // "A must not be taken while holding all of the following:" is no rule for each lock: read as the sentence it is, it is reported.
  if (heldTogether(written)) return null;
  const stem = written.replace(FOLLOWING, '');
  if (!OPEN_ENDED.test(stem) || !findLockRefs(stem).length) return null;
  return { block, sentence, stem, written };
}

/** An item's first sentence as the rule it completes: the text to read, and the text to quote, as written ("A is taken outside: B,"). */
export function completedRule(rule: ListRule, item: string): { text: string; quote: string } {
  return { text: `${rule.stem} ${item.replace(ITEM_END, '')}`, quote: `${rule.written}: ${item}` };
}

/** A parent whose list is being read; SCOPE is what the caller reads its items under (the reader's Scope, the hunk review's label). */
export interface OpenList<S> {
  rule: ListRule;
  scope: S;
  /**
   * The column its items are nested deeper than: a bullet parent's marker column, or, for a
   * paragraph standing in a list, that list's (its bullets after the paragraph are the list's,
   * not the paragraph's items); null for a paragraph no list runs through.
   */
  indent: number | null;
  /** The items' marker column, set by the first; deeper bullets are an item's own content. */
  itemIndent: number | null;
  items: number;
}

/** MAIN: for a paragraph parent, the marker column of the list it stands in (null: none, its items are the list right after it). */
export function openList<S>(rule: ListRule, scope: S, main: number | null = null): OpenList<S> {
  return { rule, scope, indent: rule.block.kind === 'bullet' ? (rule.block.indent ?? 0) : main, itemIndent: null, items: 0 };
}

/**
 * Whether BLOCK belongs to P's list: 'item', an item's own 'content' (a
 * deeper bullet, its text going on), or null (the list has ended). The
 * document reader and the hunk review read lists with it, so both end a
 * list at the same block.
 */
export function listPlace(p: OpenList<unknown>, block: Block): 'item' | 'content' | null {
  if (block.section !== p.rule.block.section) return null;
  if (block.kind === 'paragraph') return block.inItem && p.items > 0 ? 'content' : null;
  if (block.kind !== 'bullet') return null;
  const indent = block.indent ?? 0;
  // Nested under a bullet parent (or a paragraph in a list); right after a paragraph parent, at the first item's column or deeper.
  if (p.indent !== null ? indent <= p.indent : p.itemIndent !== null && indent < p.itemIndent) return null;
  p.itemIndent ??= indent;
  return indent <= p.itemIndent ? 'item' : 'content';
}

/** Parents an item is tried under when its own is not seen: one of each direction, so a kvm->srcu item completes one. */
const PROBES = ['kvm->lock is taken outside', 'kvm->lock is taken inside'];

/**
 * Whether ITEM, an item's first sentence, is one that only a parent line
 * makes a rule: it is no rule read alone ("kvm->arch.new_lock",
 * "vcpu->mutex when ..."), and completes "A is taken outside:" or "A is
 * taken inside:". The hunk review reports such an item when its parent is
 * above the hunk's context, rather than reading it as nothing.
 */
export function needsParent(item: string): boolean {
  const alone = classify(item, { subject: [] });
  if (alone.recognized || !findLockRefs(item)[0] || findLockRefs(item)[0]?.index !== 0) return false;
  return PROBES.some((stem) => {
    const c = classify(`${stem} ${item}`, { subject: [] });
    return c.recognized && !c.unread?.length;
  });
}
