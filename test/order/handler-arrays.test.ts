/**
 * Arrays of functions indexed by a designator, as VMX's and SVM's exit
 * handlers are (`[EXIT_REASON_CPUID] = kvm_emulate_cpuid`), and a call
 * through them by index (`kvm_vmx_exit_handlers[exit_handler_index](vcpu)`):
 * the call may reach every function the array holds; a variable of a
 * function typedef (`exit_handle_fn exit_handler`, arm64) may hold every
 * function of the arrays of that type. On the small tree of
 * fixtures/order/handler-arrays.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import type { COpsEntry } from '../../analyzers/c/ops-tables.js';
import type { FunctionFacts } from '../../analyzers/locks/model.js';
import type { ObservedOrder } from '../../analyzers/order/observe.js';
import { FIXTURES } from '../helpers/paths.js';
import { walkFixtureFile } from '../helpers/walk-fixture.js';

const TREE = join(FIXTURES, 'order', 'handler-arrays');
const FILE = 'arch/x86/kvm/vmx/demo_exit.c';

let functions: FunctionFacts[];
let ops: COpsEntry[];
let order: ObservedOrder;

beforeAll(async () => {
  ({ functions, ops, order } = await walkFixtureFile(TREE, FILE));
});

describe('an array of exit handlers called by index', () => {
  it('is read as one slot holding each handler; an array of numbers is none', () => {
    expect(ops.map((o) => `${o.struct}.${o.field} = ${o.fn}`)).toEqual([
      'demo_exit_handlers.[] = demo_handle_cpuid',
      'demo_exit_handlers.[] = demo_handle_hlt',
      'demo_exit_handlers.[] = demo_handle_io',
      'demo_trap_handlers.[] = demo_trap_sysreg',
      'demo_trap_fn.[] = demo_trap_sysreg',
    ]);
  });

  it('is called through that slot, under the SRCU read side held around it', () => {
    const fn = functions.find((f) => f.name === 'demo_handle_exit');
    expect(fn?.calls.map((c) => `${c.callee} [${c.held.map((h) => h.class).join(', ')}]`)).toEqual(['ops:demo_exit_handlers.[] [kvm->srcu]']);
  });

  it('reaches what each handler takes', () => {
    const inner = (cls: string): string[][] | undefined =>
      order.edges.find((e) => e.outer === 'kvm->srcu' && e.inner === cls)?.sites.map((s) => s.chain.map((c) => c.function));
    expect(inner('kvm->slots_lock')).toEqual([['demo_handle_exit', 'demo_handle_cpuid']]);
    expect(inner('kvm->lock')).toEqual([['demo_handle_exit', 'demo_handle_hlt']]);
    expect(order.index.unresolved.size).toBe(0);
  });

  it('is what a variable of the function typedef of the array calls', () => {
    const fn = functions.find((f) => f.name === 'demo_handle_trap');
    expect(fn?.calls.map((c) => `${c.callee} [${c.held.map((h) => h.class).join(', ')}]`)).toEqual(['demo_get_trap_handler []', 'ops:demo_trap_fn.[] [kvm->mmu_lock]']);
    const edge = order.edges.find((e) => e.outer === 'kvm->mmu_lock' && e.inner === 'kvm->slots_lock');
    expect(edge?.sites.map((s) => s.chain.map((c) => c.function))).toEqual([['demo_handle_trap', 'demo_trap_sysreg']]);
  });
});
