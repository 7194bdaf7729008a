/**
 * The observed order of the Debian 6.1 and 6.12 trees (x86), against a list
 * of edges checked by hand in the source (issue 10 §4). Lines are found by
 * content in the tree under test, never by number.
 *
 * Impossible, and gone or kept apart as conditional:
 * - sev_vm_move_enc_context_from() holds kvm->lock and every vcpu->mutex
 *   around kvm_put_kvm(src_kvm); the source VM's file still owns a
 *   reference, so kvm_destroy_vm() cannot run there (its comment says so):
 *   gone, knowledge/refcount-puts.ts names that put.
 * - kvm_apic_accept_events() calls kvm_vcpu_reset(vcpu, true): the
 *   `if (!init_event) { ... }` blocks of kvm_vcpu_reset() never run there.
 * - a chain in VMX code that calls through kvm_x86_ops continues in VMX
 *   code (vmx_vcpu_free() ... kvm_set_msr() reached svm_set_msr()).
 * - kvm_swap_active_memslots() drops kvm->slots_arch_lock, which
 *   kvm_invalidate_memslot() then takes again: not nesting.
 *
 * Real, and kept at full confidence:
 * - vcpu->mutex -> kvm->mn_invalidate_lock and -> kvm->slots_arch_lock:
 *   KVM_RUN deletes the APIC access page memslot
 *   (kvm_inhibit_apic_access_page()), 6.12;
 * - vcpu->mutex -> kvm->arch.tsc_write_lock: kvm_arch_vcpu_postcreate()
 *   takes vcpu->mutex and calls kvm_synchronize_tsc();
 * - kvm_lock -> kvm->arch.tdp_mmu_pages_lock: set_nx_huge_pages() zaps
 *   every VM's roots under kvm_lock, and the last put of a root takes it.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditTree } from '../../analyzers/audit.js';
import type { CheckResult, ObservedSummary } from '../../analyzers/findings/check-result.js';
import type { FindingSite } from '../../analyzers/findings/model.js';
import { loadDocumentedOrder } from '../../knowledge/doc/load.js';
import { kernelTree } from '../helpers/paths.js';

const cacheDir = mkdtempSync(join(tmpdir(), 'kvm-review-hand-checked-'));

const names = (s: FindingSite): string[] => s.chain.map((c) => c.function);
const chainText = (s: FindingSite): string => names(s).join(' > ');
const allSites = (r: CheckResult): FindingSite[] => r.observed.flatMap((o) => o.sites);
const observed = (r: CheckResult, outer: string, inner: string): ObservedSummary | undefined =>
  r.observed.find((o) => o.outer === outer && o.inner === inner && o.innerOp === 'acquire');

/** 1-based lines of `file` in `tree` whose text matches `re`. */
function linesMatching(tree: string, file: string, re: RegExp): number[] {
  return readFileSync(join(tree, file), 'utf8').split('\n').flatMap((l, i) => (re.test(l) ? [i + 1] : []));
}

/** Line ranges of the `\tif (!init_event) {` blocks of kvm_vcpu_reset() in x86.c, found by content. */
function coldResetBlocks(tree: string): [number, number][] {
  const lines = readFileSync(join(tree, 'arch/x86/kvm/x86.c'), 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith('void kvm_vcpu_reset('));
  const out: [number, number][] = [];
  let open = -1;
  for (let i = start + 1; i < lines.length && lines[i] !== '}'; i++) {
    if (lines[i] === '\tif (!init_event) {') open = i;
    else if (open >= 0 && lines[i] === '\t}') {
      out.push([open + 1, i + 1]);
      open = -1;
    }
  }
  return out;
}

describe.each(['6.1', '6.12'] as const)('Linux %s x86: the observed order', (version) => {
  const tree = kernelTree(version);
  let r: CheckResult;
  beforeAll(async () => {
    r = await auditTree(tree, { arch: 'x86', doc: loadDocumentedOrder({ tree, cwd: '/' }), cache: { dir: cacheDir } });
  });

  it('impossible: nothing goes through sev_migrate_from()\'s kvm_put_kvm() into kvm_destroy_vm(), and the output says what was relied on', () => {
    expect(allSites(r).filter((s) => chainText(s).includes('sev_migrate_from > kvm_put_kvm > kvm_destroy_vm')).map(chainText)).toEqual([]);
    expect(r.stats.invariants).toEqual([expect.objectContaining({ id: 'sev-migrate-source-file-reference', sitesLeftOut: expect.any(Number) })]);
    expect(r.stats.invariants[0]?.sitesLeftOut).toBeGreaterThan(0);
    // Any other put the knowledge does not name stays conditional.
    const through = allSites(r).filter((s) => chainText(s).includes('kvm_put_kvm > kvm_destroy_vm'));
    expect(through.filter((s) => s.confidence?.level !== 'conditional').map(chainText)).toEqual([]);
  });

  it('impossible: the locks sev_vm_move_enc_context_from() reached only through the put are not observed', () => {
    // Checked: every site of these edges in the tree went through kvm_put_kvm(src_kvm).
    const putOnly = version === '6.12'
      ? [['kvm->lock', 'kvm_lock'], ['kvm->lock', 'kvm_usage_lock'], ['vcpu->mutex', 'kvm_lock'], ['vcpu->mutex', 'kvm_usage_lock'], ['kvm->lock', 'kvm->slots_arch_lock']]
      : [['kvm->lock', 'kvm->slots_arch_lock'], ['vcpu->mutex', 'kvm->slots_arch_lock'], ['kvm->lock', 'kvm->arch.tdp_mmu_pages_lock']];
    for (const [outer = '', inner = ''] of putOnly) {
      expect({ edge: `${outer} -> ${inner}`, observed: observed(r, outer, inner) !== undefined }).toEqual({ edge: `${outer} -> ${inner}`, observed: false });
    }
  });

  it('impossible: nothing is reached through the `if (!init_event)` blocks of kvm_vcpu_reset(vcpu, true)', () => {
    const blocks = coldResetBlocks(tree);
    expect(blocks.length).toBeGreaterThan(0);
    const initCalls = new Set(linesMatching(tree, 'arch/x86/kvm/lapic.c', /kvm_vcpu_reset\(vcpu, true\)/));
    expect(initCalls.size).toBe(1);
    const bad = allSites(r).filter((s) =>
      s.chain.some((step, i) => {
        const prev = s.chain[i - 1];
        const fromInit = prev?.file === 'arch/x86/kvm/lapic.c' && initCalls.has(prev.line) && step.function === 'kvm_vcpu_reset';
        return fromInit && blocks.some(([a, b]) => step.line > a && step.line < b);
      }),
    );
    expect(bad.map(chainText)).toEqual([]);
    // The INIT path itself stays: what kvm_vcpu_reset(vcpu, true) does outside those blocks (kvm_lapic_reset()).
    const init = allSites(r).filter((s) => s.chain.some((step, i) => step.function === 'kvm_vcpu_reset' && initCalls.has(s.chain[i - 1]?.line ?? 0)));
    expect(init.length).toBeGreaterThan(0);
  });

  it('impossible: no chain crosses from VMX code into SVM code or back', () => {
    const vendor = (file: string): string | undefined => /^arch\/x86\/kvm\/(vmx|svm)\//.exec(file)?.[1];
    const crossing = allSites(r).filter((s) => new Set(s.chain.map((c) => vendor(c.file)).filter((v) => v !== undefined)).size > 1);
    expect(crossing.map(chainText)).toEqual([]);
    // Chains still go from generic code into both vendors through the table.
    const into = new Set(allSites(r).flatMap((s) => s.chain.map((c) => vendor(c.file))).filter((v) => v !== undefined));
    expect([...into].sort()).toEqual(['svm', 'vmx']);
  });

  it('impossible: re-taking kvm->slots_arch_lock after kvm_swap_active_memslots() released it is no self-nesting', () => {
    expect(observed(r, 'kvm->slots_arch_lock', 'kvm->slots_arch_lock')).toBeUndefined();
  });

  it('real: vcpu->mutex -> kvm->arch.tsc_write_lock through kvm_arch_vcpu_postcreate()', () => {
    const e = observed(r, 'vcpu->mutex', 'kvm->arch.tsc_write_lock');
    const site = e?.sites.find((s) => s.function === 'kvm_arch_vcpu_postcreate');
    expect(site && names(site)).toEqual(['kvm_arch_vcpu_postcreate', 'kvm_synchronize_tsc']);
    expect(site?.confidence?.level).toBe('full');
  });

  it('real: kvm_lock -> kvm->arch.tdp_mmu_pages_lock through set_nx_huge_pages()', () => {
    const e = observed(r, 'kvm_lock', 'kvm->arch.tdp_mmu_pages_lock');
    const site = e?.sites.find((s) => s.function === 'set_nx_huge_pages');
    expect(site && names(site)).toContain('kvm_tdp_mmu_put_root');
    expect(e?.confidence).toBe('full');
  });

  it('real: kvm->srcu -> vmx_vpid_lock through a nested VMX exit handler, one nested_vmx_hardware_setup() stores into the table at run time', () => {
    const e = observed(r, 'kvm->srcu', 'vmx_vpid_lock');
    const site = e?.sites.find((s) => names(s).includes('handle_vmxoff'));
    expect(site && names(site).slice(-4)).toEqual(['__vmx_handle_exit', 'handle_vmxoff', 'free_nested', 'free_vpid']);
    expect(site?.chain.find((c) => c.function === 'handle_vmxoff')?.file).toBe('arch/x86/kvm/vmx/nested.c');
  });

  if (version === '6.1') {
    it("real: kvm_page_track_notifier_head->track_srcu -> kvm->mmu_lock through the page-track notifier kvm_mmu_init_vm() gives kvm_mmu_pte_write() (node->track_write)", () => {
      const e = observed(r, 'kvm_page_track_notifier_head->track_srcu', 'kvm->mmu_lock');
      expect(e?.sites.map(chainText)).toContain('kvm_page_track_write > kvm_mmu_pte_write');
    });
  }

  if (version === '6.12') {
    it('real: vcpu->mutex -> kvm->mn_invalidate_lock through kvm_inhibit_apic_access_page()', () => {
      const e = observed(r, 'vcpu->mutex', 'kvm->mn_invalidate_lock');
      const site = e?.sites.find((s) => names(s).includes('kvm_inhibit_apic_access_page'));
      expect(site && names(site).at(-1)).toBe('kvm_swap_active_memslots');
      expect(site?.confidence?.level).toBe('full');
      expect(e?.confidence).toBe('full');
    });

    it('real: vcpu->mutex -> kvm->slots_arch_lock through the same memslot deletion (and not through the impossible put)', () => {
      const e = observed(r, 'vcpu->mutex', 'kvm->slots_arch_lock');
      const site = e?.sites.find((s) => names(s).includes('kvm_inhibit_apic_access_page'));
      expect(site && names(site).at(-1)).toBe('kvm_set_memslot');
      expect(site?.confidence?.level).toBe('full');
      expect(e?.sites.filter((s) => names(s).includes('kvm_put_kvm')).map(chainText)).toEqual([]);
    });
  }
});

/*
 * arm64, an invariant (knowledge/invariants.ts): kvm_timer_update_irq() is
 * reached only with the timer enabled (kvm_timer_vcpu_load() and
 * kvm_timer_vcpu_reset() test timer->enabled first), and kvm_timer_enable()
 * runs only once the vgic is initialised, so vgic_lazy_init()'s
 * `if (!vgic_initialized(kvm))` branch, which takes kvm->arch.config_lock,
 * is dead below it. The PMU's kvm_vgic_inject_irq() has no such guarantee
 * here and keeps its chain.
 */
describe.each(['6.1', '6.12'] as const)('Linux %s arm64: the timer/vgic invariant', (version) => {
  const tree = kernelTree(version);
  let r: CheckResult;
  beforeAll(async () => {
    r = await auditTree(tree, { arch: 'arm64', doc: loadDocumentedOrder({ tree, cwd: '/' }), cache: { dir: cacheDir } });
  });

  it('impossible: no chain enters vgic_lazy_init() below kvm_timer_update_irq(), and the output says the invariant removed sites', () => {
    const through = allSites(r).filter((s) => /kvm_timer_update_irq > .*vgic_lazy_init/.test(chainText(s)));
    expect(through.map(chainText)).toEqual([]);
    expect(r.stats.invariants).toEqual([expect.objectContaining({ id: 'arm64-timer-vgic-initialised', sitesLeftOut: expect.any(Number) })]);
    expect(r.stats.invariants[0]?.sitesLeftOut).toBeGreaterThan(0);
  });

  it('real: vgic_lazy_init() still takes kvm->arch.config_lock where no invariant covers the path', () => {
    const lazy = allSites(r).filter((s) => names(s).includes('vgic_lazy_init') && !names(s).includes('kvm_timer_update_irq'));
    expect(lazy.length).toBeGreaterThan(0);
  });
});
