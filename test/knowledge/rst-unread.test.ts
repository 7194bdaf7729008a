/**
 * Text of locking.rst the reader does not read as rules must still be
 * reported, never dropped: a rule-like sentence in an RST comment (not
 * rendered, so not a rule), and rules under an architecture label the reader
 * does not know ("On x68:", "On ia64:"), which would otherwise be scoped to
 * an architecture nothing builds. The 6.12 tree's document, edited at test
 * time; lines are found by content.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import { readLockingDoc } from '../../knowledge/doc/reader.js';
import { documentFindings } from '../../analyzers/review/doc-review.js';
import { kernelTree } from '../helpers/paths.js';
import { orderEdges } from '../helpers/order.js';

const PATH = join(kernelTree('6.12'), 'Documentation/virt/kvm/locking.rst');
const TEXT = readFileSync(PATH, 'utf8');
const read = (text: string): DocumentedOrder => readLockingDoc(Buffer.from(text), PATH);
const ORIGINAL = read(TEXT);
const ANCHOR = '- kvm->lock is taken outside vcpu->mutex';
const RULE = 'kvm->irq_lock is taken outside kvm->mn_invalidate_lock';

/** TEXT with BLOCK inserted after the line that is exactly AFTER and the blank line after it; LINE is BLOCK's first line. */
function insertAfter(after: string, block: string): { text: string; line: number } {
  const lines = TEXT.split('\n');
  const at = lines.indexOf(after);
  if (at < 0 || lines[at + 1] !== '') throw new Error(`${PATH}: no line ${JSON.stringify(after)} followed by a blank line`);
  lines.splice(at + 2, 0, ...block.split('\n'));
  return { text: lines.join('\n'), line: at + 3 };
}

/** The unrecognized sentences READ has and the unedited document does not. */
const newUnread = (order: DocumentedOrder): DocumentedOrder['unrecognized'] =>
  order.unrecognized.filter((u) => !ORIGINAL.unrecognized.some((o) => o.text === u.text));

describe('RST comments', () => {
  it('the unedited document reads whole (its SPDX comment is not reported)', () => {
    expect(TEXT.startsWith('.. SPDX-License-Identifier')).toBe(true);
    expect(ORIGINAL.unrecognized).toEqual([]);
  });

  it('a rule written in a comment is not read, but is reported with its line as a comment', () => {
    const { text, line } = insertAfter(ANCHOR, `.. ${RULE.replace(' kvm->mn', '\n   kvm->mn')}.\n`);
    const order = read(text);
    expect(orderEdges(order)).toEqual(orderEdges(ORIGINAL));
    expect(newUnread(order)).toEqual([{ line, text: RULE, reason: expect.stringMatching(/comment.*not rendered.*not read/) }]);
    // check and review say it as they say any other sentence they did not read.
    const found = documentFindings(order).filter((f) => f.line === line);
    expect(found).toEqual([expect.objectContaining({ kind: 'doc-unrecognized', severity: 'warning', file: 'Documentation/virt/kvm/locking.rst' })]);
    expect(found[0]?.message).toContain('in an RST comment');
  });

  it('a comment body under a bare "..", an arrow written as a rule, and a second paragraph of the comment are each reported', () => {
    const { text, line } = insertAfter(ANCHOR, `..\n   kvm->lock -> kvm->irq_lock\n\n   ${RULE}.\n`);
    const order = read(text);
    expect(orderEdges(order)).toEqual(orderEdges(ORIGINAL));
    expect(newUnread(order).map((u) => [u.line, u.text])).toEqual([
      [line + 1, 'kvm->lock -> kvm->irq_lock'],
      [line + 3, RULE],
    ]);
    expect(newUnread(order).every((u) => /comment/.test(u.reason ?? ''))).toBe(true);
  });

  it('a comment with no rule in it (a note to editors) is not reported', () => {
    const { text } = insertAfter(ANCHOR, '.. TODO: reword the exceptions section\n   before the next release.\n');
    expect(read(text).unrecognized).toEqual([]);
  });

  it('an empty comment ends nothing but itself: the indented text after its blank line is a block quote, and is read', () => {
    const { text, line } = insertAfter(ANCHOR, `..\n\n   ${RULE}.\n`);
    const order = read(text);
    expect(orderEdges(order)).toEqual([...orderEdges(ORIGINAL), 'kvm->irq_lock -> kvm->mn_invalidate_lock'].sort());
    expect(order.edges.find((e) => e.inner === 'kvm->mn_invalidate_lock')?.line).toBe(line + 2);
    expect(order.unrecognized).toEqual([]);
  });
});

describe('architecture labels the reader does not know', () => {
  const X86 = orderEdges(ORIGINAL).filter((e) => e.endsWith(' @x86'));

  it('the unedited document has rules under "On x86:" (what the cases below edit)', () => {
    expect(TEXT).toContain('\nOn x86:\n');
    expect(X86.length).toBeGreaterThan(0);
  });

  /** The lines of the rules the unedited document scopes to x86. */
  const x86Lines = [...new Set(ORIGINAL.edges.filter((e) => e.arch === 'x86' && !e.srcu).map((e) => e.line))].sort((a, b) => a - b);
  const labelLine = TEXT.split('\n').indexOf('On x86:') + 1;

  for (const label of ['x68', 'ia64']) {
    it(`"On ${label}:" is reported at its line with the architectures the reader knows, and so is each rule under it`, () => {
      const order = read(TEXT.replace('\nOn x86:\n', `\nOn ${label}:\n`));
      // The rules are neither dropped nor made generic: they stay the label's, which nothing builds...
      expect(orderEdges(order)).toEqual([...orderEdges(ORIGINAL).filter((e) => !e.endsWith(' @x86')), ...X86.map((e) => e.replace(/ @x86$/, ` @${label}`))].sort());
      // ... and each is reported at its line, naming the label, its line and the known architectures.
      const unread = newUnread(order);
      expect(unread.map((u) => u.line)).toEqual(x86Lines);
      for (const u of unread) {
        expect(u.reason).toContain(`under "On ${label}:" at line ${labelLine}`);
        expect(u.reason).toMatch(/no architecture kvm-review knows.*x86.*arm64 \(aarch64\).*riscv/);
      }
      // check and review say what the rule was read as, and why that matters.
      const found = documentFindings(order).filter((f) => f.kind === 'doc-unrecognized');
      expect(found.map((f) => f.line)).toEqual(x86Lines);
      expect(found[0]?.message).toMatch(new RegExp(`^this rule is read as ${label}'s \\(under "On ${label}:" at line ${labelLine}, .*\\): ".*"\\. ${label} code is checked only in a tree with arch/${label}/kvm; if the label is a typo`));
      // The label itself is a note naming file and line, even were no rule under it.
      expect(order.notes).toEqual([expect.stringContaining(`${PATH}:${labelLine}: "On ${label}:" names no architecture kvm-review knows`)]);
    });
  }

  it('"On x86 and x68:" keeps the rules x86\'s and reports x68', () => {
    const order = read(TEXT.replace('\nOn x86:\n', '\nOn x86 and x68:\n'));
    expect(orderEdges(order).filter((e) => e.endsWith(' @x86'))).toEqual(X86);
    expect(newUnread(order).map((u) => u.line)).toEqual(x86Lines);
    expect(newUnread(order)[0]?.reason).toMatch(/"On x86 and x68:".*x68 is no architecture kvm-review knows/);
    expect(documentFindings(order).find((f) => f.kind === 'doc-unrecognized')?.message).toMatch(/^this rule is read as x86 and x68's /);
  });

  it('known spellings ("On aarch64:", "On x86_64:") are not reported', () => {
    for (const label of ['aarch64', 'x86_64']) {
      const order = read(TEXT.replace('\nOn x86:\n', `\nOn ${label}:\n`));
      expect({ label, unread: order.unrecognized, notes: order.notes }).toEqual({ label, unread: [], notes: [] });
    }
  });

  it('a rule with an unknown architecture inline ("On x68, A is taken outside B") is read as that label\'s and reported as such', () => {
    const { text, line } = insertAfter(ANCHOR, `On x68, ${RULE}.\n`);
    const order = read(text);
    expect(orderEdges(order)).toEqual([...orderEdges(ORIGINAL), 'kvm->irq_lock -> kvm->mn_invalidate_lock @x68'].sort());
    expect(newUnread(order)).toEqual([
      { line, text: `On x68, ${RULE}`, reason: expect.stringMatching(/"On x68," .*no architecture kvm-review knows/), scopedTo: { archs: ['x68'], unknown: ['x68'] } },
    ]);
  });
});
