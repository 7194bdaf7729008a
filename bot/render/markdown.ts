/**
 * mdast -> GitHub-flavoured Markdown, through remark. Every renderer's
 * Markdown goes through here, so this is where input text is made safe
 * (safe-text.ts): remark escapes the Markdown and HTML syntax of text nodes
 * and picks a fence longer than any run of backticks in code; here, text
 * nodes lose their mentions and every value its control characters.
 */
import type { Nodes, Root } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkStringify from 'remark-stringify';
import { unified } from 'unified';
import { escapeControls, inertMentions } from './safe-text.js';

function defuse(node: Nodes): void {
  if (node.type === 'text') node.value = inertMentions(escapeControls(node.value));
  else if (node.type === 'inlineCode' || node.type === 'code') node.value = escapeControls(node.value);
  if ('children' in node) for (const child of node.children) defuse(child);
}

export function stringifyMarkdown(tree: Root): string {
  const safe = structuredClone(tree);
  defuse(safe);
  return unified().use(remarkGfm).use(remarkStringify, { bullet: '-', fences: true }).stringify(safe);
}
