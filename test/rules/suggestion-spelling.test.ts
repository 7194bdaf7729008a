/**
 * The text check suggests adding to locking.rst (undocumented-order, and the
 * order a leaf-violation suggests documenting) names each lock as the
 * document spells it (`kvm->arch.mmu_lock`, `kvm_arch::tsc_write_lock`), so
 * it can be copied into the file as it stands; the findings themselves
 * keep the canonical names.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findLockRefs } from '../../knowledge/doc/lock-refs.js';
import { copyKernelFiles, git, initRepo } from '../git/repo.js';
import { kernelTree } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'kvm-review-suggestion-spelling-'));
const cache = join(tmp, 'cache');
const DOC = 'Documentation/virt/kvm/locking.rst';

interface Finding {
  kind: string;
  outer: string | null;
  inner: string | null;
  arch: string | null;
  suggestion: string;
}

async function check(version: '6.1' | '6.12'): Promise<{ findings: Finding[]; text: string }> {
  const tree = kernelTree(version);
  const r = await runCli(['check', '--tree', tree, '--arch', 'all', '--format', 'json', '--cache-dir', cache]);
  expect(r.stderr).toBe('');
  return { findings: (JSON.parse(r.stdout) as { findings: Finding[] }).findings, text: readFileSync(join(tree, DOC), 'utf8') };
}

/** The text in double quotes: the sentence the suggestion would add to the document. */
function quoted(suggestion: string): string {
  const m = /"([^"]+)"/.exec(suggestion);
  if (!m) throw new Error(`no quoted text in: ${suggestion}`);
  return m[1] as string;
}

/** Every spelling the document writes `lock` with. */
function spellings(text: string, lock: string): Set<string> {
  return new Set(findLockRefs(text).filter((r) => r.canonical === lock).map((r) => r.written));
}

function one(findings: readonly Finding[], kind: string, arch: string, outer: string, inner: string | null): Finding {
  const found = findings.filter((f) => f.kind === kind && f.arch === arch && f.outer === outer && f.inner === inner);
  expect(found).toHaveLength(1);
  return found[0] as Finding;
}

describe('check suggests text for locking.rst in the document\'s own spelling', () => {
  it('6.12: kvm->arch.tsc_write_lock is suggested as kvm_arch::tsc_write_lock, kvm->mmu_lock as the x86 list writes it', async () => {
    const { findings, text } = await check('6.12');
    // The document names the TSC lock only by its table heading, and kvm->mmu_lock in the x86 list otherwise than canonically.
    expect([...spellings(text, 'kvm->arch.tsc_write_lock')]).toEqual(['kvm_arch::tsc_write_lock']);
    expect(spellings(text, 'kvm->mmu_lock')).toContain('kvm->arch.mmu_lock');
    const tsc = one(findings, 'undocumented-order', 'x86', 'vcpu->mutex', 'kvm->arch.tsc_write_lock');
    expect(quoted(tsc.suggestion)).toBe('vcpu->mutex is taken outside kvm_arch::tsc_write_lock');
    const mmu = one(findings, 'undocumented-order', 'x86', 'kvm->slots_lock', 'kvm->mmu_lock');
    expect(quoted(mmu.suggestion)).toBe('kvm->slots_lock is taken outside kvm->arch.mmu_lock');
  });

  it('6.12: every quoted name of an undocumented-order suggestion is one the document writes for that lock, when it names the lock', async () => {
    const { findings, text } = await check('6.12');
    const undocumented = findings.filter((f) => f.kind === 'undocumented-order');
    expect(undocumented.length).toBeGreaterThan(0);
    let respelled = 0;
    for (const f of undocumented) {
      const refs = findLockRefs(quoted(f.suggestion));
      expect(refs.map((r) => r.canonical)).toEqual(expect.arrayContaining([f.outer, f.inner]));
      for (const r of refs) {
        const written = spellings(text, r.canonical);
        if (written.size) expect(written).toContain(r.written);
        if (r.written !== r.canonical) respelled++;
      }
    }
    expect(respelled).toBeGreaterThan(0);
  });

  it('6.1: a leaf-violation suggests the order as the document spells it; the finding keeps the canonical names', async () => {
    const { findings, text } = await check('6.1');
    expect(spellings(text, 'kvm->mmu_lock')).toContain('kvm->arch.mmu_lock');
    const leaf = one(findings, 'leaf-violation', 'x86', 'kvm_lock', null);
    const first = /kvm_lock is taken outside (\S+)"/.exec(leaf.suggestion)?.[1];
    expect(first).toBe('kvm->arch.mmu_lock');
    // What the finding lists stays canonical: only the sentence for the document is respelled.
    expect(leaf.suggestion).toMatch(/^document the order of kvm_lock against kvm->mmu_lock, /);
    const tsc = one(findings, 'undocumented-order', 'x86', 'vcpu->mutex', 'kvm->arch.tsc_write_lock');
    expect(quoted(tsc.suggestion)).toBe('vcpu->mutex is taken outside kvm_arch::tsc_write_lock');
  });

  it('6.12, a series review: a patch nesting kvm->arch.tsc_write_lock inside kvm->lock is told to document it as kvm_arch::tsc_write_lock', async () => {
    const base = join(tmp, 'base');
    await copyKernelFiles(kernelTree('6.12'), base);
    const repo = join(tmp, 'repo');
    initRepo(base, repo);
    const file = 'arch/x86/kvm/x86.c';
    const lines = readFileSync(join(repo, file), 'utf8').split('\n');
    // Inside the kvm->lock section that swaps the MSR filter.
    const at = lines.findIndex((l) => l.includes('old_filter = rcu_replace_pointer(kvm->arch.msr_filter'));
    expect(lines[at - 1]).toBe('\tmutex_lock(&kvm->lock);');
    lines.splice(at, 0, '\traw_spin_lock_irqsave(&kvm->arch.tsc_write_lock, flags);', '\traw_spin_unlock_irqrestore(&kvm->arch.tsc_write_lock, flags);');
    writeFileSync(join(repo, file), lines.join('\n'));
    git(repo, 'commit', '-q', '-a', '-m', 'KVM: x86: take tsc_write_lock when swapping the MSR filter');
    const r = await runCli(['git', 'base..HEAD', '--repo', repo, '--format', 'json', '--cache-dir', cache]);
    expect(r.stderr).toBe('');
    const found: Finding[] = [];
    const walk = (x: unknown): void => {
      if (Array.isArray(x)) x.forEach(walk);
      else if (x && typeof x === 'object') {
        const f = x as Partial<Finding>;
        if (f.kind === 'undocumented-order' && f.outer === 'kvm->lock' && f.inner === 'kvm->arch.tsc_write_lock') found.push(f as Finding);
        else Object.values(x).forEach(walk);
      }
    };
    walk(JSON.parse(r.stdout));
    expect(found.length).toBeGreaterThan(0);
    for (const f of found) expect(quoted(f.suggestion)).toBe('kvm->lock is taken outside kvm_arch::tsc_write_lock');
  });
});
