/**
 * reST constructs locking.rst does not use today but may: "+" bullets, line
 * blocks, admonitions, other directives, and a bullet's text going on after
 * its literal block. Each case is the newest corpus revision edited at test
 * time the way a patch could edit it; what the edit adds must be read (or,
 * in a directive that is not read, reported), and everything else must read
 * exactly as the unedited revision does.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import { readLockingDoc } from '../../knowledge/doc/reader.js';
import { readBlocks } from '../../knowledge/doc/rst-blocks.js';
import { corpusRevision } from '../helpers/paths.js';
import { orderEdges } from '../helpers/order.js';

const PATH = corpusRevision('25');
const TEXT = readFileSync(PATH, 'utf8');
const read = (text: string): DocumentedOrder => readLockingDoc(Buffer.from(text), PATH);
const ORIGINAL = read(TEXT);

/** The order with its source (the sha1 differs) left out, for comparing two readings. */
const facts = (o: DocumentedOrder): object => ({ ...o, source: null });

/** TEXT with BLOCK inserted after the line that is exactly AFTER (a blank line follows it in the revision). */
function insertAfter(after: string, block: string): { text: string; line: number } {
  const lines = TEXT.split('\n');
  const at = lines.indexOf(after);
  if (at < 0) throw new Error(`${PATH}: no line ${JSON.stringify(after)}`);
  lines.splice(at + 2, 0, ...block.split('\n'));
  return { text: lines.join('\n'), line: at + 3 };
}

/** The edges of READ that ORIGINAL does not have, as "outer -> inner" at a line. */
function newEdges(order: DocumentedOrder): string[] {
  const old = new Set(orderEdges(ORIGINAL));
  return order.edges.filter((e) => !e.srcu && !old.has(`${e.outer} -> ${e.inner}${e.arch ? ` @${e.arch}` : ''}`)).map((e) => `${e.outer} -> ${e.inner} :${e.line}`);
}

describe('reST bullets and line blocks', () => {
  it('"+" bullets read as "-" bullets do: the revision with every "- " item written "+ " reads the same', () => {
    const plus = TEXT.replace(/^- /gm, '+ ');
    expect(plus).not.toBe(TEXT);
    expect(facts(read(plus))).toEqual(facts(ORIGINAL));
  });

  it('"*" and Unicode bullets too', () => {
    for (const marker of ['* ', '\u2022 ', '\u2023 ', '\u2043 ']) {
      expect({ marker, facts: facts(read(TEXT.replace(/^- /gm, marker))) }).toEqual({ marker, facts: facts(ORIGINAL) });
    }
  });

  it('the grid table (the CPU 0 / CPU 1 scenario) is still set aside, from its border line on', () => {
    const lines = TEXT.split('\n');
    const border = lines.findIndex((l) => l.startsWith('+---'));
    const end = lines.findIndex((l, i) => i > border && !/^[+|]/.test(l));
    expect(border).toBeGreaterThan(0);
    const doc = readBlocks(lines);
    expect(doc.blocks.filter((b) => b.line > border && b.line <= end)).toEqual([]);
  });

  it('a line block is read, one line of the block at a time', () => {
    const { text, line } = insertAfter('- kvm->lock is taken outside vcpu->mutex', [
      '| kvm->irq_lock is taken outside kvm->arch.xen.xen_lock',
      '| kvm->slots_lock is taken outside',
      '  kvm->arch.hyperv.hv_lock',
      '',
    ].join('\n'));
    const order = read(text);
    expect(newEdges(order).sort()).toEqual([`kvm->irq_lock -> kvm->arch.xen.xen_lock :${line}`, `kvm->slots_lock -> kvm->arch.hyperv.hv_lock :${line + 1}`]);
    expect(order.unrecognized).toEqual([]);
  });

  it('a paragraph starting with a substitution reference (|name|) is a paragraph, not a table', () => {
    const { text, line } = insertAfter('- kvm->lock is taken outside vcpu->mutex', '|kvm| note: kvm->irq_lock is taken outside kvm->arch.xen.xen_lock\n');
    expect(readBlocks(text.split('\n')).blocks.find((b) => b.line === line)?.kind).toBe('paragraph');
  });
});

describe('reST directives', () => {
  it('a rule in the body of a note is read', () => {
    const { text, line } = insertAfter('- kvm->lock is taken outside vcpu->mutex', '.. note::\n\n   kvm->irq_lock is taken outside kvm->mn_invalidate_lock.\n');
    const order = read(text);
    expect(newEdges(order)).toEqual([`kvm->irq_lock -> kvm->mn_invalidate_lock :${line + 2}`]);
    expect(order.unrecognized).toEqual([]);
  });

  it('every admonition is read, text on the directive line and options included', () => {
    for (const name of ['warning', 'important', 'attention', 'caution', 'tip', 'hint', 'danger', 'error']) {
      const { text, line } = insertAfter(
        '- kvm->lock is taken outside vcpu->mutex',
        `.. ${name}:: kvm->irq_lock is taken outside\n   kvm->mn_invalidate_lock.\n`,
      );
      expect({ name, edges: newEdges(read(text)) }).toEqual({ name, edges: [`kvm->irq_lock -> kvm->mn_invalidate_lock :${line}`] });
    }
    const { text, line } = insertAfter(
      '- kvm->lock is taken outside vcpu->mutex',
      '.. admonition:: Interrupt routing\n   :class: note\n\n   kvm->irq_lock is taken outside kvm->mn_invalidate_lock.\n',
    );
    const order = read(text);
    expect(newEdges(order)).toEqual([`kvm->irq_lock -> kvm->mn_invalidate_lock :${line + 3}`]);
    expect(order.unrecognized).toEqual([]);
  });

  it('a rule in a directive that is not read (code-block) is reported with its line, not dropped; code in it is not', () => {
    const { text, line } = insertAfter(
      '- kvm->lock is taken outside vcpu->mutex',
      [
        '.. code-block:: none',
        '',
        '   kvm->irq_lock is taken outside kvm->mn_invalidate_lock.',
        '',
        '   srcu_read_lock(&kvm->srcu);',
        '   mutex_lock(&kvm->lock);',
        '',
      ].join('\n'),
    );
    const order = read(text);
    expect(newEdges(order)).toEqual([]);
    expect(order.unrecognized).toEqual([
      { line: line + 2, text: 'kvm->irq_lock is taken outside kvm->mn_invalidate_lock', reason: expect.stringContaining('.. code-block::') },
    ]);
  });

  it('a comment (".." without a directive name) is still not read, but a rule in it is reported (see rst-unread.test.ts)', () => {
    const { text, line } = insertAfter('- kvm->lock is taken outside vcpu->mutex', '..\n   kvm->irq_lock is taken outside kvm->mn_invalidate_lock.\n');
    const order = read(text);
    expect(newEdges(order)).toEqual([]);
    expect(order.unrecognized).toEqual([{ line: line + 1, text: 'kvm->irq_lock is taken outside kvm->mn_invalidate_lock', reason: expect.stringContaining('RST comment') }]);
  });
});

describe('literal blocks', () => {
  it('a bullet\'s text after its literal block is read; the literal block is not', () => {
    const { text, line } = insertAfter('      mutex_lock(&kvm->slots_lock);', '  kvm->slots_lock is taken outside kvm->mn_invalidate_lock.\n');
    const order = read(text);
    expect(newEdges(order)).toEqual([`kvm->slots_lock -> kvm->mn_invalidate_lock :${line}`]);
    expect(order.unrecognized).toEqual([]);
  });

  it('a rule written in a literal block ("On arm64::" and the rule indented) is not read, but reported with its line; code in one is not', () => {
    const { text, line } = insertAfter('- kvm->lock is taken outside vcpu->mutex', 'On arm64::\n\n    kvm->irq_lock is taken outside kvm->mn_invalidate_lock.\n');
    const order = read(text);
    expect(newEdges(order)).toEqual([]);
    expect(order.unrecognized).toEqual([{ line: line + 2, text: 'kvm->irq_lock is taken outside kvm->mn_invalidate_lock', reason: expect.stringContaining('literal block') }]);
  });

  it('text ending in "::" with nothing indented after it hides nothing', () => {
    const { text, line } = insertAfter('- kvm->lock is taken outside vcpu->mutex', '- the irq rule is as follows::\n\n  kvm->irq_lock is taken outside kvm->mn_invalidate_lock.\n');
    expect(newEdges(read(text))).toEqual([`kvm->irq_lock -> kvm->mn_invalidate_lock :${line + 2}`]);
  });
});
