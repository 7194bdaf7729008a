/**
 * What the walk makes of expressions the parser reads as calls whose
 * function is not a name (fixtures/order/call-shapes): a cast `(u32)(x)` and
 * an asm statement are no calls; `CLASS(fd, f)(fd)` calls the class's
 * constructor; parentheses around a name or a member change nothing; a
 * table reached through a global named after its struct type
 * (`kvm_x86_ops.nested_ops->set_state()`) is its slot; a pointer variable
 * in parentheses stays a call through a pointer, counted by its text.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import type { FunctionFacts } from '../../analyzers/locks/model.js';
import type { ObservedOrder } from '../../analyzers/order/observe.js';
import { FIXTURES } from '../helpers/paths.js';
import { walkFixtureFile } from '../helpers/walk-fixture.js';

const TREE = join(FIXTURES, 'order', 'call-shapes');
const FILE = 'virt/kvm/demo_shapes.c';

let functions: FunctionFacts[];
let order: ObservedOrder;

beforeAll(async () => {
  ({ functions, order } = await walkFixtureFile(TREE, FILE));
});

describe('calls whose function is not a name', () => {
  it('are calls of what they name, and casts and asm are none', () => {
    const fn = functions.find((f) => f.name === 'demo_shapes');
    expect(fn?.calls.map((c) => `${c.callee} [${c.held.map((h) => h.class).join(', ')}]`)).toEqual([
      'class_fd_constructor [kvm->lock]',
      'demo_helper [kvm->lock]',
      'ops:demo_ops.flush [kvm->lock]',
      '(fp) [kvm->lock]',
      'ops:demo_nested_ops.set_state [kvm->lock]',
    ]);
  });

  it('reach what the named function and the table slot take', () => {
    const edge = order.edges.find((e) => e.outer === 'kvm->lock' && e.inner === 'kvm->slots_lock');
    expect(edge?.sites.map((s) => s.chain.map((c) => c.function))).toEqual([
      ['demo_shapes', 'demo_helper'],
      ['demo_shapes', 'demo_set_state'],
    ]);
  });

  it('count the pointer call and the constructor outside the index, and no cast', () => {
    expect(Object.fromEntries(order.index.unresolved)).toEqual({ class_fd_constructor: 1, '(fp)': 1, 'ops:demo_ops.flush': 1 });
  });
});
