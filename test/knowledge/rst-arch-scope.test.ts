/**
 * "On x86:" labels: one naming several architectures scopes its rules to
 * each of them, and a bullet's text going on in a second paragraph does not
 * end the label's reach. The newest corpus revision, edited at test time.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import { readLockingDoc } from '../../knowledge/doc/reader.js';
import { corpusRevision } from '../helpers/paths.js';
import { orderEdges } from '../helpers/order.js';

const PATH = corpusRevision('25');
const TEXT = readFileSync(PATH, 'utf8');
const read = (text: string): DocumentedOrder => readLockingDoc(Buffer.from(text), PATH);
const ORIGINAL = read(TEXT);
const X86 = orderEdges(ORIGINAL).filter((e) => e.endsWith(' @x86'));

describe('architecture labels', () => {
  it('the revision has rules under "On x86:" (what the cases below edit)', () => {
    expect(TEXT).toContain('\nOn x86:\n');
    expect(X86.length).toBeGreaterThan(1);
  });

  for (const label of ['On x86 and arm64:', 'On x86, arm64:']) {
    it(`"${label}" scopes each rule to both, once per architecture, and to nothing else`, () => {
      const order = read(TEXT.replace('\nOn x86:\n', `\n${label}\n`));
      const arm64 = X86.map((e) => e.replace(/ @x86$/, ' @arm64'));
      expect(orderEdges(order)).toEqual([...orderEdges(ORIGINAL), ...arm64].sort());
      expect(order.edges.length).toBe(ORIGINAL.edges.length + arm64.length);
      // A fact with no architecture (the rwlock type) is still stated once.
      expect(order.types).toEqual(ORIGINAL.types);
      expect(order.unrecognized).toEqual([]);
    });
  }

  it('a second paragraph of an x86 bullet keeps the bullets after it x86-only', () => {
    const lines = TEXT.split('\n');
    const label = lines.indexOf('On x86:');
    const first = lines.findIndex((l, i) => i > label && l.startsWith('- '));
    lines.splice(first + 2, 0, '  The Xen lock is a leaf.', '');
    const order = read(lines.join('\n'));
    expect(orderEdges(order)).toEqual(orderEdges(ORIGINAL));
    expect(order.unrecognized).toEqual([]);
  });
});
