/**
 * The lock table's entries start at their section headings. The corpus
 * writes every heading as ``name``; a heading written otherwise must still
 * start a new entry, and one that names no lock must not let its fields
 * change the lock before it. Each case is the newest corpus revision with
 * one heading rewritten at test time.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import { readLockingDoc } from '../../knowledge/doc/reader.js';
import { corpusRevision } from '../helpers/paths.js';
import { orderEdges, problemKinds } from '../helpers/order.js';

const PATH = corpusRevision('25');
const TEXT = readFileSync(PATH, 'utf8');
const read = (text: string): DocumentedOrder => readLockingDoc(Buffer.from(text), PATH);
const ORIGINAL = read(TEXT);
const HEADING = '``kvm_usage_lock``\n^^^^^^^^^^^^^^^^^^\n';

/** TEXT with the kvm_usage_lock heading written as TITLE (underlined to its length). */
function withHeading(title: string): string {
  expect(TEXT).toContain(HEADING);
  return TEXT.replace(HEADING, `${title}\n${'^'.repeat(title.length)}\n`);
}

describe('lock table headings', () => {
  for (const title of ['kvm_usage_lock', '`kvm_usage_lock`']) {
    it(`a heading written ${title} starts the kvm_usage_lock entry, as \`\`kvm_usage_lock\`\` does`, () => {
      const order = read(withHeading(title));
      // Everything but the source (the sha1 differs) reads as the unedited revision does.
      expect({ ...order, source: null }).toEqual({ ...ORIGINAL, source: null });
      // What the bug did: kvm_usage_lock's comment read as kvm_lock's, an invented cpus_read_lock() -> kvm_lock cycle.
      expect(problemKinds(order, 'cycle')).toEqual([]);
      expect(order.locks.find((l) => l.name === 'kvm_lock')?.protects).toEqual(['vm_list']);
    });
  }

  it('fields under a heading that names no lock are reported with their lines, not given to the lock before them', () => {
    const text = withHeading('Other locks');
    const order = read(text);
    const lines = text.split('\n');
    const heading = lines.indexOf('Other locks') + 1;
    const fieldLines = lines.flatMap((l, i) => (i + 1 > heading && i + 1 < heading + 10 && /^:(Type|Arch|Protects|Comment):/.test(l) ? [i + 1] : []));
    expect(fieldLines).toHaveLength(4);

    expect(order.locks.map((l) => l.name)).toEqual(ORIGINAL.locks.map((l) => l.name).filter((n) => n !== 'kvm_usage_lock'));
    expect(order.locks.find((l) => l.name === 'kvm_lock')).toEqual(ORIGINAL.locks.find((l) => l.name === 'kvm_lock'));
    expect(order.unrecognized.map((u) => u.line)).toEqual(fieldLines);
    for (const u of order.unrecognized) expect(u.reason).toContain('"Other locks"');
    expect(order.unrecognized.map((u) => u.text.split(':')[0])).toEqual(['Type', 'Arch', 'Protects', 'Comment']);
    expect(problemKinds(order, 'cycle')).toEqual([]);
    // The comment's rule is not read as kvm_lock's: no edge is quoted from it.
    expect(order.edges.filter((e) => e.line === fieldLines[3])).toEqual([]);
    expect(orderEdges(order)).toEqual(orderEdges(ORIGINAL));
  });
});
