/**
 * Calls by a macro-built name, as arch/x86/kvm/mmu/paging_tmpl.h makes them:
 * `FNAME(fetch)(vcpu, ...)` calls the function defined as `FNAME(fetch)`.
 * The call is followed to that definition with its arguments, and the
 * `FNAME(fetch)` inside it is the name, not a call of a function FNAME
 * outside the index. On the small tree of fixtures/order/macro-built-calls.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import type { FunctionFacts } from '../../analyzers/locks/model.js';
import type { ObservedOrder } from '../../analyzers/order/observe.js';
import { FIXTURES } from '../helpers/paths.js';
import { walkFixtureFile } from '../helpers/walk-fixture.js';

const TREE = join(FIXTURES, 'order', 'macro-built-calls');
const FILE = 'arch/x86/kvm/mmu/demo_tmpl.h';

let functions: FunctionFacts[];
let order: ObservedOrder;

beforeAll(async () => {
  ({ functions, order } = await walkFixtureFile(TREE, FILE));
});

describe('a call by a macro-built name (FNAME(fetch)(kvm, 1))', () => {
  it('is one call of the function defined by that name, spelt as its definition is, with its arguments', () => {
    const calls = (name: string): string[] => (functions.find((f) => f.name === name)?.calls ?? []).map((c) => `${c.callee} [${c.held.map((h) => h.class).join(', ')}] ${JSON.stringify(c.args ?? null)}`);
    expect(functions.map((f) => f.name)).toEqual(['FNAME(fetch)', 'FNAME(page_fault)', 'FNAME(prefetch)']);
    expect(calls('FNAME(page_fault)')).toEqual(['FNAME(fetch) [kvm->lock] [{"param":0},{"const":"1"}]']);
    expect(calls('FNAME(prefetch)')).toEqual(['FNAME(fetch) [kvm->lock] [{"param":0},{"const":"2"}]']);
  });

  it('reaches what the definition takes, in the context of its constant arguments', () => {
    const edge = order.edges.find((e) => e.outer === 'kvm->lock' && e.inner === 'kvm->slots_lock');
    expect(edge?.sites.map((s) => s.chain.map((c) => `${c.function}:${c.line}`))).toEqual([['FNAME(page_fault):25', 'FNAME(fetch):15']]);
    expect(edge?.count).toBe(1);
  });

  it('counts no call of FNAME outside the index', () => {
    expect([...order.index.unresolved.keys()]).toEqual([]);
  });
});
