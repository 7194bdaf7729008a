/**
 * placeUnseen(): what places a locking.rst hunk whose label is above its
 * context, when its header and its context do not agree, or its header
 * names a label the reader would report. The sentences are read here with
 * the reader's classify(); the order is the embedded one.
 */
import { describe, expect, it } from '@jest/globals';
import { placeUnseen, type PlaceSentence } from '../../analyzers/review/doc-hunk-place.js';
import { loadEmbeddedOrder } from '../../knowledge/doc/embedded.js';
import { classify } from '../../knowledge/doc/statements.js';

/** A sentence of the hunk's old side, read under what is above the hunk. */
const context = (line: number, text: string): PlaceSentence => ({ line, text, c: classify(text, { subject: [] }), touched: false, unseen: 'above' });

describe('placing a hunk by its header and its context', () => {
  const doc = loadEmbeddedOrder();

  it('a header naming "On x86:" and a context rule every architecture has in the embedded order: not known, saying both', () => {
    const placed = placeUnseen('@@ -16,6 +16,8 @@ On x86:', [{ sentences: [context(16, 'kvm->lock is taken outside vcpu->mutex')], preImage: true }], doc).get('above');
    expect(placed).toEqual({
      unknown: 'no label or section title above it is in the hunk, and what places it disagrees (the hunk\'s header "On x86:": x86\'s; line 16: every architecture\'s in the embedded order)',
    });
  });

  it('a header and a context rule that agree place it, by the header', () => {
    const placed = placeUnseen('@@ -55,6 +55,8 @@ On x86:', [{ sentences: [context(55, 'vcpu->mutex is taken outside kvm->arch.xen.xen_lock')], preImage: true }], doc).get('above');
    expect(placed).toEqual({ archs: ['x86'], by: { header: 'On x86:' } });
  });

  it('a header naming a label the reader reports ("On x68:", "Not on x86:") places nothing', () => {
    for (const label of ['On x68:', 'Not on x86:']) {
      const placed = placeUnseen(`@@ -55,6 +55,8 @@ ${label}`, [{ sentences: [], preImage: true }], doc).get('above');
      expect(placed).toEqual({
        unknown: `no label or section title above it is in the hunk, its header names "${label}", which is no label kvm-review reads a scope from, and its context has no rule the embedded order states to place it by`,
      });
    }
  });

  it('a rule the patch changes on the new side is no evidence of what is above: only the pre-image\'s are', () => {
    const changed = { ...context(55, 'vcpu->mutex is taken outside kvm->arch.xen.xen_lock'), touched: true };
    expect('unknown' in (placeUnseen('@@ -55,6 +55,8 @@', [{ sentences: [changed], preImage: false }], doc).get('above') ?? {})).toBe(true);
    expect(placeUnseen('@@ -55,6 +55,8 @@', [{ sentences: [changed], preImage: true }], doc).get('above')).toMatchObject({ archs: ['x86'] });
  });
});
