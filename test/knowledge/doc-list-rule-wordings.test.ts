/**
 * Rules whose locks are listed under them, in the wordings beyond "A is
 * taken outside:": "... outside the following locks:", "... outside of the
 * following:", and items naming several locks under "... taken inside:"
 * ("kvm->lock and vcpu->mutex"), which state a nesting for each. Fixtures
 * written for these tests, and every corpus revision and the 6.12 tree's
 * document with their own kvm->lock bullet rewritten that way at test
 * time.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import { classify } from '../../knowledge/doc/statements.js';
import { corpusRevisions, kernelTree, LOCKING_DOC_DIR } from '../helpers/paths.js';
import { orderEdges, srcuRules } from '../helpers/order.js';
import { docWith as doc, lineIn as lineOf, readDoc as read } from '../helpers/doc-fixture.js';

const edgeLines = (order: DocumentedOrder): string[] => order.edges.filter((e) => !e.srcu).map((e) => `${e.outer} -> ${e.inner}: ${e.line}`);

describe('a parent line that names its list ("the following locks")', () => {
  for (const parent of ['kvm->lock is taken outside the following locks:', 'kvm->lock is taken outside of the following:', 'kvm->lock is taken outside all of the following mutexes:']) {
    it(`"${parent}" is read as "kvm->lock is taken outside:", quoted as written`, () => {
      const text = doc([`- ${parent}`, '', '  - vcpu->mutex', '  - kvm->slots_lock', ''].join('\n'));
      const order = read(text);
      expect(edgeLines(order)).toEqual([`kvm->lock -> vcpu->mutex: ${lineOf(text, '- vcpu->mutex')}`, `kvm->lock -> kvm->slots_lock: ${lineOf(text, '- kvm->slots_lock')}`]);
      expect(order.edges[0]?.text).toBe(`${parent.slice(0, -1)}: vcpu->mutex`);
      expect(order.unrecognized).toEqual([]);
    });
  }

  it('"... inside the following locks:" as a paragraph before its list: each item -> the lock', () => {
    const text = doc(['kvm->irq_lock is taken inside the following locks:', '', '- kvm->lock', '- kvm->slots_lock', ''].join('\n'));
    expect(edgeLines(read(text))).toEqual([`kvm->lock -> kvm->irq_lock: ${lineOf(text, '- kvm->lock')}`, `kvm->slots_lock -> kvm->irq_lock: ${lineOf(text, '- kvm->slots_lock')}`]);
    // With no list after it, it is still reported, with its words.
    const bare = doc(['- kvm->lock is taken outside the following locks:', '', '- vcpu->mutex is taken outside kvm->slots_lock', ''].join('\n'));
    expect(read(bare).unrecognized.map((u) => [u.line, u.text])).toEqual([[lineOf(bare, '- kvm->lock is taken outside the following locks:'), 'kvm->lock is taken outside the following locks:']]);
  });
});

describe('an item naming several locks under "taken inside:"', () => {
  it('"A is taken inside: B and C" is B -> A and C -> A at the item\'s line', () => {
    const text = doc(['- kvm->irq_lock is taken inside:', '', '  - kvm->lock and kvm->slots_lock', '  - vcpu->mutex, kvm->lock or kvm->slots_arch_lock', ''].join('\n'));
    const order = read(text);
    const item1 = lineOf(text, '- kvm->lock and kvm->slots_lock');
    const item2 = lineOf(text, '- vcpu->mutex, kvm->lock or kvm->slots_arch_lock');
    expect(edgeLines(order)).toEqual([
      `kvm->lock -> kvm->irq_lock: ${item1}`,
      `kvm->slots_lock -> kvm->irq_lock: ${item1}`,
      `vcpu->mutex -> kvm->irq_lock: ${item2}`,
      `kvm->lock -> kvm->irq_lock: ${item2}`,
      `kvm->slots_arch_lock -> kvm->irq_lock: ${item2}`,
    ]);
    expect(order.unrecognized).toEqual([]);
  });

  it('the plain sentence reads the same; kvm->srcu among the locks, or a clause after them, stays reported', () => {
    expect(classify('kvm->irq_lock is taken inside kvm->lock and kvm->slots_lock', { subject: [] }).facts).toEqual([
      { kind: 'order', outer: 'kvm->lock', inner: 'kvm->irq_lock' },
      { kind: 'order', outer: 'kvm->slots_lock', inner: 'kvm->irq_lock' },
    ]);
    const text = doc(['- kvm->irq_lock is taken inside:', '', '  - kvm->srcu and kvm->lock', '  - kvm->lock and vcpu->mutex, which nest', ''].join('\n'));
    const order = read(text);
    expect(edgeLines(order)).toEqual([]);
    expect(order.unrecognized.map((u) => u.line)).toEqual([lineOf(text, '- kvm->srcu and kvm->lock'), lineOf(text, '- kvm->lock and vcpu->mutex, which nest')]);
  });
});

describe('real documents with their kvm->lock bullet rewritten in these wordings', () => {
  const OUTSIDE_SLOTS = /^- kvm->lock is taken outside kvm->slots_lock and kvm->irq_lock$/m;
  const documents = [...corpusRevisions().map((f) => join(LOCKING_DOC_DIR, f)), join(kernelTree('6.12'), 'Documentation/virt/kvm/locking.rst')];

  it('the corpus and the tree have the bullet to rewrite', () => {
    // Every revision from the 2016 one on (the three before it have no order yet), and the tree.
    expect(documents.filter((p) => OUTSIDE_SLOTS.test(readFileSync(p, 'utf8').replace(/\r\n/g, '\n'))).length).toBe(documents.length - 3);
  });

  for (const path of documents) {
    const original = readFileSync(path, 'utf8').replace(/\r\n/g, '\n');
    if (!OUTSIDE_SLOTS.test(original)) continue;
    it(`${path.split('/').slice(-1)[0]}: the same rules, whichever way the list is written`, () => {
      const before = read(original, path);
      const rewrites = [
        '- kvm->lock is taken outside the following locks:\n\n  - kvm->slots_lock\n  - kvm->irq_lock',
        '- kvm->irq_lock is taken inside:\n\n  - kvm->lock and kvm->slots_lock\n\n- kvm->lock is taken outside of the following:\n\n  - kvm->slots_lock',
      ];
      for (const rewrite of rewrites) {
        const after = read(original.replace(OUTSIDE_SLOTS, rewrite), path);
        expect(orderEdges(after)).toEqual(orderEdges(before));
        expect(srcuRules(after)).toEqual(srcuRules(before));
        expect(after.unrecognized.map((u) => u.text)).toEqual(before.unrecognized.map((u) => u.text));
      }
    });
  }
});
