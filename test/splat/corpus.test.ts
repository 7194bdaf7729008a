/**
 * The eight lore threads with real lockdep reports, placed on the 6.1 and
 * 6.12 trees: every report read once, every dependency of its chain
 * accounted for (placed on a site, or "not placed" with the reason), and
 * the ones whose code is in the tree placed on sites and on the tree's own
 * locking.rst (rules found by their text, never by a line number).
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlacedReport } from '../../analyzers/splat/model.js';
import { mapLockdepClass } from '../../analyzers/splat/classes.js';
import { knownClasses, type PlaceContext } from '../../analyzers/splat/place.js';
import { readReports } from '../../analyzers/splat/read.js';
import { placeContext, placeReports } from '../../analyzers/splat/splat.js';
import { loadEmbeddedOrder } from '../../knowledge/doc/embedded.js';
import { loadDocumentedOrder } from '../../knowledge/doc/load.js';
import { kernelTree, SHARED } from '../helpers/paths.js';

const LORE = join(SHARED, 'corpus', 'lore');
const THREADS = {
  inversion: 'kvm/arm64-vcpu-mutex-kvm-lock-inversion-v3.mbx',
  usage: 'kvm/kvm-usage-lock-deadlock-2024.mbx',
  sev: 'kvm/sev-nested-vcpu-mutex-lockdep.mbx',
  depth: 'kvmarm/arm64-spe-memslot-lock-rfc-v4.mbx',
  vgic: 'kvmarm/arm64-vgic-v4-residency-lockdep.mbx',
  initV1: 'kvmarm/kvm-init-rework-v1.mbx',
  initV2: 'kvmarm/kvm-init-rework-v2.mbx',
  notifier: 'kvmarm/mmu-notifier-consolidate-v2.mbx',
} as const;
type Thread = keyof typeof THREADS;

const cache = { dir: mkdtempSync(join(tmpdir(), 'kvm-review-splat-')) };
const contexts = new Map<string, PlaceContext>();

async function placed(thread: Thread, version: '6.1' | '6.12'): Promise<PlacedReport[]> {
  const tree = kernelTree(version);
  const ctx = contexts.get(version) as PlaceContext;
  const reports = await readReports(join(LORE, THREADS[thread]));
  return (await placeReports(reports, ctx, { tree })).reports;
}

/** 1-based line of the first line of the tree's locking.rst that contains `text`. */
function docLine(version: '6.1' | '6.12', text: string): number {
  const lines = readFileSync(join(kernelTree(version), 'Documentation/virt/kvm/locking.rst'), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`no "${text}" in ${version} locking.rst`);
  return i + 1;
}

beforeAll(async () => {
  for (const v of ['6.1', '6.12'] as const) {
    const tree = kernelTree(v);
    contexts.set(v, await placeContext(tree, loadDocumentedOrder({ tree, cwd: tree }), cache));
  }
});

describe.each(['6.1', '6.12'] as const)('the corpus reports on %s', (version) => {
  it.each(Object.keys(THREADS) as Thread[])('%s: one report, every chain edge accounted for', async (thread) => {
    const reports = await placed(thread, version);
    expect(reports).toHaveLength(1);
    const r = reports[0] as PlacedReport;
    const chain = r.report.chain.map((c) => c.n).sort((a, b) => a - b);
    if (r.kind === 'circular') expect(r.edges.map((e) => e.n)).toEqual(chain.length ? chain : [0]);
    if (r.kind === 'recursive') expect(r.edges).toHaveLength(1);
    if (r.kind === 'max-lock-depth') expect(r.edges.length).toBeGreaterThan(0);
    for (const e of r.edges) {
      expect(e.reason.length).toBeGreaterThan(10);
      if (!e.site) expect(e.reason).toMatch(/^not placed: /);
      expect(e.outer === null || e.inner === null ? e.reason : 'mapped').toMatch(/mapped|no class here/);
    }
    // Every class the report names, the held-locks list included.
    const named = new Set([r.report.acquiring?.lockdep, r.report.held?.lockdep, ...r.report.chain.map((c) => c.lockdep), ...r.report.heldLocks.map((l) => l.lockdep)].filter(Boolean));
    expect(new Set(r.locks.map((l) => l.lockdep))).toEqual(named);
    for (const l of r.locks) if (!l.class) expect(l.reason).toMatch(/^no class here/);
  });
});

describe('reports whose code is in the trees', () => {
  it.each(['initV1', 'initV2'] as const)('%s: the cpu_hotplug_lock / kvm_lock cycle breaks "cpus_read_lock() is taken outside kvm_lock" (6.12)', async (thread) => {
    const [r] = await placed(thread, '6.12');
    const line = docLine('6.12', 'cpus_read_lock() is taken outside kvm_lock');
    expect(r?.edges.map((e) => [e.n, e.outer, e.inner])).toEqual([
      [0, 'cpus_read_lock()', 'kvm_lock'],
      [1, 'kvm_lock', 'cpus_read_lock()'],
    ]);
    expect(r?.edges[0]?.rule).toEqual({ line, text: expect.stringContaining('cpus_read_lock() is taken outside kvm_lock'), verdict: 'follows' });
    expect(r?.edges[1]?.rule).toEqual({ line, text: expect.stringContaining('cpus_read_lock() is taken outside kvm_lock'), verdict: 'breaks' });
    expect(r?.wrongEdge).toBe(1);
    expect(r?.edges[1]?.wrong).toBe(true);
    // 6.12 took the vendor init out from under kvm_lock: the same stack takes cpus_read_lock() under vendor_module_lock.
    expect(r?.edges[1]?.functions.map((f) => f.function)).toEqual(expect.arrayContaining(['kvm_x86_vendor_init']));
    expect(r?.edges[1]?.reason).toMatch(/kvm_x86_vendor_init\(\).*under vendor_module_lock instead/);
  });

  it('kvm-init rework on 6.1: hardware_enable_all() is in the tree; kvm_lock is a leaf there', async () => {
    const [r] = await placed('initV1', '6.1');
    expect(r?.edges[0]?.functions).toEqual(expect.arrayContaining([{ function: 'hardware_enable_all', file: 'virt/kvm/kvm_main.c' }]));
    expect(r?.edges[1]?.rule?.verdict).toBe('breaks');
    expect(r?.edges[1]?.rule?.line).toBe(docLine('6.1', 'Everything else is a leaf'));
  });

  it.each(['6.1', '6.12'] as const)('kvm_usage_count deadlock (2024) on %s: the four dependencies, set_nx_huge_pages() placed, kvm_lock -> slots_lock wrong', async (version) => {
    const [r] = await placed('usage', version);
    expect(r?.edges.map((e) => [e.n, e.outer, e.inner, e.op])).toEqual([
      [0, 'kvm_lock', 'kvm->slots_lock', 'acquire'],
      [1, 'kvm->slots_lock', 'kvm->srcu', 'sync'],
      [2, 'kvm->srcu', 'cpus_read_lock()', 'acquire'],
      [3, 'cpus_read_lock()', 'kvm_lock', 'acquire'],
    ]);
    const [e0, e1, e2] = r?.edges ?? [];
    expect(e0?.site).toEqual(expect.objectContaining({ function: 'set_nx_huge_pages', file: 'arch/x86/kvm/mmu/mmu.c' }));
    expect(e0?.notInTree).toEqual(expect.arrayContaining(['param_attr_store']));
    expect(e1?.site?.chain.length).toBeGreaterThan(0);
    expect(e1?.rule?.verdict).toBe('follows');
    expect(e1?.rule?.line).toBe(docLine(version, version === '6.1' ? 'kvm->slots_arch_lock is released before' : 'synchronize_srcu(&kvm->srcu)``'));
    expect(e2?.site?.chain.at(-1)?.function).toMatch(/static_branch_inc/);
    expect(r?.wrongEdge).toBe(0);
    expect(e0?.rule).toEqual({ line: docLine(version, 'Everything else is a leaf'), text: expect.stringContaining('leaf'), verdict: 'breaks' });
    if (version === '6.12') expect(r?.edges[3]?.rule).toEqual(expect.objectContaining({ line: docLine('6.12', 'cpus_read_lock() is taken outside kvm_lock'), verdict: 'follows' }));
  });

  it.each(['6.1', '6.12'] as const)('arm64 vcpu->mutex / kvm->lock inversion on %s: a report cut after its locks still names the wrong edge', async (version) => {
    const [r] = await placed('inversion', version);
    expect(r?.locks).toEqual(expect.arrayContaining([expect.objectContaining({ lockdep: '&host_kvm->lock', class: 'kvm->lock' })]));
    expect(r?.edges).toHaveLength(1);
    expect(r?.edges[0]).toEqual(
      expect.objectContaining({ outer: 'vcpu->mutex', inner: 'kvm->lock', wrong: true, rule: { line: docLine(version, 'kvm->lock is taken outside vcpu->mutex'), text: 'kvm->lock is taken outside vcpu->mutex', verdict: 'breaks' } }),
    );
    expect(r?.edges[0]?.functions.map((f) => f.function)).toEqual(expect.arrayContaining(['kvm_reset_vcpu', 'kvm_vcpu_ioctl']));
    expect(r?.arch).toBe('arm64');
  });

  it.each(['6.1', '6.12'] as const)('SEV migration recursive locking on %s: one self-edge placed in sev_lock_vcpus_for_migration(), subclass /1 mapped', async (version) => {
    const [r] = await placed('sev', version);
    expect(r?.kind).toBe('recursive');
    expect(r?.edges[0]).toEqual(expect.objectContaining({ outer: 'vcpu->mutex', inner: 'vcpu->mutex', rule: null, wrong: false }));
    expect(r?.edges[0]?.site?.function).toBe('sev_lock_vcpus_for_migration');
    expect(r?.locks).toEqual(expect.arrayContaining([{ lockdep: '&kvm->lock/1', class: 'kvm->lock', reason: expect.stringContaining('subclass 1'), subclass: 1 }]));
  });

  it.each(['6.1', '6.12'] as const)('SEV migration recursive locking on %s: vcpu->mutex is a mutex by the tree, two vCPUs\' mutexes, already taken with a _nested() call there', async (version) => {
    const [r] = await placed('sev', version);
    expect(r?.nesting?.primitive).toBe('mutex');
    // The code says it: the report's {3:3} alone is a sleeping lock or a spinlock_t, and its mail cut the stack.
    expect(r?.nesting?.evidence).toEqual([expect.stringMatching(/^the tree takes vcpu->mutex as a mutex in \w+\(\) \(\S+:\d+\)$/)]);
    expect(r?.nesting?.advice).toMatch(/^The two lock lines print different addresses \(ffff8d67703f81f8 held, ffff8d672d484238 being taken\): two instances of one class\./);
    // Both trees carry the patch's annotation: the answer says so instead of asking for mutex_lock_nested() (annotated.test.ts has the rest).
    expect(r?.nesting?.advice).toContain('sev_lock_vcpus_for_migration() already takes vcpu->mutex with mutex_lock_killable_nested(');
    expect(r?.nesting?.advice).not.toContain('take the inner one with mutex_lock_nested');
  });

  it('SEV migration recursive locking without a tree: {3:3} and a cut stack do not say mutex or spinlock_t, and the answer says so', async () => {
    const reports = await readReports(join(LORE, THREADS.sev));
    const { reports: [r] } = await placeReports(reports, { doc: loadEmbeddedOrder(), functions: null, observed: [] }, { tree: null });
    expect(r?.nesting?.primitive).toBeNull();
    expect(r?.nesting?.advice).toMatch(/cannot tell what kind of lock vcpu->mutex is: the report's stack shows no lock primitive frame and no kernel tree was given/);
    expect(r?.nesting?.advice).toMatch(/It could be a mutex, a spinlock_t, an rwlock_t/);
  });

  it('MAX_LOCK_DEPTH on 6.12: the held-locks list gives kvm->lock -> vcpu->mutex, which follows the document', async () => {
    const [r] = await placed('depth', '6.12');
    expect(r?.edges.map((e) => [e.outer, e.inner])).toEqual([
      ['kvm->lock', 'vcpu->mutex'],
      ['vcpu->mutex', 'vcpu->mutex'],
    ]);
    expect(r?.edges[0]?.rule).toEqual(expect.objectContaining({ verdict: 'follows', line: docLine('6.12', 'kvm->lock is taken outside vcpu->mutex') }));
    expect(r?.edges[0]?.functions.map((f) => f.function)).toEqual(expect.arrayContaining(['lock_all_vcpus']));
  });

  it('scheduler and MMU-notifier reports: their classes are not KVM locks here, and the edges say so', async () => {
    const [vgic] = await placed('vgic', '6.12');
    expect(vgic?.locks.filter((l) => l.class === null).map((l) => l.lockdep)).toEqual(expect.arrayContaining(['&rq->lock', '&p->pi_lock', '(console_sem).lock', '&irq_desc_lock_class']));
    expect(vgic?.locks.find((l) => l.lockdep === '&vcpu->mutex')?.class).toBe('vcpu->mutex');
    expect(vgic?.edges[0]?.functions.map((f) => f.function)).toEqual(expect.arrayContaining(['vgic_v4_put', 'kvm_vcpu_ioctl']));
    const [mn] = await placed('notifier', '6.12');
    expect(mn?.locks.find((l) => l.lockdep === '&kvm->mmu_notifier_slots_lock')).toEqual(expect.objectContaining({ class: null, reason: expect.stringMatching(/^no class here/) }));
    expect(mn?.locks.find((l) => l.lockdep === '&mm->mmap_lock#2')?.class).toBe('mm->mmap_lock');
    for (const e of mn?.edges ?? []) expect(e.reason).toMatch(/^not placed: .*no class here/);
  });
});

describe('lockdep names of the 6.12 tree\'s own init sites', () => {
  /** The argument of the first `<init>(&...)` in FILE of the tree: the name lockdep gives that lock. */
  function initName(file: string, init: RegExp): string {
    const text = readFileSync(join(kernelTree('6.12'), file), 'utf8');
    const m = new RegExp(`${init.source}\\((&[^;]*?)\\);`).exec(text);
    if (!m?.[1]) throw new Error(`no ${init.source}() in ${file}`);
    return m[1];
  }

  it.each([
    ['arch/x86/kvm/hyperv.c', /mutex_init/, 'hv->hv_lock', 'kvm->arch.hyperv.hv_lock'],
    ['arch/x86/kvm/vmx/posted_intr.c', /raw_spin_lock_init/, 'per_cpu', 'wakeup_vcpus_on_cpu_lock'],
    ['arch/x86/kvm/ioapic.c', /spin_lock_init/, 'ioapic->lock', 'kvm_ioapic->lock'],
    ['arch/arm64/kvm/vgic/vgic-init.c', /raw_spin_lock_init/, 'irq->irq_lock', 'vgic_irq->irq_lock'],
    ['virt/kvm/pfncache.c', /rwlock_init/, 'gpc->lock', 'gfn_to_pfn_cache->lock'],
  ])('%s: the lock its %s() names is a class of the tree', (file, init, expected, cls) => {
    const ctx = contexts.get('6.12') as PlaceContext;
    const known = knownClasses(ctx);
    expect(known.has(cls)).toBe(true);
    const name = initName(file, init);
    expect(name).toContain(expected);
    expect(mapLockdepClass(name, known)).toEqual(expect.objectContaining({ lockdep: name, class: cls }));
  });

  it.each([
    ['arch/x86/kvm/mmu/tdp_mmu.c', /spin_lock_init/, 'kvm->arch.tdp_mmu_pages_lock'],
    ['arch/arm64/kvm/vgic/vgic-init.c', /raw_spin_lock_init/, 'vgic_irq->irq_lock'],
  ])('%s: older kernels name its spinlock by the raw lock inside, &(&x)->rlock', (file, init, cls) => {
    const known = knownClasses(contexts.get('6.12') as PlaceContext);
    const old = `&(${initName(file, init)})->rlock`;
    expect(mapLockdepClass(old, known)).toEqual(expect.objectContaining({ lockdep: old, class: cls, reason: expect.stringContaining('older kernels name the rlock inside') }));
  });
});
