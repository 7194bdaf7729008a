/** cutMarkdown: a cut never leaves a code block open, and ends with the note within the limit. */
import { describe, expect, it } from '@jest/globals';
import { cutMarkdown } from '../../bot/render/markdown-cut.js';

const NOTE = '\n\n… (cut)';
const block = (lines: number): string => ['```text', ...Array.from({ length: lines }, (_, i) => `line ${i}`), '```', ''].join('\n');

describe('cutMarkdown', () => {
  it('text that fits is left as it is', () => {
    expect(cutMarkdown('a\n\n```\nb\n```\n', 100, NOTE)).toBe('a\n\n```\nb\n```\n');
  });

  it('a limit inside a block cuts before the block', () => {
    const text = `para\n\n${block(5)}\nafter\n\n${block(50)}`;
    const out = cutMarkdown(text, text.indexOf('after') + 40, NOTE);
    expect(out).toBe(`para\n\n${block(5)}\nafter\n\n${NOTE}`);
  });

  it('a block that opens the text is closed after the last line that fits', () => {
    const out = cutMarkdown(block(100), 60, NOTE);
    expect(out.length).toBeLessThanOrEqual(60);
    expect(out.endsWith(`\n\`\`\`\n${NOTE}`)).toBe(true);
    expect(out.startsWith('```text\nline 0\n')).toBe(true);
  });

  it('a table is cut at the end of a row', () => {
    const rows = ['| a | b |', '| - | - |', ...Array.from({ length: 40 }, (_, i) => `| ${i} | x |`)].join('\n');
    const out = cutMarkdown(rows, 100, NOTE);
    expect(out.length).toBeLessThanOrEqual(100);
    expect(out.slice(0, -NOTE.length).split('\n').filter(Boolean).every((l) => /^\| .* \|$/.test(l))).toBe(true);
  });
});
