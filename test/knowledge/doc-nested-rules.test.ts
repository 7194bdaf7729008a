/**
 * A rule whose locks are listed under it ("kvm->lock is taken outside:"
 * and a nested list) is one rule per item, at the item's line, and a
 * "Neither A nor B may be taken while holding C" bullet is read in a
 * document as it is alone. Fixtures written for these tests, and every
 * corpus revision and the 6.12 tree's document with their own kvm->lock
 * bullets rewritten as a nested list at test time.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import { corpusRevisions, kernelTree, LOCKING_DOC_DIR } from '../helpers/paths.js';
import { orderEdges, srcuRules } from '../helpers/order.js';
import { docWith as doc, lineIn as lineOf, readDoc as read } from '../helpers/doc-fixture.js';

/** "outer -> inner: line", ordering rules only. */
const edgeLines = (order: DocumentedOrder): string[] => order.edges.filter((e) => !e.srcu).map((e) => `${e.outer} -> ${e.inner}${e.arch ? ` @${e.arch}` : ''}: ${e.line}`);

describe('a rule with its locks in a nested list', () => {
  it('"A is taken outside:" over a nested list is A -> each item, quoted at the item\'s line; the parent line is not reported', () => {
    const text = doc(['- kvm->lock is taken outside:', '', '  - vcpu->mutex', '  - kvm->slots_lock and kvm->irq_lock', '', '- vcpu->mutex is taken outside kvm->slots_lock'].join('\n'));
    const order = read(text);
    const item1 = lineOf(text, '- vcpu->mutex');
    const item2 = lineOf(text, '- kvm->slots_lock and kvm->irq_lock');
    expect(edgeLines(order)).toEqual([
      `kvm->lock -> vcpu->mutex: ${item1}`,
      `kvm->lock -> kvm->slots_lock: ${item2}`,
      `kvm->lock -> kvm->irq_lock: ${item2}`,
      `vcpu->mutex -> kvm->slots_lock: ${lineOf(text, '- vcpu->mutex is taken outside kvm->slots_lock')}`,
    ]);
    // The quote says the whole rule: the parent's words and the item's.
    expect(order.edges[0]?.text).toBe('kvm->lock is taken outside: vcpu->mutex');
    expect(order.unrecognized).toEqual([]);
  });

  it('"A is taken inside:" is the other way round: each item -> A', () => {
    const text = doc(['- kvm->irq_lock is taken inside:', '', '  - kvm->lock', '  - kvm->slots_lock', ''].join('\n'));
    const order = read(text);
    expect(edgeLines(order)).toEqual([`kvm->lock -> kvm->irq_lock: ${lineOf(text, '- kvm->lock')}`, `kvm->slots_lock -> kvm->irq_lock: ${lineOf(text, '- kvm->slots_lock')}`]);
    expect(order.unrecognized).toEqual([]);
  });

  it('a paragraph "A is taken outside of:" followed by a list reads the list the same way', () => {
    const text = doc(['kvm->lock is taken outside of:', '', '- vcpu->mutex', '- kvm->slots_lock', ''].join('\n'));
    const order = read(text);
    expect(edgeLines(order)).toEqual([`kvm->lock -> vcpu->mutex: ${lineOf(text, '- vcpu->mutex')}`, `kvm->lock -> kvm->slots_lock: ${lineOf(text, '- kvm->slots_lock')}`]);
    expect(order.unrecognized).toEqual([]);
  });

  it('an item with a qualifier keeps it as the condition; an item not read is reported at its line with the parent\'s words, the others are read', () => {
    const text = doc(['- kvm->lock is taken outside:', '', '  - vcpu->mutex when the VM has planes', '  - every lock of the vCPU', '  - kvm->slots_lock', ''].join('\n'));
    const order = read(text);
    expect(edgeLines(order)).toEqual([`kvm->lock -> vcpu->mutex: ${lineOf(text, '- vcpu->mutex when the VM has planes')}`, `kvm->lock -> kvm->slots_lock: ${lineOf(text, '- kvm->slots_lock')}`]);
    expect(order.edges[0]?.condition).toBe('when the VM has planes');
    expect(order.unrecognized).toEqual([
      { line: lineOf(text, '- every lock of the vCPU'), text: 'kvm->lock is taken outside: every lock of the vCPU', reason: expect.stringContaining('not understood') },
    ]);
  });

  it('items under "On x86:" are x86\'s, and the list ends where the next top-level item starts', () => {
    const text = doc(['- kvm->lock is taken outside vcpu->mutex', '', 'On x86:', '', '- vcpu->mutex is taken outside:', '', '  - kvm->arch.hyperv.hv_lock', '  - kvm->arch.xen.xen_lock', '', '- kvm->arch.mmu_lock is an rwlock', ''].join('\n'));
    const order = read(text);
    expect(orderEdges(order)).toEqual(['kvm->lock -> vcpu->mutex', 'vcpu->mutex -> kvm->arch.hyperv.hv_lock @x86', 'vcpu->mutex -> kvm->arch.xen.xen_lock @x86']);
    expect(order.types.map((t) => [t.lock, t.line])).toEqual([['kvm->mmu_lock', lineOf(text, '- kvm->arch.mmu_lock is an rwlock')]]);
    expect(order.unrecognized).toEqual([]);
  });

  it('a parent line with no list under it is reported, as a bullet or as a paragraph', () => {
    const text = doc(['- kvm->lock is taken outside:', '', '- vcpu->mutex is taken outside kvm->slots_lock', ''].join('\n'));
    const order = read(text);
    expect(orderEdges(order)).toEqual(['vcpu->mutex -> kvm->slots_lock']);
    expect(order.unrecognized).toEqual([{ line: lineOf(text, '- kvm->lock is taken outside:'), text: 'kvm->lock is taken outside:', reason: 'wording not understood' }]);
    // A paragraph too: it is a rule left unfinished, not a label ("For SRCU:") whose own line says nothing.
    const para = doc(['kvm->lock is taken outside:', '', 'vcpu->mutex is taken outside kvm->slots_lock.', ''].join('\n'));
    expect(read(para).unrecognized).toEqual([{ line: lineOf(para, 'kvm->lock is taken outside:'), text: 'kvm->lock is taken outside:', reason: 'wording not understood' }]);
  });

  it('a list under a line that is no rule ("The locks are:") is read as before, item by item', () => {
    const text = doc(['- The locks kvm->lock protects are:', '', '  - kvm->lock is taken outside vcpu->mutex', ''].join('\n'));
    expect(orderEdges(read(text))).toEqual(['kvm->lock -> vcpu->mutex']);
  });
});

describe('a parent paragraph standing in the middle of the main list', () => {
  const before = ['- kvm->lock is taken outside vcpu->mutex', ''];
  const after = ['', '- vcpu->mutex is taken outside kvm->slots_arch_lock', '', '- kvm->slots_lock is taken outside kvm->irq_lock', ''];

  it('takes the list indented under it as its locks; the bullets after it at the main list\'s indentation keep their own rules', () => {
    const text = doc([...before, 'kvm->slots_lock is taken outside:', '', '  - kvm->irq_lock', '  - kvm->arch.foo_lock', ...after].join('\n'));
    const order = read(text);
    expect(edgeLines(order)).toEqual([
      `kvm->lock -> vcpu->mutex: ${lineOf(text, '- kvm->lock is taken outside vcpu->mutex')}`,
      `kvm->slots_lock -> kvm->irq_lock: ${lineOf(text, '- kvm->irq_lock')}`,
      `kvm->slots_lock -> kvm->arch.foo_lock: ${lineOf(text, '- kvm->arch.foo_lock')}`,
      `vcpu->mutex -> kvm->slots_arch_lock: ${lineOf(text, '- vcpu->mutex is taken outside kvm->slots_arch_lock')}`,
      `kvm->slots_lock -> kvm->irq_lock: ${lineOf(text, '- kvm->slots_lock is taken outside kvm->irq_lock')}`,
    ]);
    expect(order.unrecognized).toEqual([]);
  });

  it('does not take the main list\'s bullets after it as its items: they are read as their own rules, and it and the bare locks are reported', () => {
    const text = doc([...before, 'kvm->slots_lock is taken outside:', '', '- kvm->irq_lock', '- kvm->arch.foo_lock', ...after].join('\n'));
    const order = read(text);
    const parent = lineOf(text, 'kvm->slots_lock is taken outside:');
    // Not "kvm->slots_lock is taken outside: vcpu->mutex is taken outside kvm->slots_arch_lock", nor kvm->slots_lock -> each bullet.
    expect(edgeLines(order)).toEqual([
      `kvm->lock -> vcpu->mutex: ${lineOf(text, '- kvm->lock is taken outside vcpu->mutex')}`,
      `vcpu->mutex -> kvm->slots_arch_lock: ${lineOf(text, '- vcpu->mutex is taken outside kvm->slots_arch_lock')}`,
      `kvm->slots_lock -> kvm->irq_lock: ${lineOf(text, '- kvm->slots_lock is taken outside kvm->irq_lock')}`,
    ]);
    expect(order.unrecognized.map((u) => [u.line, u.text])).toEqual([
      [parent, 'kvm->slots_lock is taken outside:'],
      [lineOf(text, '- kvm->irq_lock'), 'kvm->irq_lock'],
      [lineOf(text, '- kvm->arch.foo_lock'), 'kvm->arch.foo_lock'],
    ]);
    expect(order.unrecognized[0]?.reason).toMatch(/^no list is indented under it: the bullets after it are items of the main list/);
    expect(order.unrecognized[1]?.reason).toBe(`states no rule of its own, and is not one of the locks of "kvm->slots_lock is taken outside:" (line ${parent}): it is in the main list, not indented under that line`);
  });

  it('after a plain paragraph has ended the main list, the list right after it is its own, at any indentation', () => {
    const text = doc([...before, 'Everything else is a leaf.', '', 'kvm->slots_lock is taken outside:', '', '- kvm->irq_lock', '- kvm->arch.foo_lock', ''].join('\n'));
    const order = read(text);
    expect(edgeLines(order)).toEqual([
      `kvm->lock -> vcpu->mutex: ${lineOf(text, '- kvm->lock is taken outside vcpu->mutex')}`,
      `kvm->slots_lock -> kvm->irq_lock: ${lineOf(text, '- kvm->irq_lock')}`,
      `kvm->slots_lock -> kvm->arch.foo_lock: ${lineOf(text, '- kvm->arch.foo_lock')}`,
    ]);
    expect(order.unrecognized).toEqual([]);
  });
});

describe('real documents with a parent paragraph written in the middle of their main list', () => {
  const OUTSIDE_SLOTS = /^- kvm->lock is taken outside kvm->slots_lock and kvm->irq_lock$/m;
  const SLOTS_TEXT = 'kvm->lock is taken outside kvm->slots_lock and kvm->irq_lock';
  const documents = [...corpusRevisions().map((f) => join(LOCKING_DOC_DIR, f)), join(kernelTree('6.12'), 'Documentation/virt/kvm/locking.rst')];
  /** "outer -> inner: text" of every ordering rule, sorted. */
  const rules = (order: DocumentedOrder): string[] => order.edges.map((e) => `${e.outer} -> ${e.inner}${e.arch ? ` @${e.arch}` : ''}: ${e.text}`).sort();

  for (const path of documents) {
    const original = readFileSync(path, 'utf8').replace(/\r\n/g, '\n');
    if (!OUTSIDE_SLOTS.test(original)) continue;
    it(`${path.split('/').slice(-1)[0]}: its list indented is read; at the main list's indentation, every rule after it is still read`, () => {
      const before = read(original, path);
      const indented = read(original.replace(OUTSIDE_SLOTS, 'kvm->lock is taken outside:\n\n  - kvm->slots_lock\n  - kvm->irq_lock'), path);
      expect(orderEdges(indented)).toEqual(orderEdges(before));
      expect(indented.unrecognized.map((u) => u.text)).toEqual(before.unrecognized.map((u) => u.text));

      const flat = read(original.replace(OUTSIDE_SLOTS, 'kvm->lock is taken outside:\n\n- kvm->slots_lock\n- kvm->irq_lock'), path);
      // The rules of the bullets after it are all there; only the two its list would have made are not.
      expect(rules(flat)).toEqual(rules(before).filter((r) => !r.endsWith(`: ${SLOTS_TEXT}`)));
      expect(flat.unrecognized.map((u) => u.text).sort()).toEqual([...before.unrecognized.map((u) => u.text), 'kvm->lock is taken outside:', 'kvm->slots_lock', 'kvm->irq_lock'].sort());
    });
  }
});

describe('"Neither A nor B" in a document', () => {
  it('is read as a rule per lock at its line; another wording of it is reported', () => {
    const text = doc(
      [
        '- Neither kvm->lock nor vcpu->mutex may be taken while holding',
        '  kvm->irq_lock.',
        '',
        '- Neither kvm->lock nor kvm->slots_lock may be taken while holding the other.',
        '',
      ].join('\n'),
    );
    const order = read(text);
    const at = lineOf(text, '- Neither kvm->lock nor vcpu->mutex may be taken while holding');
    expect(edgeLines(order)).toEqual([`kvm->lock -> kvm->irq_lock: ${at}`, `vcpu->mutex -> kvm->irq_lock: ${at}`]);
    expect(order.unrecognized.map((u) => u.line)).toEqual([lineOf(text, '- Neither kvm->lock nor kvm->slots_lock may be taken while holding the other.')]);
  });
});

describe('real documents with their kvm->lock rules written as a nested list', () => {
  const OUTSIDE_VCPU = /^- kvm->lock is taken outside vcpu->mutex$/m;
  const OUTSIDE_SLOTS = /^- kvm->lock is taken outside kvm->slots_lock and kvm->irq_lock\n\n/m;
  const documents = [...corpusRevisions().map((f) => join(LOCKING_DOC_DIR, f)), join(kernelTree('6.12'), 'Documentation/virt/kvm/locking.rst')];

  it('the corpus and the tree have the two bullets to rewrite', () => {
    const having = documents.filter((p) => OUTSIDE_VCPU.test(readFileSync(p, 'utf8').replace(/\r\n/g, '\n')));
    // Every revision from the 2016 one on (the three before it have no order yet), and the tree.
    expect(having.length).toBe(documents.length - 3);
  });

  for (const path of documents) {
    const original = readFileSync(path, 'utf8').replace(/\r\n/g, '\n');
    if (!OUTSIDE_VCPU.test(original)) continue;
    it(`${path.split('/').slice(-1)[0]}: the same rules, each at its item's line`, () => {
      const nested = original
        .replace(OUTSIDE_SLOTS, '')
        .replace(OUTSIDE_VCPU, '- kvm->lock is taken outside:\n\n  - vcpu->mutex\n  - kvm->slots_lock and kvm->irq_lock');
      expect(nested).not.toBe(original);
      const before = read(original, path);
      const after = read(nested, path);
      expect(orderEdges(after)).toEqual(orderEdges(before));
      expect(srcuRules(after)).toEqual(srcuRules(before));
      expect(after.unrecognized.map((u) => u.text)).toEqual(before.unrecognized.map((u) => u.text));
      const at = (item: string): number => lineOf(nested, item);
      const kvmLock = after.edges.filter((e) => e.outer === 'kvm->lock' && !e.srcu && ['vcpu->mutex', 'kvm->slots_lock', 'kvm->irq_lock'].includes(e.inner));
      expect(kvmLock.map((e) => `${e.inner}: ${e.line}`).sort()).toEqual(
        [`kvm->irq_lock: ${at('- kvm->slots_lock and kvm->irq_lock')}`, `kvm->slots_lock: ${at('- kvm->slots_lock and kvm->irq_lock')}`, `vcpu->mutex: ${at('- vcpu->mutex')}`].sort(),
      );
    });
  }
});
