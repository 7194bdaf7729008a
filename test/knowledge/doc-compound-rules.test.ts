/**
 * A sentence stating two rules, "S1, and S2": both are read. A wording
 * whose tail is free text ("A is taken outside B, e.g. ...") read S1 and
 * passed over S2 in silence when S2's locks were S1's too, as in a lock's
 * :Comment: "X is taken in notifiers ... while Y is held, and many
 * operations need to take Y when <what the lock protects>": the rule that
 * the commented lock is taken outside Y was lost, and the leaf claim made
 * that lock a leaf. Sentences and documents written for these tests; the
 * corpus's own vendor_module_lock comment is found by content at run time.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLockingDoc } from '../../knowledge/doc/reader.js';
import { classify, type Fact } from '../../knowledge/doc/statements.js';
import { lineIn, readDoc } from '../helpers/doc-fixture.js';
import { corpusRevisions, kernelTree, LOCKING_DOC_DIR } from '../helpers/paths.js';

const order = (outer: string, inner: string): Fact => ({ kind: 'order', outer, inner });
const WIDGET = { lock: 'widget_lock', protects: ['probing a widget (foo or bar)'] };

describe('two rules in one sentence', () => {
  it('"A is taken outside B, e.g. ..., and C is taken outside D" is both rules, nothing left unread', () => {
    const c = classify('kvm->lock is taken outside vcpu->mutex, e.g. in the ioctl path, and kvm->slots_lock is taken outside kvm->irq_lock', { subject: [] });
    expect(c.facts).toEqual([order('kvm->lock', 'vcpu->mutex'), order('kvm->slots_lock', 'kvm->irq_lock')]);
    expect(c.unread).toBeUndefined();
  });

  it('in a lock\'s comment, "..., and many operations need to take A when <what the lock protects>" is also the lock -> A', () => {
    const s = 'kvm_lock is taken in callbacks that may run while cpu_hotplug_lock is held, e.g. from the boost path, and many operations need to take cpu_hotplug_lock when probing a widget, e.g. registering a device';
    expect(classify(s, { subject: [], commentOf: WIDGET }).facts).toEqual([order('cpus_read_lock()', 'kvm_lock'), order('widget_lock', 'cpus_read_lock()')]);
    // Another lock's comment, or what the lock does not protect: only the first rule, as before.
    expect(classify(s, { subject: [], commentOf: { lock: 'other_lock', protects: ['the other list'] } }).facts).toEqual([order('cpus_read_lock()', 'kvm_lock')]);
    expect(classify('some paths need to take cpu_hotplug_lock when probing a widget', { subject: [] }).recognized).toBe(false);
  });

  it('three clauses are three rules; a clause that is only a lock stays the list of the rule before it', () => {
    const c = classify('kvm->lock is taken outside vcpu->mutex, and kvm->slots_lock is taken outside kvm->irq_lock, and vcpu->mutex is taken outside kvm->arch.foo_lock', { subject: [] });
    expect(c.facts).toEqual([order('kvm->lock', 'vcpu->mutex'), order('kvm->slots_lock', 'kvm->irq_lock'), order('vcpu->mutex', 'kvm->arch.foo_lock')]);
    expect(classify('kvm->lock is taken outside vcpu->mutex, and kvm->slots_lock', { subject: [] }).facts).toEqual([order('kvm->lock', 'vcpu->mutex'), order('kvm->lock', 'kvm->slots_lock')]);
  });

  it('a sentence of many clauses that are no rules is read at once: each run of clauses is tried once, not every way', () => {
    // Tried every way, 14 clauses took seconds (and each one more about half as long again); once each, milliseconds.
    const s = Array.from({ length: 14 }, (_, i) => `kvm->lock is taken by f${i}()`).join(', and ');
    const started = performance.now();
    const c = classify(s, { subject: [] });
    expect(performance.now() - started).toBeLessThan(1500);
    expect([c.recognized, c.orderingLike]).toEqual([false, true]);
  });

  it('a second clause that is no rule, or one in an aside, adds nothing', () => {
    expect(classify('kvm->slots_lock is taken outside kvm->irq_lock, and acquiring them together is quite rare', { subject: [] }).facts).toEqual([
      order('kvm->slots_lock', 'kvm->irq_lock'),
    ]);
    const aside = classify('kvm->lock is taken outside vcpu->mutex (in f(), and kvm->slots_lock is taken outside kvm->irq_lock)', { subject: [] });
    expect(aside.facts).toEqual([order('kvm->lock', 'vcpu->mutex')]);
  });

  it('a document\'s :Comment: with both rules: each is an edge of the comment, at the sentence\'s line', () => {
    const text = [
      '=================',
      'KVM Lock Overview',
      '=================',
      '',
      '1. Acquisition Orders',
      '---------------------',
      '',
      '- kvm->lock is taken outside vcpu->mutex',
      '',
      'Everything else is a leaf: no other lock is taken inside the critical',
      'sections.',
      '',
      '3. Reference',
      '------------',
      '',
      '``widget_lock``',
      '^^^^^^^^^^^^^^^',
      ':Type:\t\tmutex',
      ':Arch:\t\tany',
      ':Protects:\tprobing a widget (foo or bar)',
      ':Comment:\tA lock of its own, not kvm_lock.  kvm_lock is taken in',
      '    callbacks that may run while cpu_hotplug_lock is held, and some',
      '    operations need to take cpu_hotplug_lock when probing a widget.',
      '',
    ].join('\n');
    const doc = readDoc(text);
    // The sentence starts on the :Comment: line.
    const line = lineIn(text, ':Comment:\tA lock of its own, not kvm_lock.  kvm_lock is taken in');
    expect(doc.edges.filter((e) => e.origin === 'comment').map((e) => [e.outer, e.inner, e.line])).toEqual([
      ['cpus_read_lock()', 'kvm_lock', line],
      ['widget_lock', 'cpus_read_lock()', line],
    ]);
    expect(doc.unrecognized).toEqual([]);
    // No longer a lock "no statement orders", which the leaf claim made a leaf.
    expect(doc.problems.filter((p) => p.kind === 'not-ordered').map((p) => p.message)).toEqual([]);
  });
});

describe('vendor_module_lock\'s comment in the corpus and the 6.12 tree', () => {
  const documents = [...corpusRevisions().map((f) => join(LOCKING_DOC_DIR, f)), join(kernelTree('6.12'), 'Documentation/virt/kvm/locking.rst')];
  // The comment's sentence, found by its words: "... need to take cpu_hotplug_lock when loading a vendor module".
  const withComment = documents.filter((p) => /need to take cpu_hotplug_lock when loading a vendor\s+module/.test(readFileSync(p, 'utf8')));

  it('is in twelve revisions and the tree', () => {
    expect(withComment.length).toBe(13);
  });

  for (const path of withComment) {
    it(`${path.split('/').slice(-1)[0]}: vendor_module_lock -> cpus_read_lock(), from the comment, and vendor_module_lock is no leaf`, () => {
      const doc = readLockingDoc(readFileSync(path), path);
      const edge = doc.edges.find((e) => e.outer === 'vendor_module_lock' && e.inner === 'cpus_read_lock()');
      expect(edge).toMatchObject({ origin: 'comment', arch: null });
      expect(edge?.text).toMatch(/need to take cpu_hotplug_lock when loading a vendor module/);
      expect(doc.problems.filter((p) => p.message.startsWith('vendor_module_lock '))).toEqual([]);
    });
  }
});
