/**
 * `doc --propose` spells a lock in an architecture's rule as the document writes it for that
 * architecture, not as another architecture's list writes it: 6.12's locking.rst writes
 * kvm->mmu_lock as "kvm->arch.mmu_lock" only under "On x86:" (the lock table says
 * ``kvm->mmu_lock``), so a rule for arm64, whose code takes kvm->mmu_lock inside kvm->slots_lock,
 * names kvm->mmu_lock. An x86 rule keeps the x86 list's spelling.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { added, treeWith } from './doc-lines.js';

const tmp = mkdtempSync(join(tmpdir(), 'kvm-review-propose-spelling-arch-'));
const cache = join(tmp, 'cache');
const EDGE = 'kvm->slots_lock -> kvm->mmu_lock';

describe('doc --propose: a lock in an architecture\'s rule', () => {
  it('an arm64 rule names kvm->mmu_lock, not the "On x86:" list\'s kvm->arch.mmu_lock; check suggests the same words', async () => {
    const { tree, lines } = treeWith(tmp, 'arm64', () => undefined, ['arm64']);
    // The premise: only the x86 list writes kvm->arch.mmu_lock, the rest of the document kvm->mmu_lock.
    const x86 = lines.indexOf('On x86:');
    const leaf = lines.findIndex((l) => l.startsWith('Everything else is a leaf'));
    expect(lines.findIndex((l) => l.includes('kvm->arch.mmu_lock'))).toBeGreaterThan(x86);
    expect(lines.map((l) => l.includes('kvm->arch.mmu_lock')).lastIndexOf(true)).toBeLessThan(leaf);
    expect(lines).toContain('``kvm->mmu_lock``');

    const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', EDGE, '--cache-dir', cache]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(added(r.stdout)).toEqual(['On arm64:', '- kvm->slots_lock is taken outside kvm->mmu_lock']);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('Document that kvm->slots_lock is taken outside kvm->mmu_lock on arm64.');

    const check = await runCli(['check', '--tree', tree, '--arch', 'arm64', '--format', 'json', '--fail-on', 'never', '--cache-dir', cache]);
    const findings = (JSON.parse(check.stdout) as { findings: { kind: string; outer: string; inner: string }[] }).findings;
    const finding = JSON.stringify(findings.find((f) => f.kind === 'undocumented-order' && `${f.outer} -> ${f.inner}` === EDGE));
    expect(finding).toContain('kvm->slots_lock is taken outside kvm->mmu_lock');
    expect(finding).not.toContain('kvm->arch.mmu_lock');
  });

  it('an x86 rule keeps the x86 list\'s kvm->arch.mmu_lock', async () => {
    const { tree } = treeWith(tmp, 'x86', () => undefined, ['x86']);
    const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', 'kvm_lock -> kvm->mmu_lock', '--cache-dir', cache]);
    expect(r.code).toBe(0);
    expect(added(r.stdout)).toEqual(['- kvm_lock is taken outside kvm->arch.mmu_lock']);
  });
});
