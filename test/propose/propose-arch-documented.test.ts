/**
 * `doc --propose --edge` asks whether the order is already documented in the
 * builds the rule would apply to, one architecture at a time, as its cycle
 * check does: an x86 rule documents nothing for arm64's code, a generic
 * rule is not refused because one architecture has a rule, and an x86 rule
 * and an arm64 rule never chain into one order.
 */
import { describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDocumentedOrder } from '../../knowledge/doc/load.js';
import { documentedPath } from '../../knowledge/doc/propose.js';
import { kernelTree } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { added, after } from './doc-lines.js';

const tmp = mkdtempSync(join(tmpdir(), 'kvm-review-propose-documented-'));
const cache = join(tmp, 'cache');
const DOC = 'Documentation/virt/kvm/locking.rst';

/** A copy of the 6.12 tree whose locking.rst has `rules` added under "On x86:". */
function treeWithX86Rules(name: string, ...rules: string[]): { tree: string; lines: string[] } {
  const tree = join(tmp, name);
  cpSync(kernelTree('6.12'), tree, { recursive: true });
  const lines = readFileSync(join(tree, DOC), 'utf8').split('\n');
  after(lines, 'On x86:', '', ...rules.map((r) => `- ${r}`));
  writeFileSync(join(tree, DOC), lines.join('\n'));
  return { tree, lines };
}

describe('doc --propose --edge: "already documented" is asked one architecture at a time', () => {
  it('an x86 rule does not document the order for arm64: the rule arm64 code needs is proposed under "On arm64:"', async () => {
    // vcpu->mutex -> kvm->slots_lock: 6.12's x86 and arm64 code both take it and the document orders it nowhere.
    const { tree } = treeWithX86Rules('tree-x86-rule', 'vcpu->mutex is taken outside kvm->slots_lock');
    const doc = loadDocumentedOrder({ tree, cwd: tree });
    expect(documentedPath(doc, 'vcpu->mutex', 'kvm->slots_lock', 'x86')).toHaveLength(1);
    expect(documentedPath(doc, 'vcpu->mutex', 'kvm->slots_lock', 'arm64')).toBeNull();
    expect(documentedPath(doc, 'vcpu->mutex', 'kvm->slots_lock', null)).toBeNull();
    const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', 'vcpu->mutex -> kvm->slots_lock', '--cache-dir', cache]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(added(r.stdout)).toEqual(['On arm64:', '- vcpu->mutex is taken outside kvm->slots_lock']);
  });

  it('a generic order is not refused because x86 documents it: generic code relies on it in every build', async () => {
    // kvm->slots_arch_lock -> kvm->mn_invalidate_lock: generic code in 6.12 takes it.
    const { tree } = treeWithX86Rules('tree-x86-generic', 'kvm->slots_arch_lock is taken outside kvm->mn_invalidate_lock');
    const r = await runCli(['doc', '--propose', '--tree', tree, '--format', 'text', '--edge', 'kvm->slots_arch_lock -> kvm->mn_invalidate_lock', '--cache-dir', cache]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\nProposed (in the acquisition-order list):\n  - kvm->slots_arch_lock is taken outside kvm->mn_invalidate_lock\n');
  });

  it('an x86 rule and an arm64 rule do not chain into a documented order: the x86 code\'s rule is proposed', async () => {
    // vcpu->mutex -> kvm->mn_invalidate_lock: 6.12's x86 code takes it; x86 says vcpu->mutex -> mmu_lock, arm64 mmu_lock -> mn_invalidate_lock.
    const { tree } = treeWithX86Rules('tree-split-chain', 'vcpu->mutex is taken outside kvm->arch.mmu_lock');
    const lines = readFileSync(join(tree, DOC), 'utf8').split('\n');
    const leaf = lines.findIndex((l) => l.startsWith('Everything else is a leaf'));
    lines.splice(leaf, 0, 'On arm64:', '', '- kvm->arch.mmu_lock is taken outside kvm->mn_invalidate_lock', '');
    writeFileSync(join(tree, DOC), lines.join('\n'));
    const doc = loadDocumentedOrder({ tree, cwd: tree });
    for (const arch of [null, 'x86', 'arm64']) expect(documentedPath(doc, 'vcpu->mutex', 'kvm->mn_invalidate_lock', arch)).toBeNull();
    expect(documentedPath(doc, 'kvm->mmu_lock', 'kvm->mn_invalidate_lock', 'arm64')).toHaveLength(1);
    const r = await runCli(['doc', '--propose', '--tree', tree, '--format', 'text', '--edge', 'vcpu->mutex -> kvm->mn_invalidate_lock', '--cache-dir', cache]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\nProposed (under "On x86:"):\n  - vcpu->mutex is taken outside kvm->mn_invalidate_lock\n');
  });

  it('an order only x86 code takes and an x86 rule documents is refused as documented on x86 (exit 2)', async () => {
    // kvm_lock -> kvm->arch.tsc_write_lock: only x86 code takes it in 6.12.
    const { tree, lines } = treeWithX86Rules('tree-x86-only', 'kvm_lock is taken outside kvm->arch.tsc_write_lock');
    const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', 'kvm_lock -> kvm->arch.tsc_write_lock', '--cache-dir', cache]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const at = lines.indexOf('- kvm_lock is taken outside kvm->arch.tsc_write_lock') + 1;
    expect(r.stderr).toContain(`kvm_lock -> kvm->arch.tsc_write_lock is already documented on x86: locking.rst:${at}: kvm_lock is taken outside kvm->arch.tsc_write_lock`);
  });
});
