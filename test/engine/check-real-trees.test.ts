/**
 * kvm-review check on the Debian 6.1 and 6.12 trees. Every finding asserted
 * here was checked by reading the code, and each is a known upstream bug:
 *
 * 6.1  - Xen takes kvm->lock inside a kvm->srcu reader (kvm_xen_set_evtchn()
 *        from vcpu_run()), while synchronize_srcu() runs under kvm->lock: the
 *        Dec 2022 report, fixed by kvm->arch.xen.xen_lock.
 *      - Xen takes kvm->lock under vcpu->mutex (kvm_xen_vcpu_get_attr()).
 *      - arm64 takes kvm->lock under vcpu->mutex when userspace sets a timer
 *        register (update_vtimer_cntvoff()), fixed in 2023 with config_lock.
 *      - riscv's SBI HSM handler, called through its extension table, takes
 *        kvm->lock under vcpu->mutex in KVM_RUN; 6.12 uses mp_state_lock.
 * 6.12 - set_nx_huge_pages() takes kvm->slots_lock inside kvm_lock, closing
 *        the four-lock cycle of the 2025 kvm_lock patch: cpus_read_lock ->
 *        kvm_lock -> slots_lock -> synchronize_srcu, and KVM_RUN taking
 *        cpus_read_lock inside kvm->srcu through static_branch_inc().
 *
 * And the paths that look like problems but are not.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditTree } from '../../analyzers/audit.js';
import type { AuditResult } from '../../analyzers/findings/check-result.js';
import type { Finding } from '../../analyzers/findings/model.js';
import { loadDocumentedOrder } from '../../knowledge/doc/load.js';
import { readFileSync } from 'node:fs';
import { kernelTree } from '../helpers/paths.js';

const cacheDir = mkdtempSync(join(tmpdir(), 'kvm-review-engine-'));

async function check(version: '6.1' | '6.12', arch: string): Promise<AuditResult> {
  const tree = kernelTree(version);
  return auditTree(tree, { arch, doc: loadDocumentedOrder({ tree, cwd: '/' }), cache: { dir: cacheDir } });
}

/** The 1-based line of the tree's locking.rst that holds `text`, found by content (point releases move lines). */
function docLine(version: '6.1' | '6.12', text: RegExp): number {
  const lines = readFileSync(join(kernelTree(version), 'Documentation/virt/kvm/locking.rst'), 'utf8').split('\n');
  const hits = lines.flatMap((l, i) => (text.test(l) ? [i + 1] : []));
  if (hits.length !== 1) throw new Error(`${text} is on ${hits.length} lines of ${version}'s locking.rst`);
  return hits[0] as number;
}

const chains = (f: Finding | undefined): string[] => (f?.sites ?? []).map((s) => s.chain.map((c) => c.function).join(' > '));
const errors = (r: AuditResult): string[] => r.findings.filter((f) => f.severity === 'error').map((f) => `${f.kind} ${f.outer} -> ${f.inner}`).sort();

describe('check on 6.1', () => {
  let x86: AuditResult;
  let arm64: AuditResult;
  beforeAll(async () => {
    x86 = await check('6.1', 'x86');
    arm64 = await check('6.1', 'arm64');
  });

  it('x86: exactly the two Xen bugs at error severity', () => {
    expect(errors(x86)).toEqual(['order-inversion vcpu->mutex -> kvm->lock', 'srcu-violation kvm->srcu -> kvm->lock']);
  });

  it('x86: kvm->lock inside kvm->srcu through kvm_xen_set_evtchn(), with synchronize_srcu() under kvm->lock as evidence', () => {
    const f = x86.findings.find((x) => x.kind === 'srcu-violation');
    expect(chains(f)).toContain('vcpu_run > kvm_inject_pending_timer_irqs > kvm_xen_inject_timer_irqs > kvm_xen_set_evtchn');
    expect(f?.evidence?.agreeing.sites.map((s) => s.function)).toContain('kvm_vm_ioctl_set_msr_filter');
    expect(f?.cycle?.map((l) => [l.outer, l.inner, Boolean(l.sync)])).toEqual([
      ['kvm->srcu', 'kvm->lock', false],
      ['kvm->lock', 'kvm->srcu', true],
    ]);
  });

  it('x86: the inversion quotes the documented rule and shows the Xen chain', () => {
    const f = x86.findings.find((x) => x.kind === 'order-inversion');
    expect(f?.rule).toEqual({ line: docLine('6.1', /^- kvm->lock is taken outside vcpu->mutex$/), text: 'kvm->lock is taken outside vcpu->mutex' });
    expect(chains(f)).toContain('kvm_vcpu_ioctl > kvm_arch_vcpu_ioctl > kvm_xen_vcpu_get_attr');
    expect(f?.arch).toBe('x86');
  });

  it('arm64: kvm->lock under vcpu->mutex when setting a timer register', () => {
    const f = arm64.findings.find((x) => x.kind === 'order-inversion' && x.inner === 'kvm->lock');
    expect(f?.severity).toBe('error');
    expect(chains(f)[0]).toBe('kvm_vcpu_ioctl > kvm_arch_vcpu_ioctl > kvm_arm_set_reg > set_timer_reg > kvm_arm_timer_set_reg > update_vtimer_cntvoff');
  });

  it('reports its figures', () => {
    expect(x86.stats.functions.clean).toBeGreaterThan(3000);
    expect(x86.stats.archs).toEqual(['x86']);
    expect(x86.observed.length).toBeGreaterThan(50);
  });
});

describe('calls through function tables', () => {
  it('6.1 riscv: the SBI HSM handler, reached through sbi_ext->handler, takes kvm->lock under vcpu->mutex', async () => {
    const r = await check('6.1', 'riscv');
    const f = r.findings.find((x) => x.kind === 'order-inversion' && x.inner === 'kvm->lock');
    expect(f?.severity).toBe('error');
    expect(chains(f)[0]).toBe('kvm_vcpu_ioctl > kvm_arch_vcpu_ioctl_run > kvm_riscv_vcpu_exit > kvm_riscv_vcpu_sbi_ecall > kvm_sbi_ext_hsm_handler');
  });

  it('6.12 riscv (fixed with mp_state_lock): no inversion', async () => {
    const r = await check('6.12', 'riscv');
    expect(errors(r)).toEqual([]);
  });

  it('6.12 x86: chains continue into vendor code through kvm_x86_call(), and the sites say so', async () => {
    const r = await check('6.12', 'x86');
    // (It used to look for svm_set_msr/vmx_set_msr: the only such chains were the impossible INIT-reset and cross-vendor ones.)
    const through = r.observed.flatMap((o) => o.sites).filter((s) => s.confidence?.indirect.some((slot) => slot.startsWith('kvm_x86_ops.')));
    const vendors = new Set(through.flatMap((s) => s.chain.map((c) => /^arch\/x86\/kvm\/(vmx|svm)\//.exec(c.file)?.[1]).filter((v) => v !== undefined)));
    expect([...vendors].sort()).toEqual(['svm', 'vmx']);
  });
});

describe('check on 6.12', () => {
  let x86: AuditResult;
  let arm64: AuditResult;
  beforeAll(async () => {
    x86 = await check('6.12', 'x86');
    arm64 = await check('6.12', 'arm64');
  });

  it('x86: the Xen bugs are gone (xen_lock), the set_nx_huge_pages() cycle is the one error', () => {
    expect(errors(x86)).toEqual(['cycle cpus_read_lock() -> kvm_lock']);
  });

  it('x86: the cycle is shown link by link, documented and observed', () => {
    const f = x86.findings.find((x) => x.kind === 'cycle');
    expect(f?.cycle?.map((l) => `${l.outer} -> ${l.inner} ${l.source}${l.sync ? ' sync' : ''}`)).toEqual([
      'cpus_read_lock() -> kvm_lock documented',
      'kvm_lock -> kvm->slots_lock observed',
      'kvm->slots_lock -> kvm->srcu observed sync',
      'kvm->srcu -> cpus_read_lock() observed',
    ]);
    expect(f?.cycle?.[1]?.site?.function).toBe('set_nx_huge_pages');
    expect(f?.cycle?.[0]?.rule?.line).toBe(docLine('6.12', /^- cpus_read_lock\(\) is taken outside kvm_lock$/));
  });

  it('x86: KVM_RUN takes cpus_read_lock() inside kvm->srcu through static_branch_inc()', () => {
    const edge = x86.observed.find((o) => o.outer === 'kvm->srcu' && o.inner === 'cpus_read_lock()');
    expect(edge?.sites.map((s) => s.chain.map((c) => c.function).join(' > '))).toContain(
      'kvm_arch_vcpu_ioctl_run > sync_regs > kvm_run_sync_regs_from_user > __set_sregs > __set_sregs_common > kvm_apic_set_base > __kvm_apic_set_base > static_branch_inc',
    );
  });

  it('x86 (not a problem): kvm_inhibit_apic_access_page() drops the vCPU\'s SRCU lock before taking slots_lock', () => {
    const srcuSlots = x86.observed.find((o) => o.outer === 'kvm->srcu' && o.inner === 'kvm->slots_lock');
    expect(srcuSlots).toBeUndefined();
    expect(x86.findings.filter((f) => f.kind === 'srcu-violation')).toEqual([]);
  });

  it('arm64 (not a problem): vgic_queue_irq_unlock() drops the caller\'s irq_lock before ap_list_lock', () => {
    expect(arm64.findings.filter((f) => f.kind === 'cycle')).toEqual([]);
    expect(arm64.observed.find((o) => o.outer === 'vgic_irq->irq_lock' && o.inner === 'vcpu->arch.vgic_cpu.ap_list_lock')).toBeUndefined();
  });

  it('arm64 (infeasible path): config_lock inside a reader ten calls deep, through the timer, is gone by the timer/vgic invariant', () => {
    // kvm_handle_guest_abort() ... kvm_timer_update_irq() > kvm_vgic_inject_irq() > vgic_lazy_init(): the timer is enabled, so the vgic is initialised.
    const f = arm64.findings.find((x) => x.kind === 'srcu-violation' && x.inner === 'kvm->arch.config_lock');
    expect(f).toBeUndefined();
    expect(arm64.stats.invariants.map((i) => i.id)).toEqual(['arm64-timer-vgic-initialised']);
    expect(errors(arm64)).toEqual([]);
  });

  it('a warm run reads every file from the cache', async () => {
    const again = await check('6.12', 'x86');
    expect(again.stats.cache.misses).toBe(0);
    expect(again.stats.cache.hits).toBe(again.stats.files);
    expect(errors(again)).toEqual(errors(x86));
  });
});
