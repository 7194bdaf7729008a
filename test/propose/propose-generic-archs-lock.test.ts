/**
 * `doc --propose` on a generic order (generic code) naming a lock locking.rst
 * documents for two architectures only (a lock-table entry with
 * `:Arch: x86, arm64`, or a lock named only under "On arm64 and x86:"), taken
 * by exactly those two builds: the rule is theirs, under a heading naming
 * both (the document's own when it has one for exactly those two), not in
 * the generic list, which would claim it for builds without the lock.
 *
 * The trees are copies of 6.12 without the other architectures' directories
 * (the builds check sees are x86's and arm64's). 6.12's kvm_set_memslot()
 * (virt/kvm/kvm_main.c) takes kvm->mn_invalidate_lock inside
 * kvm->slots_arch_lock, and kvm_set_irq_routing() (virt/kvm/irqchip.c)
 * kvm->irqfds.lock inside kvm->irq_lock; locking.rst orders neither pair.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDocumentedOrder } from '../../knowledge/doc/load.js';
import { runCli } from '../helpers/run-cli.js';
import { added, archLineOf, DOC, entryArch, lineOf, treeWith } from './doc-lines.js';

const tmp = mkdtempSync(join(tmpdir(), 'kvm-review-propose-archs-'));
const cache = join(tmp, 'cache');
const MEMSLOT = 'kvm->slots_arch_lock -> kvm->mn_invalidate_lock';
const ROUTING = 'kvm->irq_lock -> kvm->irqfds.lock';
const OTHERS = 'loongarch, mips, powerpc, riscv and s390';

const TWO = ['x86', 'arm64'];

/** Adds a list under `heading` holding `rule`, after the document's last order list ("Everything else is a leaf" follows). */
function headedRule(lines: string[], heading: string, rule: string): void {
  lines.splice(lineOf(lines, 'Everything else is a leaf: no other lock is taken inside the critical'), 0, heading, '', `- ${rule}`, '');
}

/** The document as the reader reads it from `tree`: the architectures its statements of outer -> inner are for (null: generic). */
function statedFor(tree: string, outer: string, inner: string): (string | null)[] {
  const doc = loadDocumentedOrder({ tree, cwd: tree });
  return doc.edges.filter((e) => e.outer === outer && e.inner === inner).map((e) => e.arch);
}

/** The undocumented orders check reports in `arch`'s build of `tree`, as "OUTER -> INNER". */
async function undocumented(tree: string, arch: string): Promise<string[]> {
  const r = await runCli(['check', '--tree', tree, '--arch', arch, '--format', 'json', '--fail-on', 'never', '--cache-dir', cache]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const findings = (JSON.parse(r.stdout) as { findings: { kind: string; outer: string; inner: string }[] }).findings;
  return findings.filter((f) => f.kind === 'undocumented-order').map((f) => `${f.outer} -> ${f.inner}`);
}

async function applyPatch(tree: string, name: string, args: string[]): Promise<string[]> {
  const patch = await runCli(['doc', '--propose', '--tree', tree, ...args, '--cache-dir', cache]);
  expect(patch.stderr).toBe('');
  expect(patch.code).toBe(0);
  writeFileSync(join(tmp, `${name}.patch`), patch.stdout);
  execFileSync('git', ['apply', join(tmp, `${name}.patch`)], { cwd: tree });
  return [patch.stdout, ...added(patch.stdout)];
}

describe('doc --propose: a generic order naming a lock documented for x86 and arm64, taken by those builds alone', () => {
  it('--edge: proposed under a new "On x86 and arm64:" heading, said for both, and read back as their rule', async () => {
    const { tree } = treeWith(tmp, 'table', (l) => entryArch(l, 'kvm->mn_invalidate_lock', 'x86, arm64'), TWO);
    const text = await runCli(['doc', '--propose', '--tree', tree, '--format', 'text', '--edge', MEMSLOT, '--cache-dir', cache]);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^\* +\d+ sites? {2}kvm->slots_arch_lock -> kvm->mn_invalidate_lock {2}\[x86, arm64\]$/m);
    expect(text.stdout).toContain('\nProposed (under a new "On x86 and arm64:" heading):\n  - kvm->slots_arch_lock is taken outside kvm->mn_invalidate_lock\n');

    for (const arch of TWO) expect(await undocumented(tree, arch)).toContain(MEMSLOT);
    const [mail, ...lines] = await applyPatch(tree, 'table', ['--edge', MEMSLOT]);
    expect(mail?.replace(/\s+/g, ' ')).toContain('Document that kvm->slots_arch_lock is taken outside kvm->mn_invalidate_lock on x86 and arm64.');
    expect(lines).toEqual(['On x86 and arm64:', '- kvm->slots_arch_lock is taken outside kvm->mn_invalidate_lock']);
    const after = readFileSync(join(tree, DOC), 'utf8').split('\n');
    const bullet = lineOf(after, '- kvm->slots_arch_lock is taken outside kvm->mn_invalidate_lock');
    expect(bullet).toBeGreaterThan(lineOf(after, 'On x86:'));
    expect(bullet).toBeLessThan(after.findIndex((l) => l.startsWith('Everything else is a leaf')));
    expect(statedFor(tree, 'kvm->slots_arch_lock', 'kvm->mn_invalidate_lock').sort()).toEqual(['arm64', 'x86']);
    // check, in each build, counts the order documented now.
    for (const arch of TWO) expect(await undocumented(tree, arch)).not.toContain(MEMSLOT);
  });

  it('without --edge: listed for both architectures, nothing refused', async () => {
    const { tree } = treeWith(tmp, 'table-list', (l) => entryArch(l, 'kvm->mn_invalidate_lock', 'x86, arm64'), TWO);
    const r = await runCli(['doc', '--propose', '--tree', tree, '--format', 'text', '--cache-dir', cache]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\*? +\d+ sites? {2}kvm->slots_arch_lock -> kvm->mn_invalidate_lock {2}\[x86, arm64\]$/m);
    expect(r.stdout).not.toContain('Not proposed');
  });

  it('a lock named only under "On arm64 and x86:": the rule joins that list, no new heading', async () => {
    const rule = 'kvm->lock is taken outside kvm->irqfds.lock';
    const { tree } = treeWith(tmp, 'heading', (l) => headedRule(l, 'On arm64 and x86:', rule), TWO);
    const text = await runCli(['doc', '--propose', '--tree', tree, '--format', 'text', '--edge', ROUTING, '--cache-dir', cache]);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('\nProposed (under "On arm64 and x86:"):\n  - kvm->irq_lock is taken outside kvm->irqfds.lock\n');

    const [mail, ...lines] = await applyPatch(tree, 'heading', ['--edge', ROUTING]);
    expect(mail?.replace(/\s+/g, ' ')).toContain('Document that kvm->irq_lock is taken outside kvm->irqfds.lock on arm64 and x86.');
    expect(lines).toEqual(['- kvm->irq_lock is taken outside kvm->irqfds.lock']);
    const after = readFileSync(join(tree, DOC), 'utf8').split('\n');
    const heading = lineOf(after, 'On arm64 and x86:');
    const bullet = lineOf(after, '- kvm->irq_lock is taken outside kvm->irqfds.lock');
    expect(bullet).toBeGreaterThan(heading);
    expect(bullet).toBeLessThan(after.findIndex((l) => l.startsWith('Everything else is a leaf')));
    expect(statedFor(tree, 'kvm->irq_lock', 'kvm->irqfds.lock').sort()).toEqual(['arm64', 'x86']);
  });

  it('already an "On x86:" rule: the rule arm64 still needs is arm64\'s, not one for both', async () => {
    const { tree } = treeWith(
      tmp,
      'x86-stated',
      (l) => {
        entryArch(l, 'kvm->mn_invalidate_lock', 'x86, arm64');
        l.splice(lineOf(l, 'On x86:') + 1, 0, '', '- kvm->slots_arch_lock is taken outside kvm->mn_invalidate_lock');
      },
      TWO,
    );
    const text = await runCli(['doc', '--propose', '--tree', tree, '--format', 'text', '--edge', MEMSLOT, '--cache-dir', cache]);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^\* +\d+ sites? {2}kvm->slots_arch_lock -> kvm->mn_invalidate_lock {2}\[arm64\]$/m);
    expect(text.stdout).toContain('\nProposed (under a new "On arm64:" heading):\n');
    await applyPatch(tree, 'x86-stated', ['--edge', MEMSLOT]);
    for (const arch of TWO) expect(await undocumented(tree, arch)).not.toContain(MEMSLOT);
  });

  it('an arm64 rule the order would reverse: refused as a cycle on arm64', async () => {
    const { tree } = treeWith(
      tmp,
      'cycle',
      (l) => {
        entryArch(l, 'kvm->mn_invalidate_lock', 'x86, arm64');
        headedRule(l, 'On arm64:', 'kvm->mn_invalidate_lock is taken outside kvm->slots_arch_lock');
      },
      TWO,
    );
    const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', MEMSLOT, '--cache-dir', cache]);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`kvm-review: ${MEMSLOT} would make locking.rst cyclic on arm64;`);
  });
});

describe('doc --propose: a generic order naming a lock documented for x86 and arm64, taken by other builds too', () => {
  it('refused, naming the builds the lock is not documented for and the heading the rule would need', async () => {
    const { tree, lines } = treeWith(tmp, 'all', (l) => entryArch(l, 'kvm->mn_invalidate_lock', 'x86, arm64'));
    const at = archLineOf(lines, 'kvm->mn_invalidate_lock');
    const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', MEMSLOT, '--cache-dir', cache]);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `kvm->mn_invalidate_lock is documented only for x86 and arm64 (locking.rst:${at}: the lock table's entry, :Arch: x86, arm64), ` +
        `but the code that takes kvm->mn_invalidate_lock inside kvm->slots_arch_lock is built for ${OTHERS} too`,
    );
    expect(r.stderr).toContain(`an "On x86 and arm64:" rule would leave the order undocumented in those builds; document kvm->mn_invalidate_lock for ${OTHERS} first`);
  });
});
