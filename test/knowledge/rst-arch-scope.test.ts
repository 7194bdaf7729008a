/**
 * "On x86:" labels: one naming several architectures scopes its rules to
 * each of them, and a bullet's text going on in a second paragraph does not
 * end the label's reach; the label as a bullet of its own with the rules
 * nested under it, the rules as a numbered list, and a rule written as the
 * paragraph right after the label are x86's too (all three were read as
 * rules for every architecture). The newest corpus revision, edited at test
 * time.
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

  // Written other ways, the label was read as prose: its rules became every architecture's.
  for (const label of ['On x86 only:', '**On x86:**', '*On x86*:']) {
    it(`"${label}" is the x86 label, as "On x86:" is`, () => {
      const order = read(TEXT.replace('\nOn x86:\n', `\n${label}\n`));
      expect(orderEdges(order)).toEqual(orderEdges(ORIGINAL));
      expect(order.unrecognized).toEqual([]);
    });
  }

  for (const label of ['On x86 (VMX only):', 'On x86, the following also hold:', 'These apply to x86:']) {
    it(`"${label}" scopes its rules to x86, and is reported at its line with what was not read of it`, () => {
      const order = read(TEXT.replace('\nOn x86:\n', `\n${label}\n`));
      expect(orderEdges(order)).toEqual(orderEdges(ORIGINAL));
      const line = TEXT.split('\n').indexOf('On x86:') + 1;
      expect(order.unrecognized.map((u) => [u.line, u.text])).toEqual([[line, label]]);
      expect(order.unrecognized[0]?.reason).toMatch(/x86/);
    });
  }

  it('"On x86" without its colon is the x86 label too', () => {
    const order = read(TEXT.replace('\nOn x86:\n', '\nOn x86\n'));
    expect(orderEdges(order)).toEqual(orderEdges(ORIGINAL));
    expect(order.unrecognized).toEqual([]);
  });

  it('a section titled "On x86" scopes its rules to x86, the paragraphs after its list too', () => {
    const title = TEXT.replace('\nOn x86:\n', '\nOn x86\n~~~~~~\n').replace('\nEverything else is a leaf', '\nkvm->arch.xen.xen_lock is taken outside kvm->arch.pio_lock.\n\nEverything else is a leaf');
    const order = read(title);
    expect(orderEdges(order).filter((e) => e.includes('pio_lock'))).toEqual(['kvm->arch.xen.xen_lock -> kvm->arch.pio_lock @x86']);
    expect(orderEdges(order).filter((e) => !e.includes('pio_lock'))).toEqual(orderEdges(ORIGINAL));
    // The next section is every architecture's again.
    expect(order.edges.filter((e) => e.origin === 'comment').every((e) => e.arch === null)).toBe(true);
  });

  it('"Everywhere but x86:" says where the rules do not hold: they stay every architecture\'s, and the label is reported', () => {
    const order = read(TEXT.replace('\nOn x86:\n', '\nEverywhere but x86:\n'));
    expect(orderEdges(order)).toEqual(orderEdges(ORIGINAL).map((e) => e.replace(/ @x86$/, '')).sort());
    const line = TEXT.split('\n').indexOf('On x86:') + 1;
    expect(order.unrecognized.map((u) => [u.line, u.text])).toEqual([[line, 'Everywhere but x86:']]);
    expect(order.unrecognized[0]?.reason).toMatch(/every architecture/);
  });

  it('a one-line intro naming x86 with no rule under it (the fast page fault cases) is not reported', () => {
    const lines = TEXT.split('\n');
    const at = lines.findIndex((l) => /^Fast page fault is the fast path/.test(l));
    if (at < 0) throw new Error('no fast page fault paragraph');
    lines.splice(at, 0, 'On x86, the cases are:', '');
    expect(read(lines.join('\n')).unrecognized).toEqual([]);
  });

  it('a one-line paragraph ending in ":" that names a lock is no label (a rule-like intro stays a sentence)', () => {
    const order = read(TEXT.replace('\nOn x86:\n', '\nkvm->lock vs x86:\n'));
    expect(orderEdges(order)).toEqual(orderEdges(ORIGINAL).map((e) => e.replace(/ @x86$/, '')).sort());
  });

  it('a second paragraph of an x86 bullet keeps the bullets after it x86-only', () => {
    const lines = TEXT.split('\n');
    const label = lines.indexOf('On x86:');
    const first = lines.findIndex((l, i) => i > label && l.startsWith('- '));
    lines.splice(first + 2, 0, '  The Xen lock is a leaf.', '');
    const order = read(lines.join('\n'));
    expect(orderEdges(order)).toEqual(orderEdges(ORIGINAL));
    expect(order.unrecognized).toEqual([]);
  });

  /** The revision's "On x86:" list: the label's line and its bullets' lines, up to the paragraph after it. */
  const x86List = (): { lines: string[]; label: number; items: number[]; end: number } => {
    const lines = TEXT.split('\n');
    const label = lines.indexOf('On x86:');
    const end = lines.findIndex((l, i) => i > label && l !== '' && !l.startsWith('- ') && !l.startsWith('  '));
    const items = lines.map((l, i) => (i > label && i < end && l.startsWith('- ') ? i : -1)).filter((i) => i >= 0);
    return { lines, label, items, end };
  };

  it('"- On x86:" as a bullet scopes the items nested under it, and only those', () => {
    const { lines, label, items, end } = x86List();
    expect(items.length).toBeGreaterThan(1);
    // The label becomes an item; every rule but the last is nested under it; the last stays a sibling.
    const edited = lines.map((l, i) => (i === label ? '- On x86:' : i > label && i < (items.at(-1) as number) ? (l === '' ? l : `  ${l}`) : l));
    const order = read(edited.join('\n'));
    const last = read(lines.map((l, i) => (i === label ? 'Intro:' : l)).join('\n'));
    expect(end).toBeGreaterThan(label);
    // The nested rules keep x86; the sibling's are read as the document's unlabelled rules are.
    const lastLine = (items.at(-1) as number) + 1;
    const byLine = (o: DocumentedOrder, line: number): string[] => orderEdges({ ...o, edges: o.edges.filter((e) => e.line === line) });
    for (const item of items.slice(0, -1)) expect(byLine(order, item + 1)).toEqual(byLine(ORIGINAL, item + 1));
    expect(byLine(order, lastLine)).toEqual(byLine(last, lastLine));
    expect(order.unrecognized).toEqual([]);
  });

  it('a numbered list under "On x86:" is x86\'s, as the bullets were', () => {
    const { lines, items } = x86List();
    let n = 0;
    const edited = lines.map((l, i) => (items.includes(i) ? `${++n}. ${l.slice(2)}` : items.some((k) => i > k) && l.startsWith('  ') ? ` ${l}` : l));
    const order = read(edited.join('\n'));
    expect(orderEdges(order)).toEqual(orderEdges(ORIGINAL));
    expect(order.unrecognized).toEqual([]);
  });

  it('a rule written as the paragraph right after "On x86:" is x86\'s, and so are the bullets after it', () => {
    const { lines, items } = x86List();
    const first = items[0] as number;
    const edited = [...lines];
    edited[first] = `${(lines[first] ?? '').slice(2)}.`;
    const order = read(edited.join('\n'));
    expect(orderEdges(order)).toEqual(orderEdges(ORIGINAL));
    expect(order.unrecognized).toEqual([]);
  });
});
