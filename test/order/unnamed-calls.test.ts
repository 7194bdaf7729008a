/**
 * Calls the walk cannot name: `(*fp)(kvm)`, `demo_table[i](kvm)` (the slot
 * of an array of functions, handler-arrays.test.ts, which no initializer here fills),
 * `demo_pick(kvm)(kvm)`, `h->priv->ops->flush(kvm)` with h's struct not
 * indexed, and a chain of such members over two lines. Each is counted with the calls outside the index, by its
 * function's text, on the same footing as a named call outside the index
 * (counted when a lock is held around it or its caller's summary is asked),
 * rather than passed over unseen. On the small tree of
 * fixtures/order/unnamed-calls.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { auditTree } from '../../analyzers/audit.js';
import type { AuditResult } from '../../analyzers/findings/check-result.js';
import type { FunctionFacts } from '../../analyzers/locks/model.js';
import type { ObservedOrder } from '../../analyzers/order/observe.js';
import { loadDocumentedOrder } from '../../knowledge/doc/load.js';
import { FIXTURES } from '../helpers/paths.js';
import { walkFixtureFile } from '../helpers/walk-fixture.js';

const TREE = join(FIXTURES, 'order', 'unnamed-calls');
const FILE = 'virt/kvm/demo_unnamed.c';

let functions: FunctionFacts[];
let order: ObservedOrder;

beforeAll(async () => {
  ({ functions, order } = await walkFixtureFile(TREE, FILE));
});

describe('calls through expressions that name no function', () => {
  it('are call sites of the walk, under the lock held around them, named by their function text', () => {
    const fn = functions.find((f) => f.name === 'demo_unnamed_calls');
    expect(fn?.calls.map((c) => `${c.callee} [${c.held.map((h) => h.class).join(', ')}]`)).toEqual([
      '(*fp) [kvm->lock]',
      'ops:demo_table.[] [kvm->lock]',
      'demo_pick [kvm->lock]',
      'demo_pick(kvm) [kvm->lock]',
      'h->priv->ops->flush [kvm->lock]',
      'demo_holder_of [kvm->lock]',
      // Two lines of members: one line, cut at 60 characters.
      'demo_holder_of(kvm)->first_level_of_members->second_level... [kvm->lock]',
      'demo_outside [kvm->lock]',
    ]);
  });

  it('are counted unresolved as a call outside the index is, each by its text; the unlocked ones in a function no one calls are not, as demo_outside() there is not', () => {
    expect(Object.fromEntries(order.index.unresolved)).toEqual({
      '(*fp)': 1,
      'ops:demo_table.[]': 1,
      demo_pick: 1,
      'demo_pick(kvm)': 1,
      'h->priv->ops->flush': 1,
      demo_holder_of: 1,
      'demo_holder_of(kvm)->first_level_of_members->second_level...': 1,
      demo_outside: 1,
    });
  });

  it('add no edge: nothing is known of what they take', () => {
    expect(order.edges).toEqual([]);
  });

  it("make check's 'calls outside the index or through pointers' eight, not the three named ones alone", async () => {
    const r: AuditResult = await auditTree(TREE, { arch: 'x86', doc: loadDocumentedOrder({ cwd: '/' }), cache: { disabled: true } });
    expect(r.stats.functions).toEqual({ clean: 2, damaged: 0, skipped: 0 });
    expect(r.stats.unresolvedCalls).toBe(8);
  });
});
