/** mdast -> GitHub-flavoured Markdown, through remark. */
import type { Root } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkStringify from 'remark-stringify';
import { unified } from 'unified';

export function stringifyMarkdown(tree: Root): string {
  return unified().use(remarkGfm).use(remarkStringify, { bullet: '-', fences: true }).stringify(tree);
}
