/**
 * Example scenarios in locking.rst: "For example, if you take A inside B,
 * the following can happen on x86:" and the list of steps after it. Each
 * step names locks and says what waits for what, but it is a hypothesis
 * that explains a rule, not a rule: reading it as one would document the
 * very order it warns against, and reporting each step as "not understood"
 * buries the one sentence that matters under five. The reader reports the
 * example once, with the lines it spans.
 */
import type { Block } from './rst-blocks.js';
import { splitSentences } from './sentences.js';

/** A sentence that introduces a list of steps of an example, ending in ':'. */
export function isExampleIntro(text: string): boolean {
  if (!/:$/.test(text)) return false;
  return /^(?:For example|For instance|As an example|E\.g\.)\b/i.test(text) || /\bthe following (?:can|could|may|might|will|would) happen\b/i.test(text);
}

/** Whether a paragraph's last sentence introduces an example ("For example:" alone on its line included). */
export function opensExample(block: Block): boolean {
  const last = splitSentences(block).at(-1);
  return block.kind !== 'field' && last !== undefined && isExampleIntro(last.text);
}

/** Where an example sits: the intro's line, the last line of its steps, and how many sentences the steps hold. */
export interface ExampleSpan {
  endLine: number;
  steps: number;
}

/** Why the intro of an example is reported, for the reader's list of sentences not read as rules. */
export function exampleReason(line: number, span: ExampleSpan): string {
  return `an example scenario (lines ${line}-${span.endLine}, ${span.steps === 1 ? '1 step' : `${span.steps} steps`}), read as an explanation, not as rules`;
}
