/**
 * `doc --propose` checks a rule for a cycle one architecture at a time, as
 * check's cycle rule does: an x86 rule and an arm64 rule are never in one
 * build, so never in one cycle; a cycle within one architecture still
 * refuses the rule, and the refusal says which architecture has it.
 */
import { describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDocumentedOrder } from '../../knowledge/doc/load.js';
import { proposalCycle } from '../../knowledge/doc/propose.js';
import { kernelTree } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { added, after } from './doc-lines.js';

const tmp = mkdtempSync(join(tmpdir(), 'kvm-review-propose-arch-'));
const cache = join(tmp, 'cache');
const DOC = 'Documentation/virt/kvm/locking.rst';

describe('doc --propose checks for a cycle one architecture at a time', () => {
  /** 6.12's locking.rst with "kvm->arch.mmu_lock is taken outside kvm->irq_lock" on x86 and "kvm->irq_lock is taken outside vcpu->mutex" on `irqArch`. */
  function edited(irqArch: 'x86' | 'arm64'): string {
    const lines = readFileSync(join(kernelTree('6.12'), DOC), 'utf8').split('\n');
    after(lines, 'On x86:', '', '- kvm->arch.mmu_lock is taken outside kvm->irq_lock');
    if (irqArch === 'x86') after(lines, 'On x86:', '', '- kvm->irq_lock is taken outside vcpu->mutex');
    else {
      const leaf = lines.findIndex((l) => l.startsWith('Everything else is a leaf'));
      lines.splice(leaf, 0, 'On arm64:', '', '- kvm->irq_lock is taken outside vcpu->mutex', '');
    }
    return lines.join('\n');
  }

  it('an x86 rule and an arm64 rule are no cycle: vcpu->mutex -> kvm->mmu_lock is proposed, not refused', async () => {
    const tree = join(tmp, 'tree-split');
    cpSync(kernelTree('6.12'), tree, { recursive: true });
    writeFileSync(join(tree, DOC), edited('arm64'));
    const doc = loadDocumentedOrder({ tree, cwd: tree });
    expect(doc.problems.filter((p) => p.kind === 'cycle')).toEqual([]);
    expect(proposalCycle(doc, 'vcpu->mutex', 'kvm->mmu_lock', null)).toBeNull();
    const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', 'vcpu->mutex -> kvm->mmu_lock', '--cache-dir', cache]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(added(r.stdout)).toEqual(['- vcpu->mutex is taken outside kvm->arch.mmu_lock']);
  });

  it('an order generic code relies on that an x86 rule reverses is refused as a cycle on x86, with the x86 statement (exit 2)', async () => {
    // kvm->slots_arch_lock -> kvm->mn_invalidate_lock: generic code in 6.12 takes it; the edited document reverses it on x86 only.
    const tree = join(tmp, 'tree-x86-reversed');
    cpSync(kernelTree('6.12'), tree, { recursive: true });
    const lines = readFileSync(join(tree, DOC), 'utf8').split('\n');
    after(lines, 'On x86:', '', '- kvm->mn_invalidate_lock is taken outside kvm->slots_arch_lock');
    writeFileSync(join(tree, DOC), lines.join('\n'));
    const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', 'kvm->slots_arch_lock -> kvm->mn_invalidate_lock', '--cache-dir', cache]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('kvm->slots_arch_lock -> kvm->mn_invalidate_lock would make locking.rst cyclic on x86;');
    expect(r.stderr).toContain('cycle: kvm->slots_arch_lock -> kvm->mn_invalidate_lock -> kvm->slots_arch_lock');
    const at = lines.indexOf('- kvm->mn_invalidate_lock is taken outside kvm->slots_arch_lock') + 1;
    expect(r.stderr).toContain(`locking.rst:${at}: kvm->mn_invalidate_lock is taken outside kvm->slots_arch_lock  (kvm->mn_invalidate_lock -> kvm->slots_arch_lock, x86)`);
  });

  it('a cycle within one architecture still refuses a generic rule, and says which architecture has it', () => {
    const path = join(tmp, 'x86-cycle.rst');
    writeFileSync(path, edited('x86'));
    const doc = loadDocumentedOrder({ file: path, cwd: tmp });
    const lines = readFileSync(path, 'utf8').split('\n');
    const cycle = proposalCycle(doc, 'vcpu->mutex', 'kvm->mmu_lock', null);
    expect(cycle?.arch).toBe('x86');
    expect(cycle?.closing.map((e) => [e.outer, e.inner, e.line])).toEqual([
      ['kvm->mmu_lock', 'kvm->irq_lock', lines.indexOf('- kvm->arch.mmu_lock is taken outside kvm->irq_lock') + 1],
      ['kvm->irq_lock', 'vcpu->mutex', lines.indexOf('- kvm->irq_lock is taken outside vcpu->mutex') + 1],
    ]);
    expect(proposalCycle(doc, 'vcpu->mutex', 'kvm->mmu_lock', 'x86')?.arch).toBe('x86');
    expect(proposalCycle(doc, 'vcpu->mutex', 'kvm->mmu_lock', 'arm64')).toBeNull();
  });
});
