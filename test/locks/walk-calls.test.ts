/**
 * Lock context across calls: the walk's call sites through observeOrder
 * (analyzers/order), on fixtures/locks/callers.c and the two static-*.c
 * files. Outcome words as in walk.test.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { observeOrder } from '../../analyzers/order/observe.js';
import { actual, edgeText, expected, walkedFor, type WalkCase } from './walk-harness.js';

const run = (cases: WalkCase[]): void => {
  it.each(cases)('$name', async (c) => {
    const w = await walkedFor(c.fixture);
    expect(actual(w, c)).toEqual(expected(c));
  });
};

const CALLERS = 'callers.c';
const STATICS = ['static-a.c', 'static-b.c'];

describe('caller context flows into callees', () => {
  run([
    {
      name: 'reported: vcpu->mutex held around a helper that takes kvm->slots_lock',
      fixture: CALLERS,
      fn: 'demo_vcpu_ioctl',
      calls: { 'demo_update_slots @ call under mutex': ['vcpu->mutex'] },
      edges: ['vcpu->mutex -> kvm->slots_lock'],
    },
    {
      name: 'reported: a lock taken by a helper outside the index (static_branch_inc takes cpus_read_lock)',
      fixture: CALLERS,
      fn: 'demo_external',
      edges: ['kvm->lock -> cpus_read_lock()'],
    },
    {
      name: 'missing: a callee that returns holding locks (lock all vCPUs) does not hold them in its caller',
      fixture: CALLERS,
      fn: 'demo_lock_every_vcpu_caller',
      // Facts have no "held at return": only the primitive table knows such helpers (sev_lock_vcpus_for_migration).
      held: { 'kvm->slots_lock @ after lock-all call': [] },
      edges: [],
    },
  ]);

  it('gives the edge a 2-step chain from the caller to the acquisition', async () => {
    const w = await walkedFor(CALLERS);
    expect(w.localEdges('demo_vcpu_ioctl')).toEqual([]);
    expect(w.localEdges('demo_update_slots')).toEqual([]);
    const e = w.edge('vcpu->mutex', 'kvm->slots_lock');
    expect(e.sites.map((s) => s.chain.map((c) => `${c.function}:${c.line}`))).toEqual([
      [`demo_vcpu_ioctl:${w.line('demo_vcpu_ioctl', 'call under mutex')}`, `demo_update_slots:${w.line('demo_update_slots', 'mutex_lock(')}`],
    ]);
    expect(e.sites[0]?.outerLine).toBe(w.line('demo_vcpu_ioctl', 'mutex_lock(&vcpu->mutex)'));
    expect(w.chains('kvm->lock', 'cpus_read_lock()', 'demo_external')).toEqual([['demo_external', 'static_branch_inc']]);
  });
});

describe('callees that release the caller\'s lock', () => {
  run([
    {
      name: 'validated: dropping the vCPU\'s SRCU read lock before slots_lock gives that acquisition no srcu edge',
      fixture: CALLERS,
      fn: 'demo_inhibit_access_page',
      releasesCallers: ['kvm->srcu'],
      held: { 'kvm->slots_lock @ after dropping srcu': [] },
      edges: ['kvm->slots_lock -> kvm->srcu (sync)'],
    },
    {
      name: 'validated: the caller holding kvm->srcu gets no kvm->srcu -> kvm->slots_lock (nor srcu -> srcu) through it',
      fixture: CALLERS,
      fn: 'demo_vcpu_run',
      calls: { 'demo_inhibit_access_page @ srcu held': ['kvm->srcu'] },
      edges: [],
    },
    {
      name: 'validated: a run loop that drops and re-takes srcu is still the caller\'s srcu when a callee drops it',
      fixture: CALLERS,
      fn: 'demo_run_loop',
      releasesCallers: ['kvm->srcu'],
      calls: { 'demo_enter_guest @ in run loop': ['kvm->srcu'] },
      edges: [],
    },
    {
      name: 'validated: so the ioctl holding srcu around the run loop gets no kvm->srcu -> kvm->slots_lock',
      fixture: CALLERS,
      fn: 'demo_ioctl_run',
      edges: [],
    },
    {
      name: 'validated: a label reached only by gotos keeps their drop: re-taking the asserted lock there is no self-edge',
      fixture: CALLERS,
      fn: 'demo_refresh',
      calls: { 'demo_refresh_retry @ refresh under mmu_lock': ['kvm->mmu_lock'] },
      edges: [],
    },
    {
      name: 'reported: a lock the callee takes before dropping the caller\'s srcu is ordered after srcu',
      fixture: CALLERS,
      fn: 'demo_drop_late_caller',
      edges: ['kvm->srcu -> kvm->slots_arch_lock'],
    },
    {
      name: 'reported: a callee that drops srcu on one path and takes the lock under it on another',
      fixture: CALLERS,
      fn: 'demo_drop_one_path_caller',
      edges: ['kvm->srcu -> kvm->slots_lock'],
    },
  ]);

  it('records the drop at the acquisition and at the calls after it', async () => {
    const w = await walkedFor(CALLERS);
    expect(w.acquires('demo_inhibit_access_page', 'kvm->slots_lock').map((a) => a.dropped)).toEqual([['kvm->srcu']]);
    expect(w.droppedAtCall('demo_inhibit_access_page', 'demo_set_memory_region')).toEqual(['kvm->srcu']);
    expect(w.acquires('demo_drop_late', 'kvm->slots_arch_lock', 'before drop').map((a) => a.dropped)).toEqual([[]]);
    expect(w.acquires('demo_refresh_retry', 'kvm->mmu_lock', 're-taken at label').map((a) => a.dropped)).toEqual([['kvm->mmu_lock']]);
    // the run loop's re-take stands for the caller's srcu: every pass's unlock drops it again
    expect(w.acquires('demo_run_loop', 'kvm->srcu').map((a) => a.dropped)).toEqual([['kvm->srcu']]);
    expect(w.chains('kvm->srcu', 'kvm->slots_lock', 'demo_drop_one_path_caller')).toEqual([['demo_drop_one_path_caller', 'demo_drop_one_path']]);
    expect(w.edge('kvm->srcu', 'kvm->slots_lock').sites.map((s) => s.chain.at(-1)?.line)).toEqual([w.line('demo_drop_one_path', 'fast path')]);
  });
});

describe('same-class nesting through a call', () => {
  it('reported: a plain re-acquisition of the caller\'s class is not hidden behind a _nested one in the same callee', async () => {
    const w = await walkedFor(CALLERS);
    const e = w.edge('vcpu->mutex', 'vcpu->mutex');
    const ends = e.sites.filter((s) => s.function === 'demo_lock_pair_caller').map((s) => s.chain.at(-1)?.line);
    expect(ends.sort()).toEqual([w.line('demo_lock_pair', 'nested inner'), w.line('demo_lock_pair', 'plain inner')].sort());
    expect(e.subclass).toBeUndefined();
  });
});

describe('recursion', () => {
  run([
    {
      name: 'reported: a caller of mutually recursive functions gets their locks',
      fixture: CALLERS,
      fn: 'demo_rec_caller_a',
      edges: ['kvm->lock -> kvm->mmu_lock', 'kvm->lock -> kvm->slots_arch_lock'],
    },
    {
      name: 'reported: a caller entering the recursion at its other function gets the same locks',
      fixture: CALLERS,
      fn: 'demo_rec_caller_b',
      edges: ['vcpu->mutex -> kvm->slots_arch_lock'],
    },
  ]);

  it('ends, and counts the summaries cut by recursion', async () => {
    const w = await walkedFor(CALLERS);
    expect([...w.order().summaries.truncated].sort()).toEqual(['demo_rec_a', 'demo_rec_self']);
    expect(w.chains('vcpu->mutex', 'kvm->slots_arch_lock', 'demo_rec_caller_b')).toEqual([['demo_rec_caller_b', 'demo_rec_b', 'demo_rec_a']]);
  });

  it('gives the same edges whatever order the functions come in', async () => {
    const w = await walkedFor(CALLERS);
    const edges = (fns: typeof w.functions): string[] => [...new Set(observeOrder(fns).edges.map(edgeText))].sort();
    expect(edges([...w.functions].reverse())).toEqual(edges(w.functions));
    expect(edges([...w.functions].reverse())).toEqual(w.edges());
  });
});

describe('static functions of the same name in two files', () => {
  run([
    {
      name: 'reported: the first file\'s caller reaches its own static demo_flush',
      fixture: STATICS,
      fn: 'demo_a_entry',
      edges: ['kvm->lock -> kvm->slots_lock'],
    },
    {
      name: 'reported: the second file\'s caller reaches its own static demo_flush and the first file\'s non-static helper',
      fixture: STATICS,
      fn: 'demo_b_entry',
      edges: ['vcpu->mutex -> kvm->mmu_lock', 'vcpu->mutex -> kvm->mn_invalidate_lock'],
    },
  ]);

  it('puts each file in its own chain', async () => {
    const w = await walkedFor(STATICS);
    const files = (outer: string, inner: string): string[] => w.edge(outer, inner).sites.flatMap((s) => s.chain.map((c) => c.file));
    expect(files('kvm->lock', 'kvm->slots_lock')).toEqual(['fixtures/locks/static-a.c', 'fixtures/locks/static-a.c']);
    expect(files('vcpu->mutex', 'kvm->mn_invalidate_lock')).toEqual(['fixtures/locks/static-b.c', 'fixtures/locks/static-b.c']);
    expect(files('vcpu->mutex', 'kvm->mmu_lock')).toEqual(['fixtures/locks/static-b.c', 'fixtures/locks/static-a.c']);
    expect(w.heldAt('demo_flush', 'kvm->slots_lock', undefined, 'static-a.c')).toEqual([]);
  });
});
