/** The subject parser on the shapes found in the corpus and the kvmarm inbox. */
import { describe, expect, it } from '@jest/globals';
import { parseSubject } from '../../analyzers/series/subject.js';

describe('parseSubject', () => {
  it.each([
    ['[PATCH v3 2/7] KVM: x86: Fix it', { isPatch: true, reply: false, version: 3, index: 2, total: 7, rfc: false, title: 'KVM: x86: Fix it' }],
    ['[PATCH RFC v2 3/7] KVM: x86: Try it', { isPatch: true, version: 2, index: 3, total: 7, rfc: true }],
    ['[RFC PATCH 0/2] KVM: x86: Strengthen locking rules for kvm_lock', { isPatch: true, version: 1, index: 0, total: 2, rfc: true }],
    ['[RFC PATCH v4 01/39] KVM: arm64: Make lock_all_vcpus() available', { version: 4, index: 1, total: 39, rfc: true }],
    ['[PATCH RFC 00/12] Document synchronization', { version: 1, index: 0, total: 12, rfc: true }],
    ['[PATCH v3] KVM: SEV: Mark nested locking of vcpu->lock', { isPatch: true, version: 3, index: null, total: null }],
    ['[PATCH] Documentation: kvm: clarify SRCU locking order', { isPatch: true, version: 1, index: null, title: 'Documentation: kvm: clarify SRCU locking order' }],
    ['[PATCH 6.6 413/538] KVM: Use dedicated mutex', { version: 1, index: 413, total: 538, backport: '6.6' }],
    ['[PATCH 5.10 1/91] arm64: backport', { backport: '5.10', version: 1 }],
    ['[RESEND PATCH v2 1/3] KVM: x', { resend: true, version: 2, index: 1 }],
    ['[kvm-unit-tests PATCH v2 3/4] arm: pmu: x', { version: 2, index: 3, tags: ['kvm-unit-tests'] }],
    ['[PATCH rcu 12/27] arch/arm64/kvm: Remove "select SRCU"', { index: 12, total: 27, tags: ['rcu'] }],
    ['[PATCH for-next] KVM: x', { isPatch: true, tags: ['for-next'] }],
    ['[v2 3/6] KVM: x', { isPatch: true, version: 2, index: 3 }],
    ['[RFC 2/6] KVM: x', { isPatch: true, rfc: true, index: 2 }],
    ['[PATCHv5 1/2] KVM: x', { isPatch: true, version: 5 }],
    ['[PATCH v99999999999999999999 1/1] huge', { isPatch: true, version: 1, index: 1, tags: ['v99999999999999999999'] }],
    ['[PATCH 12345/99999] KVM: x', { isPatch: true, index: null, tags: ['12345/99999'] }],
    ['[PATCH  v2   1/3]   KVM:  spaced', { version: 2, index: 1, title: 'KVM: spaced' }],
  ])('%s', (subject, expected) => {
    expect(parseSubject(subject)).toMatchObject(expected);
  });

  it.each([
    'Re: [PATCH v2 44/50] KVM: Drop kvm_count_lock',
    'RE: [PATCH] x',
    'Re: Re: [PATCH 1/2] x',
    'Aw: [PATCH] x',
    '[kvmarm] Re: [PATCH v2 1/3] x',
    'Re: (subset) [PATCH 0/3] KVM: arm64: M2 vgic',
  ])('%s is a reply', (subject) => {
    expect(parseSubject(subject).reply).toBe(true);
  });

  it('keeps the version and counter of the patch a reply answers', () => {
    expect(parseSubject('Re: [PATCH v2 44/50] KVM: Drop kvm_count_lock')).toMatchObject({ reply: true, isPatch: true, version: 2, index: 44, total: 50, title: 'KVM: Drop kvm_count_lock' });
  });

  // Only the leading bracket groups carry the counter and revision, as in b4: a "[1/2]" in the title is the title's.
  it.each([
    ['[PATCH] KVM: x86: fix the [1/2] case', { version: 1, index: null, total: null, title: 'KVM: x86: fix the [1/2] case' }],
    ['[PATCH v2] KVM: selftests: test [0/3] and [v5] shapes', { version: 2, index: null, total: null, title: 'KVM: selftests: test [0/3] and [v5] shapes' }],
    ['Re: [PATCH v2] KVM: x86: fix the [1/2] case', { reply: true, version: 2, index: null, total: null }],
    ['Re: [RFC PATCH v3 02/10] KVM: x86: [3/4] in the title', { reply: true, rfc: true, version: 3, index: 2, total: 10, title: 'KVM: x86: [3/4] in the title' }],
    ['[PATCH 6.1.y 1/2] KVM: x86: the [2/2] half', { backport: '6.1.y', version: 1, index: 1, total: 2, title: 'KVM: x86: the [2/2] half' }],
    ['[RFC][PATCH v4 3/5] KVM: two leading groups', { rfc: true, version: 4, index: 3, total: 5, title: 'KVM: two leading groups' }],
  ])('%s: counter and revision from the leading groups only', (subject, expected) => {
    expect(parseSubject(subject)).toMatchObject({ isPatch: true, ...expected });
  });

  it.each(['[GIT PULL] KVM/arm64 updates for 6.2', '[FINAL WARNING] kvmarm going away', 'KVM: arm64: A new approach', '', '[ANNOUNCE] demo 1.0'])('%s is not a patch', (subject) => {
    expect(parseSubject(subject)).toMatchObject({ isPatch: false, reply: false });
  });
});
