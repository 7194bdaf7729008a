/**
 * `doc --propose` and the architecture headings a document may write otherwise than "On x86:": another
 * spelling of an architecture ("On X86_64:", "On aarch64:", which the reader reads as x86's and arm64's),
 * and headings naming three architectures ("On x86, arm64 and riscv:", with or without a comma before
 * "and"). A new heading spells each architecture as the document's headings do; an existing heading
 * naming exactly the rule's architectures, in whatever order and spelling, is the one the rule joins.
 *
 * 6.12's kvm_set_memslot() (virt/kvm/kvm_main.c) takes kvm->mn_invalidate_lock inside
 * kvm->slots_arch_lock, and kvm_set_irq_routing() (virt/kvm/irqchip.c) kvm->irqfds.lock inside
 * kvm->irq_lock; locking.rst orders neither pair.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDocumentedOrder } from '../../knowledge/doc/load.js';
import { runCli } from '../helpers/run-cli.js';
import { added, archLineOf, DOC, entryArch, lineOf, treeWith } from './doc-lines.js';

const tmp = mkdtempSync(join(tmpdir(), 'kvm-review-propose-headings-'));
const cache = join(tmp, 'cache');
const MEMSLOT = 'kvm->slots_arch_lock -> kvm->mn_invalidate_lock';
const ROUTING = 'kvm->irq_lock -> kvm->irqfds.lock';
const LEAF = 'Everything else is a leaf: no other lock is taken inside the critical';

/** Adds a list under `heading` holding `rule`, before "Everything else is a leaf". */
function headedRule(lines: string[], heading: string, rule: string): void {
  lines.splice(lineOf(lines, LEAF), 0, heading, '', `- ${rule}`, '');
}

/** The architectures the reader scopes the document's statements of outer -> inner to (null: generic), sorted. */
function statedFor(tree: string, outer: string, inner: string): (string | null)[] {
  const doc = loadDocumentedOrder({ tree, cwd: tree });
  return doc.edges
    .filter((e) => e.outer === outer && e.inner === inner)
    .map((e) => e.arch)
    .sort();
}

/** The undocumented orders check reports in `arch`'s build of `tree`, as "OUTER -> INNER". */
async function undocumented(tree: string, arch: string): Promise<string[]> {
  const r = await runCli(['check', '--tree', tree, '--arch', arch, '--format', 'json', '--fail-on', 'never', '--cache-dir', cache]);
  expect(r.code).toBe(0);
  const findings = (JSON.parse(r.stdout) as { findings: { kind: string; outer: string; inner: string }[] }).findings;
  return findings.filter((f) => f.kind === 'undocumented-order').map((f) => `${f.outer} -> ${f.inner}`);
}

/** The patch for `edge`, applied to `tree`; the lines it adds. */
async function apply(tree: string, name: string, edge: string): Promise<{ mail: string; lines: string[] }> {
  const patch = await runCli(['doc', '--propose', '--tree', tree, '--edge', edge, '--cache-dir', cache]);
  expect(patch.stderr).toBe('');
  expect(patch.code).toBe(0);
  writeFileSync(join(tmp, `${name}.patch`), patch.stdout);
  execFileSync('git', ['apply', join(tmp, `${name}.patch`)], { cwd: tree });
  return { mail: patch.stdout.replace(/\s+/g, ' '), lines: added(patch.stdout) };
}

describe('doc --propose: architecture headings spelled otherwise', () => {
  it('"On X86_64:" and "On aarch64:": a rule for both goes under a new "On X86_64 and aarch64:", read back as x86\'s and arm64\'s', async () => {
    const { tree } = treeWith(
      tmp,
      'spelled',
      (l) => {
        entryArch(l, 'kvm->mn_invalidate_lock', 'x86, arm64');
        l[lineOf(l, 'On x86:')] = 'On X86_64:';
        headedRule(l, 'On aarch64:', 'kvm->lock is taken outside kvm->arch.config_lock');
      },
      ['x86', 'arm64'],
    );
    const { mail, lines } = await apply(tree, 'spelled', MEMSLOT);
    expect(lines).toEqual(['On X86_64 and aarch64:', '- kvm->slots_arch_lock is taken outside kvm->mn_invalidate_lock']);
    // The message names the builds as kvm-review does everywhere else.
    expect(mail).toContain('Document that kvm->slots_arch_lock is taken outside kvm->mn_invalidate_lock on x86 and arm64.');
    expect(statedFor(tree, 'kvm->slots_arch_lock', 'kvm->mn_invalidate_lock')).toEqual(['arm64', 'x86']);
    for (const arch of ['x86', 'arm64']) expect(await undocumented(tree, arch)).not.toContain(MEMSLOT);
  });

  it('an arm64 rule joins "On aarch64:" when the document has it, and an x86 one "On X86:"', async () => {
    const { tree } = treeWith(
      tmp,
      'one-each',
      (l) => {
        l[lineOf(l, 'On x86:')] = 'On X86:';
        headedRule(l, 'On aarch64:', 'kvm->lock is taken outside kvm->irqfds.lock');
      },
      ['arm64'],
    );
    const text = await runCli(['doc', '--propose', '--tree', tree, '--format', 'text', '--edge', ROUTING, '--cache-dir', cache]);
    expect(text.stderr).toBe('');
    expect(text.stdout).toContain('\nProposed (under "On aarch64:"):\n  - kvm->irq_lock is taken outside kvm->irqfds.lock\n');

    const x86 = treeWith(tmp, 'one-each-x86', (l) => (l[lineOf(l, 'On x86:')] = 'On X86:'), ['x86']).tree;
    const tsc = await runCli(['doc', '--propose', '--tree', x86, '--format', 'text', '--edge', 'vcpu->mutex -> kvm->arch.tsc_write_lock', '--cache-dir', cache]);
    expect(tsc.stderr).toBe('');
    expect(tsc.stdout).toMatch(/\nProposed \(under "On X86:"\):\n {2}- vcpu->mutex is taken outside kvm\S*tsc_write_lock\n/);
  });
});

describe('doc --propose: headings naming three architectures', () => {
  const THREE = ['x86', 'arm64', 'riscv'];

  it('a lock documented for x86, arm64 and riscv, taken by those builds: a new "On x86, arm64 and riscv:" heading, read back for all three', async () => {
    const { tree } = treeWith(tmp, 'three-new', (l) => entryArch(l, 'kvm->mn_invalidate_lock', 'x86, arm64, riscv'), THREE);
    const text = await runCli(['doc', '--propose', '--tree', tree, '--format', 'text', '--edge', MEMSLOT, '--cache-dir', cache]);
    expect(text.stdout).toMatch(/^\* +\d+ sites? {2}kvm->slots_arch_lock -> kvm->mn_invalidate_lock {2}\[x86, arm64, riscv\]$/m);
    const { mail, lines } = await apply(tree, 'three-new', MEMSLOT);
    expect(lines).toEqual(['On x86, arm64 and riscv:', '- kvm->slots_arch_lock is taken outside kvm->mn_invalidate_lock']);
    expect(mail).toContain('on x86, arm64 and riscv.');
    const after = readFileSync(join(tree, DOC), 'utf8').split('\n');
    expect(lineOf(after, 'On x86, arm64 and riscv:')).toBeLessThan(lineOf(after, LEAF));
    expect(statedFor(tree, 'kvm->slots_arch_lock', 'kvm->mn_invalidate_lock')).toEqual(['arm64', 'riscv', 'x86']);
    for (const arch of THREE) expect(await undocumented(tree, arch)).not.toContain(MEMSLOT);
  });

  it('"On riscv, aarch64, and X86:" (a comma before "and"): read as the three builds\', and the rule for them joins it', async () => {
    const rule = 'kvm->lock is taken outside kvm->irqfds.lock';
    const { tree } = treeWith(tmp, 'three-oxford', (l) => headedRule(l, 'On riscv, aarch64, and X86:', rule), THREE);
    expect(statedFor(tree, 'kvm->lock', 'kvm->irqfds.lock')).toEqual(['arm64', 'riscv', 'x86']);
    const text = await runCli(['doc', '--propose', '--tree', tree, '--format', 'text', '--edge', ROUTING, '--cache-dir', cache]);
    expect(text.stderr).toBe('');
    expect(text.stdout).toContain('\nProposed (under "On riscv, aarch64, and X86:"):\n  - kvm->irq_lock is taken outside kvm->irqfds.lock\n');
    const { lines } = await apply(tree, 'three-oxford', ROUTING);
    expect(lines).toEqual(['- kvm->irq_lock is taken outside kvm->irqfds.lock']);
    expect(statedFor(tree, 'kvm->irq_lock', 'kvm->irqfds.lock')).toEqual(['arm64', 'riscv', 'x86']);
  });

  it('a lock documented for three architectures, taken by other builds too: refused, the three named as a list', async () => {
    const { tree, lines } = treeWith(tmp, 'three-all', (l) => entryArch(l, 'kvm->mn_invalidate_lock', 'x86, arm64, riscv'));
    const at = archLineOf(lines, 'kvm->mn_invalidate_lock');
    const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', MEMSLOT, '--cache-dir', cache]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `kvm->mn_invalidate_lock is documented only for x86, arm64 and riscv (locking.rst:${at}: the lock table's entry, :Arch: x86, arm64, riscv), ` +
        'but the code that takes kvm->mn_invalidate_lock inside kvm->slots_arch_lock is built for loongarch, mips, powerpc and s390 too',
    );
    expect(r.stderr).toContain('an "On x86, arm64 and riscv:" rule would leave the order undocumented in those builds');
  });
});
