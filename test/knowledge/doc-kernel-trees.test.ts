/**
 * The locking.rst of the Debian 6.1 and 6.12 trees, read by hand:
 * 6.1 has the 2021 SRCU wording and kvm_count_lock; 6.12 has
 * kvm_usage_lock outside cpus_read_lock() and the 2023 SRCU section.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDocumentedOrder } from '../../knowledge/doc/load.js';
import { orderEdges, srcuRules } from '../helpers/order.js';
import { kernelTree } from '../helpers/paths.js';

/**
 * 1-based line of the first line of the tree's locking.rst that contains
 * TEXT: Debian point releases move lines, so expected lines are found by
 * content in the tree under test (issue 8 §8).
 */
function lineOf(tree: string, text: string): number {
  const lines = readFileSync(join(tree, 'Documentation/virt/kvm/locking.rst'), 'utf8').split('\n');
  const idx = lines.findIndex((l) => l.includes(text));
  if (idx < 0) throw new Error(`${tree}: locking.rst has no line with "${text}"`);
  return idx + 1;
}

describe('locking.rst in the Debian kernel trees', () => {
  it('6.12', () => {
    const tree = kernelTree('6.12');
    const order = loadDocumentedOrder({ tree, cwd: '/' });
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
      // vendor_module_lock's :Comment:: "... many operations need to take cpu_hotplug_lock when loading a vendor module".
      'vendor_module_lock -> cpus_read_lock()',
    ]);
    expect(srcuRules(order)).toEqual(['kvm->lock: forbidden', 'kvm->slots_arch_lock: allowed', 'kvm->slots_lock: forbidden', 'vcpu->mutex: forbidden']);
    // The SRCU bullet starts on the line with synchronize_srcu(); its lock list runs onto the next.
    expect(order.srcu.find((r) => r.lock === 'vcpu->mutex')?.line).toBe(lineOf(tree, '``synchronize_srcu(&kvm->srcu)`` is called inside'));
    expect(order.edges.find((e) => e.outer === 'kvm_usage_lock')).toMatchObject({
      line: lineOf(tree, '- kvm_usage_lock is taken outside cpus_read_lock()'),
      arch: null,
      origin: 'order-list',
    });
    expect(order.locks.map((l) => l.name)).toContain('vendor_module_lock');
    expect(order.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('6.1', () => {
    const tree = kernelTree('6.1');
    const order = loadDocumentedOrder({ tree, cwd: '/' });
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
    expect(order.srcu.map((r) => r.line)).toEqual([
      lineOf(tree, '- Unlike kvm->slots_lock, kvm->slots_arch_lock is released before'),
      lineOf(tree, 'synchronize_srcu(&kvm->srcu).  Therefore kvm->slots_arch_lock'),
    ]);
    expect(order.locks.map((l) => l.name)).toContain('kvm_count_lock');
    expect(order.contexts[0]?.forbidden).toEqual(['kvm->slots_lock', 'kvm->slots_arch_lock']);
  });
});
