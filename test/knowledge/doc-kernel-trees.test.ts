/**
 * The locking.rst of the Debian 6.1 and 6.12 trees, read by hand:
 * 6.1 has the 2021 SRCU wording and kvm_count_lock; 6.12 has
 * kvm_usage_lock outside cpus_read_lock() and the 2023 SRCU section.
 */
import { describe, expect, it } from '@jest/globals';
import { loadDocumentedOrder } from '../../knowledge/doc/load.js';
import { orderEdges, srcuRules } from '../helpers/order.js';
import { kernelTree } from '../helpers/paths.js';

describe('locking.rst in the Debian kernel trees', () => {
  it('6.12', () => {
    const order = loadDocumentedOrder({ tree: kernelTree('6.12'), cwd: '/' });
    expect(order.source.kind).toBe('tree');
    expect(order.unrecognized).toEqual([]);
    expect(orderEdges(order)).toEqual([
      'cpus_read_lock() -> kvm_lock',
      'kvm->lock -> kvm->irq_lock',
      'kvm->lock -> kvm->slots_lock',
      'kvm->lock -> vcpu->mutex',
      'kvm->mmu_lock -> kvm->arch.mmu_unsync_pages_lock @x86',
      'kvm->mmu_lock -> kvm->arch.tdp_mmu_pages_lock @x86',
      'kvm->slots_lock -> kvm->irq_lock',
      'kvm_usage_lock -> cpus_read_lock()',
      'vcpu->mutex -> kvm->arch.hyperv.hv_lock @x86',
      'vcpu->mutex -> kvm->arch.xen.xen_lock @x86',
    ]);
    expect(srcuRules(order)).toEqual(['kvm->lock: forbidden', 'kvm->slots_arch_lock: allowed', 'kvm->slots_lock: forbidden', 'vcpu->mutex: forbidden']);
    expect(order.srcu.find((r) => r.lock === 'vcpu->mutex')?.line).toBe(38);
    expect(order.edges.find((e) => e.outer === 'kvm_usage_lock')).toMatchObject({ line: 14, arch: null, origin: 'order-list' });
    expect(order.locks.map((l) => l.name)).toContain('vendor_module_lock');
    expect(order.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('6.1', () => {
    const order = loadDocumentedOrder({ tree: kernelTree('6.1'), cwd: '/' });
    expect(order.unrecognized).toEqual([]);
    expect(orderEdges(order)).toEqual([
      'kvm->lock -> kvm->irq_lock',
      'kvm->lock -> kvm->slots_lock',
      'kvm->lock -> vcpu->mutex',
      'kvm->mmu_lock -> kvm->arch.mmu_unsync_pages_lock @x86',
      'kvm->mmu_lock -> kvm->arch.tdp_mmu_pages_lock @x86',
      'kvm->slots_lock -> kvm->irq_lock',
      'vcpu->mutex -> kvm->arch.hyperv.hv_lock @x86',
    ]);
    expect(srcuRules(order)).toEqual(['kvm->slots_arch_lock: allowed', 'kvm->slots_lock: forbidden']);
    expect(order.srcu.map((r) => r.line)).toEqual([19, 20]);
    expect(order.locks.map((l) => l.name)).toContain('kvm_count_lock');
    expect(order.contexts[0]?.forbidden).toEqual(['kvm->slots_lock', 'kvm->slots_arch_lock']);
  });
});
