/** `digest --format text`: the blocks, indented two spaces a level, headings underlined. */
import type { Digest } from '../../../analyzers/history/model.js';
import { digestBlocks } from './blocks.js';

export function renderDigestText(d: Digest): string {
  const out: string[] = [];
  for (const b of digestBlocks(d)) {
    if (b.level === 0) {
      if (out.length) out.push('');
      out.push(b.text, '-'.repeat(Math.min(b.text.length, 72)));
    } else out.push(`${'  '.repeat(b.level - 1)}${b.text}`);
  }
  return `${out.join('\n')}\n`;
}

/** The registry's entry point. */
export const renderDigest = (d: Digest): string => renderDigestText(d);
