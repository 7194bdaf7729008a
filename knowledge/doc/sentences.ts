/**
 * Sentences of a block, each with the 1-based line it starts on, and the
 * inline markup locking.rst uses (``code``, _emphasis_, *emphasis*) removed.
 */
import type { Block } from './rst-blocks.js';

export interface Sentence {
  /** 1-based line where the sentence starts. */
  line: number;
  /** Markup removed, white space folded, final period dropped. */
  text: string;
}

/** Remove inline reST markup and fold white space. */
export function plain(text: string): string {
  return text
    .replace(/``([^`]+)``/g, '$1')
    .replace(/(^|[\s(])_([^_\s][^_]*?)_(?=[\s.,;:)]|$)/g, '$1$2')
    .replace(/(^|[\s(])\*([^*\s][^*]*?)\*(?=[\s.,;:)]|$)/g, '$1$2')
    .replace(/\s+/g, ' ')
    .trim();
}

const ABBREVIATION = /\b(?:e\.g|i\.e|etc|vs|cf)\.$/i;

/**
 * Split a block into sentences at '.' or ';' followed by white space. Lock
 * names contain dots (kvm->arch.mmu_lock) but never a dot followed by a space.
 */
export function splitSentences(block: Block): Sentence[] {
  const out: Sentence[] = [];
  let current = '';
  let startLine = block.line;
  block.lines.forEach((raw, idx) => {
    const lineNo = block.line + idx;
    const words = raw.split(/(\s+)/);
    for (const word of words) {
      if (current.trim() === '' && word.trim() !== '') startLine = lineNo;
      current += word;
      if (/[.;]$/.test(word) && !ABBREVIATION.test(word) && !/::$/.test(word)) {
        push();
      }
    }
    current += ' ';
  });
  push();
  return out;

  function push(): void {
    const text = plain(current).replace(/[.;]$/, '').trim();
    if (text) out.push({ line: startLine, text });
    current = '';
  }
}
