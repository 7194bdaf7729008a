/**
 * The held-lock walk through control flow (branches, early exits, goto
 * labels, switch, loops, iteration macros) and trylocks, on
 * fixtures/locks/control-flow.c and trylock.c. Outcome words as in
 * walk.test.ts; "noisy" and "missing" rows pin known gaps of a
 * path-insensitive walk.
 */
import { describe, expect, it } from '@jest/globals';
import { actual, expected, walkedFor, type WalkCase } from './walk-harness.js';

const run = (cases: WalkCase[]): void => {
  it.each(cases)('$name', async (c) => {
    const w = await walkedFor(c.fixture);
    expect(actual(w, c)).toEqual(expected(c));
  });
};

const FLOW = 'control-flow.c';
const TRY = 'trylock.c';

describe('branches and exits', () => {
  run([
    {
      name: 'reported: a lock taken in one branch may be held after the if',
      fixture: FLOW,
      fn: 'demo_one_branch',
      held: { 'kvm->slots_lock @ maybe under lock': ['kvm->lock'] },
    },
    {
      name: 'noisy: a lock taken and released under the same condition still counts as held after the second if',
      fixture: FLOW,
      fn: 'demo_one_branch',
      // Path-insensitive: the `need` branch that skipped the lock joins the one that released it.
      held: { 'kvm->slots_arch_lock @ after conditional unlock': ['kvm->lock'] },
    },
    {
      name: 'reported: each branch holds only its own lock; after the if either may be held',
      fixture: FLOW,
      fn: 'demo_if_else',
      calls: { 'demo_then @ /* then */': ['kvm->slots_lock'], 'demo_else @ /* else */': ['kvm->slots_arch_lock'] },
      held: { 'kvm->lock @ join': ['kvm->slots_arch_lock', 'kvm->slots_lock'] },
      edges: ['kvm->slots_arch_lock -> kvm->lock', 'kvm->slots_lock -> kvm->lock'],
    },
    {
      name: 'validated: read_lock in one branch and write_lock in the other are one class, released by either unlock',
      fixture: FLOW,
      fn: 'demo_shared_or_exclusive',
      held: { 'kvm->mn_invalidate_lock @ under either': ['kvm->mmu_lock'], 'kvm->mn_invalidate_lock @ after either': [] },
      edges: ['kvm->mmu_lock -> kvm->mn_invalidate_lock'],
    },
    {
      name: 'reported: the lock is held past an early return that released it; validated: not after the unlock',
      fixture: FLOW,
      fn: 'demo_early_return',
      held: { 'kvm->slots_lock @ still held': ['kvm->lock'], 'kvm->slots_arch_lock @ after unlock': [] },
      edges: ['kvm->lock -> kvm->slots_lock'],
    },
    {
      name: 'reported: goto out_unlock: the lock is held at the label; validated: released there',
      fixture: FLOW,
      fn: 'demo_goto_unlock',
      calls: { 'demo_check @ demo_check': ['kvm->lock'], 'demo_commit @ both': ['kvm->lock', 'kvm->slots_lock'], 'demo_log @ at label': ['kvm->lock'] },
      held: { 'kvm->slots_arch_lock @ after label': [] },
      edges: ['kvm->lock -> kvm->slots_lock'],
    },
    {
      name: 'validated: a goto past the first unlock label arrives without the inner lock',
      fixture: FLOW,
      fn: 'demo_goto_two_labels',
      calls: { 'demo_commit @ both': ['kvm->lock', 'kvm->slots_lock'], 'demo_log @ second label': ['kvm->lock'] },
    },
    {
      name: 'reported: a label reached only by goto gets the goto\'s locks; validated: dead code after the goto is not walked',
      fixture: FLOW,
      fn: 'demo_goto_only',
      calls: { 'demo_log @ only through goto': ['kvm->lock'] },
    },
    {
      name: 'missing: a backward goto (retry) does not carry its locks back to the label',
      fixture: FLOW,
      fn: 'demo_retry',
      // The goto holds kvm->srcu; the walk reads the label before it sees the goto.
      held: { 'kvm->slots_arch_lock @ retried': [] },
      edges: [],
    },
  ]);

  it('walks no call in dead code', async () => {
    const w = await walkedFor(FLOW);
    expect(w.calls('demo_goto_only', 'demo_dead')).toEqual([]);
  });
});

describe('switch', () => {
  run([
    {
      name: 'validated: each case holds only its own lock; nothing after break',
      fixture: FLOW,
      fn: 'demo_switch',
      calls: {
        'demo_do_lock @ /* case 1 */': ['kvm->lock'],
        'demo_do_slots @ /* case 2 */': ['kvm->slots_lock'],
        'demo_shared_tail @ /* case 4 */': [],
      },
      held: { 'kvm->slots_arch_lock @ after switch': [] },
      edges: [],
    },
    {
      name: 'reported: a case under the function\'s lock; validated: a case that unlocks and returns leaves no lock behind',
      fixture: FLOW,
      fn: 'demo_switch_return',
      held: { 'kvm->slots_lock @ case 2 under lock': ['kvm->lock'], 'kvm->slots_arch_lock @ after switch': [] },
      edges: ['kvm->lock -> kvm->slots_lock'],
    },
  ]);
});

describe('loops', () => {
  run([
    {
      name: 'validated: a lock taken and released in a for body is not held on the next pass or after',
      fixture: FLOW,
      fn: 'demo_loop',
      held: { 'kvm->slots_lock @ in loop': [], 'kvm->lock @ after loop': [] },
      calls: { 'demo_work @ demo_work': ['kvm->slots_lock'] },
      edges: [],
    },
    {
      name: 'reported: a break that keeps the lock leaves the loop holding it',
      fixture: FLOW,
      fn: 'demo_while_break',
      held: { 'kvm->mn_invalidate_lock @ retry': [], 'kvm->mmu_lock @ after break': ['kvm->mn_invalidate_lock'] },
      calls: { 'demo_wait @ demo_wait': [] },
      edges: ['kvm->mn_invalidate_lock -> kvm->mmu_lock'],
    },
    {
      name: 'validated: do/while body and condition',
      fixture: FLOW,
      fn: 'demo_do_while',
      held: { 'kvm->slots_lock @ do body': [], 'kvm->lock @ after do': [] },
      calls: { 'demo_more @ while (demo_more': [] },
      edges: [],
    },
    {
      name: 'reported: lock-all-vCPUs with _nested holds every vcpu->mutex after the loop; validated: the unlock-all loop releases them',
      fixture: FLOW,
      fn: 'demo_lock_all_vcpus',
      requires: ['kvm->lock'],
      held: { 'vcpu->mutex @ mutex_lock_killable_nested': ['kvm->lock', 'vcpu->mutex'], 'kvm->slots_lock @ after unlock all': ['kvm->lock'] },
      calls: { 'demo_all_locked @ all held': ['kvm->lock', 'vcpu->mutex'] },
      edges: ['kvm->lock -> kvm->slots_lock', 'kvm->lock -> vcpu->mutex', 'vcpu->mutex -> vcpu->mutex'],
    },
    {
      name: 'reported: kvm_for_each_vcpu body under kvm->lock; validated: nothing after',
      fixture: FLOW,
      fn: 'demo_each_vcpu',
      held: { 'vcpu->mutex @ each vcpu': ['kvm->lock'], 'kvm->slots_lock @ after each': [] },
      calls: { 'demo_kick @ demo_kick': ['kvm->lock', 'vcpu->mutex'] },
      edges: ['kvm->lock -> vcpu->mutex'],
    },
    {
      name: 'reported: list_for_each_entry taking every device\'s lock without _nested is a same-class edge',
      fixture: FLOW,
      fn: 'demo_each_device',
      held: { 'kvm_device->demo_dev_lock @ each device': ['kvm->lock', 'kvm_device->demo_dev_lock'] },
      edges: ['kvm->lock -> kvm_device->demo_dev_lock', 'kvm_device->demo_dev_lock -> kvm_device->demo_dev_lock'],
    },
    {
      name: 'validated: a continue after unlocking reaches the next pass with nothing held',
      fixture: FLOW,
      fn: 'demo_continue',
      held: { 'vcpu->mutex @ mutex_lock(&vcpus[i]->mutex)': [], 'kvm->slots_lock @ after continue': [] },
      calls: { 'demo_kick @ /* pending */': ['vcpu->mutex'] },
      edges: [],
    },
  ]);

  it('records one site per line however often a loop body is walked', async () => {
    const w = await walkedFor(FLOW);
    for (const f of w.functions) {
      const sites = [...f.acquires.map((a) => `${a.line} ${a.op} ${a.lock.class} ${a.subclass ?? ''}`), ...f.calls.map((c) => `${c.line} call ${c.callee}`)];
      expect([f.name, sites.filter((s, i) => sites.indexOf(s) !== i)]).toEqual([f.name, []]);
    }
    expect(w.edge('kvm->lock', 'vcpu->mutex').sites.filter((s) => s.function === 'demo_lock_all_vcpus')).toHaveLength(1);
  });

  it('records the lock-all loop\'s self-edge as deliberate nesting', async () => {
    const w = await walkedFor(FLOW);
    expect(w.edge('vcpu->mutex', 'vcpu->mutex').subclass).toBe(1);
    expect(w.edge('kvm_device->demo_dev_lock', 'kvm_device->demo_dev_lock').subclass).toBeUndefined();
  });
});

describe('trylock', () => {
  run([
    {
      name: 'reported: `if (!mutex_trylock(&x)) return;` then x is held',
      fixture: TRY,
      fn: 'demo_try_negated',
      held: { 'kvm->lock @ mutex_trylock': ['kvm->slots_lock'], 'kvm->slots_arch_lock @ after negated try': ['kvm->lock', 'kvm->slots_lock'] },
      // no kvm->slots_lock -> kvm->lock: a trylock never waits
      edges: ['kvm->lock -> kvm->slots_arch_lock', 'kvm->slots_lock -> kvm->slots_arch_lock'],
    },
    {
      name: 'reported: `if (mutex_trylock(&x)) { ... }` holds x inside; validated: not on the failure branch or after',
      fixture: TRY,
      fn: 'demo_try_positive',
      held: { 'kvm->slots_arch_lock @ success branch': ['kvm->lock', 'kvm->slots_lock'], 'kvm->slots_arch_lock @ after if': [] },
      calls: { 'demo_busy @ failure branch': ['kvm->slots_lock'] },
      edges: ['kvm->lock -> kvm->slots_arch_lock', 'kvm->slots_lock -> kvm->slots_arch_lock'],
    },
    {
      name: 'reported: spin_trylock success orders the spinlock before what follows',
      fixture: TRY,
      fn: 'demo_try_spin',
      held: { 'kvm->mmu_lock @ after spin try': ['kvm->mn_invalidate_lock'] },
      edges: ['kvm->mn_invalidate_lock -> kvm->mmu_lock'],
    },
    {
      name: 'validated: a trylock under another lock makes no edge into the tried lock',
      fixture: TRY,
      fn: 'demo_try_vcpu',
      held: { 'vcpu->mutex @ assigned try': ['kvm->lock'] },
      edges: [],
    },
    {
      name: 'validated: `while (!mutex_trylock(&x)) relax();` runs the body without x; reported: x held after the loop',
      fixture: TRY,
      fn: 'demo_try_in_loop',
      calls: { 'demo_relax @ spinning': [] },
      held: { 'kvm->slots_lock @ after loop try': ['kvm->lock'] },
      edges: ['kvm->lock -> kvm->slots_lock'],
    },
    {
      name: 'reported: `if (want && mutex_trylock(&x))` holds x inside; validated: not after the if',
      fixture: TRY,
      fn: 'demo_try_and',
      held: { 'kvm->slots_lock @ and-ed try': ['kvm->lock'], 'kvm->slots_arch_lock @ after and': [] },
      edges: ['kvm->lock -> kvm->slots_lock'],
    },
  ]);

  it('records trylocks as op try and marks edges from them', async () => {
    const w = await walkedFor(TRY);
    expect(w.acquires('demo_try_negated', 'kvm->lock').map((a) => a.op)).toEqual(['try']);
    expect(w.fn('demo_try_negated').acquires.find((a) => a.lock.class === 'kvm->slots_arch_lock')?.held.map((h) => [h.class, h.viaTry])).toEqual([
      ['kvm->slots_lock', false],
      ['kvm->lock', true],
    ]);
    expect(w.edge('kvm->lock', 'kvm->slots_arch_lock').outerViaTry).toBe(true);
    expect(w.edges().filter((e) => e.endsWith('-> kvm->lock') || e.endsWith('-> vcpu->mutex'))).toEqual([]);
  });
});
