/**
 * Rules whose locks are listed under them, in the wordings beyond "A is
 * taken outside:": "... outside the following locks:", "... outside of the
 * following:", and items naming several locks under "... taken inside:"
 * ("kvm->lock and vcpu->mutex"), which state a nesting for each, and
 * every "A ... while holding B" wording with its locks listed ("A must not
 * be taken while holding any of:"). Fixtures
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

describe('a rule "... while holding:" with its locks listed under it', () => {
  // Every wording statements.ts reads with one lock after "while holding", positive, prohibition and "Neither ... nor".
  const STEMS = [
    'kvm->irq_lock is taken while holding',
    'kvm->irq_lock is acquired while holding',
    'kvm->irq_lock and kvm->arch.foo_lock are taken while holding',
    'kvm->irq_lock must be taken while holding',
    'kvm->irq_lock may be taken while holding',
    'kvm->irq_lock can be taken while holding',
    'kvm->irq_lock can only be taken while holding',
    'kvm->irq_lock is only taken while holding',
    'kvm->irq_lock is taken only while holding',
    'kvm->irq_lock must not be taken while holding',
    'kvm->irq_lock must never be acquired while holding',
    'kvm->irq_lock should not be taken while holding',
    'kvm->irq_lock should never be taken while holding',
    'kvm->irq_lock cannot be taken while holding',
    'kvm->irq_lock can not be taken while holding',
    'kvm->irq_lock may not be taken while holding',
    'kvm->srcu must not be taken while holding',
    'Neither kvm->irq_lock nor kvm->arch.foo_lock may be taken while holding',
    'Neither kvm->irq_lock nor kvm->arch.foo_lock must ever be acquired while holding',
  ];
  const HELD = ['kvm->lock', 'vcpu->mutex', 'kvm->slots_lock'];
  /** What is read at each of LINES: its ordering and SRCU rules, without line or quote. */
  const perLine = (order: DocumentedOrder, lines: number[]): string[][] =>
    lines.map((line) => [
      ...order.edges.filter((e) => e.line === line).map((e) => `${e.outer} -> ${e.inner}${e.srcu ? ` (${e.srcu})` : ''}`),
      ...order.srcu.filter((r) => r.line === line).map((r) => `${r.lock}: ${r.allowedInReadSide ? 'allowed' : 'forbidden'} in readers`),
    ]);
  /** The rules each of HELD makes in a sentence of its own, "- STEM lock", one bullet each. */
  const alone = (stem: string): string[][] => {
    const bullets = HELD.map((l) => `- ${stem} ${l}`);
    const text = doc(bullets.join('\n\n'));
    const order = read(text);
    expect(order.unrecognized).toEqual([]);
    return perLine(order, bullets.map((b) => lineOf(text, b)));
  };

  for (const stem of STEMS) {
    it(`"${stem}:" over a list, as a bullet or a paragraph, is each item's sentence "${stem} <lock>", at the item's line`, () => {
      const expected = alone(stem);
      // Each sentence is read: the list is compared with rules, not with nothing.
      expect(expected.every((rules) => rules.length > 0)).toBe(true);
      const nested = doc([`- ${stem}:`, '', ...HELD.map((l) => `  - ${l}`), ''].join('\n'));
      const after = doc([`${stem}:`, '', ...HELD.map((l) => `- ${l}`), ''].join('\n'));
      for (const text of [nested, after]) {
        const order = read(text);
        expect(perLine(order, HELD.map((l) => lineOf(text, `- ${l}`)))).toEqual(expected);
        expect(order.unrecognized).toEqual([]);
      }
    });
  }

  for (const [parent, stem] of [
    ['kvm->irq_lock must not be taken while holding any of:', 'kvm->irq_lock must not be taken while holding'],
    ['kvm->srcu must not be taken while holding either of these locks:', 'kvm->srcu must not be taken while holding'],
    ['kvm->irq_lock is taken while holding one of:', 'kvm->irq_lock is taken while holding'],
    ['kvm->irq_lock may be taken while holding any one of the following locks:', 'kvm->irq_lock may be taken while holding'],
  ] as const) {
    it(`"${parent}" names its list: read as "${stem}:", quoted as written`, () => {
      const expected = alone(stem);
      for (const text of [doc([`- ${parent}`, '', ...HELD.map((l) => `  - ${l}`), ''].join('\n')), doc([parent, '', ...HELD.map((l) => `- ${l}`), ''].join('\n'))]) {
        const order = read(text);
        expect(perLine(order, HELD.map((l) => lineOf(text, `- ${l}`)))).toEqual(expected);
        expect(order.unrecognized).toEqual([]);
        expect([...order.edges, ...order.srcu][0]?.text).toBe(`${parent.slice(0, -1)}: ${HELD[0]}`);
      }
    });
  }

  describe('a prohibition over "all of the following" (or "both of:") may forbid only the locks held together: reported, not read for each lock', () => {
    const TOGETHER = (words: string): string =>
      `"${words}" after a prohibition may forbid only holding the locks listed together, not each one on its own, and kvm-review does not model a rule about locks held together: no rule was read from this line or its list; if each lock alone is meant, "any of:" says so`;
    for (const [parent, words] of [
      ['kvm->irq_lock must not be taken while holding all of the following:', 'all of the following'],
      ['kvm->irq_lock must not be taken while holding all of these locks:', 'all of these locks'],
      ['kvm->irq_lock must never be acquired while holding all of the following locks:', 'all of the following locks'],
      ['kvm->irq_lock cannot be taken inside all of the following:', 'all of the following'],
      ['kvm->srcu must not be taken while holding all of the following:', 'all of the following'],
      ['Neither kvm->irq_lock nor kvm->arch.foo_lock may be taken while holding all of the following:', 'all of the following'],
      ['kvm->irq_lock must not be taken while holding all of:', 'all of'],
      ['kvm->irq_lock must not be taken while holding both of:', 'both of'],
    ] as const) {
      it(`"${parent}", as a bullet or a paragraph: the line reported saying why, no rule read from its list`, () => {
        const nested = doc([`- ${parent}`, '', ...HELD.map((l) => `  - ${l}`), ''].join('\n'));
        const after = doc([parent, '', ...HELD.map((l) => `- ${l}`), ''].join('\n'));
        for (const [text, at] of [[nested, lineOf(nested, `- ${parent}`)], [after, lineOf(after, parent)]] as const) {
          const order = read(text);
          expect(order.edges).toEqual([]);
          expect(order.srcu).toEqual([]);
          expect(order.unrecognized.map((u) => [u.line, u.text, u.reason])).toEqual([[at, parent, TOGETHER(words)]]);
        }
      });
    }

    for (const [parent, stem] of [
      ['kvm->lock is taken outside all of the following:', 'kvm->lock is taken outside'],
      ['kvm->irq_lock is taken while holding all of these locks:', 'kvm->irq_lock is taken while holding'],
      ['kvm->lock is taken outside both of:', 'kvm->lock is taken outside'],
      ['kvm->irq_lock is taken inside all of:', 'kvm->irq_lock is taken inside'],
    ] as const) {
      it(`a positive rule, "${parent}", holds for each lock: read as "${stem}:"`, () => {
        const expected = alone(stem);
        const text = doc([`- ${parent}`, '', ...HELD.map((l) => `  - ${l}`), ''].join('\n'));
        const order = read(text);
        expect(perLine(order, HELD.map((l) => lineOf(text, `- ${l}`)))).toEqual(expected);
        expect(order.unrecognized).toEqual([]);
      });
    }
  });

  it('items ending in list punctuation ("kvm->lock,", "vcpu->mutex, or") are read as the lock they name, quoted as written', () => {
    const items = ['kvm->lock,', 'vcpu->mutex, or', 'kvm->slots_lock'];
    const text = doc(['- kvm->irq_lock must not be taken while holding:', '', ...items.map((i) => `  - ${i}`), ''].join('\n'));
    const order = read(text);
    expect(perLine(order, items.map((i) => lineOf(text, `- ${i}`)))).toEqual(alone('kvm->irq_lock must not be taken while holding'));
    expect(order.edges.map((e) => e.text)).toEqual(items.map((i) => `kvm->irq_lock must not be taken while holding: ${i}`));
    expect(order.unrecognized).toEqual([]);
  });

  it('an item that is not a lock name is reported at its line with the parent\'s words; the others are read', () => {
    const text = doc(['kvm->srcu must not be taken while holding:', '', '- kvm->lock', '- the mmap lock', '- every lock of the vCPU', ''].join('\n'));
    const order = read(text);
    expect(srcuRules(order)).toEqual(['kvm->lock: allowed']);
    expect(order.unrecognized.map((u) => [u.line, u.text])).toEqual([
      [lineOf(text, '- the mmap lock'), 'kvm->srcu must not be taken while holding: the mmap lock'],
      [lineOf(text, '- every lock of the vCPU'), 'kvm->srcu must not be taken while holding: every lock of the vCPU'],
    ]);
  });
});
