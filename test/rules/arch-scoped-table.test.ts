/**
 * check counts a lock-table entry with `:Arch: x86` as documenting its lock
 * for x86's build alone: arm64 code taking that lock takes a lock locking.rst
 * does not document for arm64, so no undocumented-order or leaf-violation is
 * reported on it there (as an "On x86:" statement already was).
 *
 * The input is 6.12's own locking.rst with one entry added at test time:
 * 6.12's arm64 code takes kvm->arch.config_lock inside kvm->slots_lock
 * (kvm_vgic_destroy() and others), and the document does not name that lock.
 */
import { describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpusRevision, kernelTree } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'kvm-review-arch-table-'));
const cache = join(tmp, 'cache');
const DOC = 'Documentation/virt/kvm/locking.rst';
const LOCK = 'kvm->arch.config_lock';

interface Finding {
  kind: string;
  outer: string | null;
  inner: string | null;
  arch: string | null;
  message: string;
  line?: number;
}

/** A copy of the 6.12 tree whose lock table has an entry for kvm->arch.config_lock with `:Arch: arch`, before the kvm->mmu_lock entry. */
function treeWithEntry(arch: string): string {
  const tree = join(tmp, arch.replace(/\W/g, '_'));
  cpSync(kernelTree('6.12'), tree, { recursive: true });
  const lines = readFileSync(join(tree, DOC), 'utf8').split('\n');
  const at = lines.indexOf('``kvm->mmu_lock``');
  if (at < 0) throw new Error('no kvm->mmu_lock entry');
  const heading = `\`\`${LOCK}\`\``;
  lines.splice(at, 0, heading, '^'.repeat(heading.length), '', ':Type:\t\tmutex', `:Arch:\t\t${arch}`, '');
  writeFileSync(join(tree, DOC), lines.join('\n'));
  return tree;
}

async function check(tree: string, arch: string): Promise<Finding[]> {
  const r = await runCli(['check', '--tree', tree, '--arch', arch, '--format', 'json', '--fail-on', 'never', '--cache-dir', cache]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
}

const naming = (findings: readonly Finding[]): Finding[] => findings.filter((f) => f.outer === LOCK || f.inner === LOCK || f.message.includes(LOCK));

describe('check: a lock-table entry with :Arch: documents its lock for those architectures only', () => {
  it(':Arch: x86: arm64 code taking the lock is not reported as an undocumented order or a leaf of arm64', async () => {
    expect(naming(await check(treeWithEntry('x86'), 'arm64'))).toEqual([]);
  });

  it(':Arch: arm64, and aarch64 as older documents spell it: the arm64 order is reported', async () => {
    for (const arch of ['arm64', 'aarch64']) {
      const found = naming(await check(treeWithEntry(arch), 'arm64'));
      expect(found.map((f) => `${f.kind} ${f.outer} -> ${f.inner}`)).toContain(`undocumented-order kvm->slots_lock -> ${LOCK}`);
    }
  });

  it(':Arch: any (only needed on x86 though), as 6.12 scopes kvm->slots_arch_lock: every build', async () => {
    const found = naming(await check(treeWithEntry('any (only needed on x86 though)'), 'arm64'));
    expect(found.map((f) => `${f.kind} ${f.outer} -> ${f.inner}`)).toContain(`undocumented-order kvm->slots_lock -> ${LOCK}`);
  });

  it(':Arch: naming no architecture kvm-review knows: reported as not understood at the :Arch: line, the lock documented for no build', async () => {
    const tree = treeWithEntry('sparc');
    const found = await check(tree, 'arm64');
    const lines = readFileSync(join(tree, DOC), 'utf8').split('\n');
    const field = lines.indexOf(':Arch:\t\tsparc', lines.indexOf(`\`\`${LOCK}\`\``)) + 1;
    expect(field).toBeGreaterThan(0);
    const unread = found.filter((f) => f.kind === 'doc-unrecognized' && f.message.includes('"sparc"'));
    expect(unread).toHaveLength(1);
    expect(unread[0]?.line).toBe(field);
    expect(unread[0]?.message).toContain(`${LOCK}'s lock-table entry names "sparc", no architecture kvm-review knows`);
    expect(unread[0]?.message).toContain(`check counts ${LOCK} as documented for no build it analyses`);
    expect(naming(found).filter((f) => f.kind !== 'doc-unrecognized')).toEqual([]);
  });
});

describe("check: an unknown word in an existing entry's :Arch: (6.12's own lock table, one field edited)", () => {
  it('doc-unrecognized names the :Arch: line, not the heading of the entry', async () => {
    const tree = join(tmp, 'mmu-lock-arch');
    cpSync(kernelTree('6.12'), tree, { recursive: true });
    const lines = readFileSync(join(tree, DOC), 'utf8').split('\n');
    const heading = lines.indexOf('``kvm->mmu_lock``');
    expect(heading).toBeGreaterThanOrEqual(0);
    // The entry's own :Arch: field: the first after its heading, before the next entry's heading.
    const field = lines.findIndex((l, i) => i > heading && l.startsWith(':Arch:'));
    expect(field).toBeGreaterThan(heading + 1);
    expect(lines.slice(heading + 1, field).some((l) => l.startsWith('``'))).toBe(false);
    lines[field] = ':Arch:\t\ts390x-ish';
    writeFileSync(join(tree, DOC), lines.join('\n'));

    const unread = (await check(tree, 'all')).filter((f) => f.kind === 'doc-unrecognized' && f.message.includes('"s390x-ish"'));
    expect(unread).toHaveLength(1);
    expect(unread[0]?.line).toBe(field + 1);
    expect(unread[0]?.message).toContain('kvm->mmu_lock\'s lock-table entry names "s390x-ish", no architecture kvm-review knows');
  });
});

describe('check: doc-stale on a real revision with :Arch: entries (the Android pKVM locking.rst against 6.12)', () => {
  it("an x86 lock no code takes is x86's finding, an aarch64 one arm64's, not every build's", async () => {
    const tree = join(tmp, 'pkvm');
    cpSync(kernelTree('6.12'), tree, { recursive: true });
    cpSync(corpusRevision('10-'), join(tree, DOC));
    const text = readFileSync(join(tree, DOC), 'utf8');
    // The revision scopes both entries; the test reads them from it.
    expect(text).toMatch(/:Name:\s+blocked_vcpu_on_cpu_lock\n[^]*?:Arch:\s+x86\n/);
    expect(text).toMatch(/:Name:\s+host_kvm\.lock\n[^]*?:Arch:\s+aarch64\n/);
    const stale = (await check(tree, 'all')).filter((f) => f.kind === 'doc-stale');
    const arch = (lock: string): (string | null)[] => stale.filter((f) => f.outer === lock).map((f) => f.arch);
    expect(arch('blocked_vcpu_on_cpu_lock')).toEqual(['x86']);
    expect(arch('host_kvm.lock')).toEqual(['arm64']);
    expect(stale.find((f) => f.outer === 'host_kvm.lock')?.message).toBe('locking.rst names host_kvm.lock, but no indexed arm64 or generic code takes it');
  });
});
