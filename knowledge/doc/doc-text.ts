/**
 * The lines a documented order was read from. The facts (model.ts) are the
 * `doc` JSON contract and carry no text of their own; what is written *for*
 * the document (check's "document ..." suggestions, `doc --propose`) names
 * locks as the document spells them (spelling.ts), and that needs the lines.
 * Whoever reads the bytes keeps them here beside the facts: the reader, and
 * the parse cache when it answers for bytes it parsed before. An order with
 * no lines kept (the embedded default, one built by hand) has no spelling
 * but the canonical one.
 */
import type { DocumentedOrder } from './model.js';

const kept = new WeakMap<DocumentedOrder, readonly string[]>();

/** The document's lines, as the reader splits them (CRLF read as LF). */
export function splitDocLines(text: string): string[] {
  return text.replace(/\r\n?/g, '\n').split('\n');
}

/** Keep `lines` as the text `doc` was read from. */
export function keepDocLines(doc: DocumentedOrder, lines: readonly string[]): void {
  kept.set(doc, lines);
}

/** The lines `doc` was read from, null when none were kept. */
export function docLines(doc: DocumentedOrder): readonly string[] | null {
  return kept.get(doc) ?? null;
}
