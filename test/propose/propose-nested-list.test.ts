/**
 * Where `doc --propose` puts a rule in a document whose rules list their
 * locks under them ("kvm->lock is taken outside:" over a nested list): the
 * reader quotes each of those rules at its item's line, and the place is
 * found from the rules of the whole bullet, items included. A fixture
 * written for this test.
 */
import { describe, expect, it } from '@jest/globals';
import { readLockingDoc } from '../../knowledge/doc/reader.js';
import { insertRule } from '../../knowledge/doc/propose.js';

const TEXT = [
  '=================',
  'KVM Lock Overview',
  '=================',
  '',
  '1. Acquisition Orders',
  '---------------------',
  '',
  'The acquisition orders for mutexes are as follows:',
  '',
  '- kvm->slots_lock is taken outside kvm->irq_lock',
  '',
  '- kvm->lock is taken outside:',
  '',
  '  - vcpu->mutex',
  '  - kvm->irq_lock',
  '',
  '- vcpu->mutex is taken outside kvm->arch.x_lock',
  '',
].join('\n');

/** The lines insertRule() adds, with the line before and after each run of them. */
const added = (c: { outer: string; inner: string }): string[] => {
  const out = insertRule(TEXT, readLockingDoc(Buffer.from(TEXT), 'fixture/locking.rst'), { ...c, arch: null }).split('\n');
  const at = out.findIndex((l) => l === `- ${c.outer} is taken outside ${c.inner}`);
  return out.slice(at - 1, at + 3);
};

describe('doc --propose with a rule whose locks are listed under it', () => {
  it('a rule putting a lock outside kvm->lock goes before the bullet that lists what kvm->lock is taken outside of', () => {
    expect(added({ outer: 'kvm->arch.y_lock', inner: 'kvm->lock' })).toEqual(['', '- kvm->arch.y_lock is taken outside kvm->lock', '', '- kvm->lock is taken outside:']);
  });

  it('a rule naming a listed lock goes after the bullet, not between its items', () => {
    expect(added({ outer: 'kvm->irq_lock', inner: 'kvm->arch.z_lock' })).toEqual(['', '- kvm->irq_lock is taken outside kvm->arch.z_lock', '', '- vcpu->mutex is taken outside kvm->arch.x_lock']);
  });
});
