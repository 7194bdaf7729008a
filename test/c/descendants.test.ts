/** descendantsOf(): the one-pass lookup answers exactly what descendantsOfType() answers, type by type, on real kernel functions. */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { descendantsOf } from '../../analyzers/c/descendants.js';
import { parseFile } from '../../analyzers/c/parse-file.js';
import type { SyntaxNode } from '../../analyzers/c/parser.js';
import { kernelTree } from '../helpers/paths.js';

const TYPES = ['call_expression', 'assignment_expression', 'update_expression', 'pointer_expression', 'declaration', 'labeled_statement', 'expression_statement'];
const where = (nodes: readonly (SyntaxNode | null)[]): string[] => nodes.map((n) => `${n?.type}@${n?.startIndex}-${n?.endIndex}`);

describe('descendantsOf', () => {
  const cases: ['6.1' | '6.12', string][] = [
    ['6.12', 'virt/kvm/kvm_main.c'],
    ['6.1', 'arch/x86/kvm/mmu/mmu.c'],
  ];
  it.each(cases)('equals descendantsOfType for every function body of %s %s, asked in any order', async (version, file) => {
    const parsed = await parseFile(file, readFileSync(join(kernelTree(version), file), 'utf8'));
    try {
      expect(parsed.functions.length).toBeGreaterThan(100);
      let labels = 0;
      for (const [i, fn] of parsed.functions.entries()) {
        // Alternate the first type asked: the answer must not depend on which one filled the lookup.
        const order = i % 2 ? [...TYPES].reverse() : TYPES;
        for (const type of order) {
          const mine = descendantsOf(fn.body, type);
          expect(where(mine)).toEqual(where(fn.body.descendantsOfType(type)));
          // Asked again: the same answer, not a list grown by the second call.
          expect(descendantsOf(fn.body, type)).toHaveLength(mine.length);
          if (type === 'labeled_statement') labels += mine.length;
        }
      }
      // The files have gotos to labels: the label lookup is exercised, not only empty lists.
      expect(labels).toBeGreaterThan(10);
    } finally {
      parsed.dispose();
    }
  });
});
