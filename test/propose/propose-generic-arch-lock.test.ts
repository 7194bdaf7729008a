/**
 * `doc --propose` on a generic order (generic code, built for every
 * architecture) naming a lock locking.rst documents for x86 alone (a
 * lock-table entry with `:Arch: x86`, or a lock named only under "On x86:"):
 * the rule is x86's, under "On x86:", when every build whose code takes the
 * order is x86's; another build takes it too, and the rule is refused, as an
 * architecture's rule naming a lock documented for another one is.
 *
 * 6.12's kvm_set_memslot() (virt/kvm/kvm_main.c) takes kvm->mn_invalidate_lock
 * inside kvm->slots_arch_lock, and kvm_set_irq_routing() (virt/kvm/irqchip.c)
 * kvm->irqfds.lock inside kvm->irq_lock; locking.rst orders neither pair.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { added, archLineOf, DOC, entryArch, lineOf, treeWith } from './doc-lines.js';

const tmp = mkdtempSync(join(tmpdir(), 'kvm-review-propose-generic-'));
const cache = join(tmp, 'cache');
const MEMSLOT = 'kvm->slots_arch_lock -> kvm->mn_invalidate_lock';
const ROUTING = 'kvm->irq_lock -> kvm->irqfds.lock';
const ALL_BUT_X86 = 'arm64, loongarch, mips, powerpc, riscv and s390';

/** Adds `rule` as a bullet under "On x86:". */
function x86Rule(lines: string[], rule: string): void {
  lines.splice(lineOf(lines, 'On x86:') + 1, 0, '', `- ${rule}`);
}

describe('doc --propose: a generic order naming a lock documented only for x86, taken by other builds too', () => {
  it('a lock-table entry with :Arch: x86: listed as not proposed, with the builds that take it, not as a candidate', async () => {
    const { tree, lines } = treeWith(tmp, 'table', (l) => entryArch(l, 'kvm->mn_invalidate_lock', 'x86'));
    const r = await runCli(['doc', '--propose', '--tree', tree, '--format', 'text', '--cache-dir', cache]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const at = archLineOf(lines, 'kvm->mn_invalidate_lock');
    const [listed, notProposed] = r.stdout.split("\nNot proposed, a lock locking.rst documents only for another architecture than the code's:\n");
    expect(listed).not.toContain(MEMSLOT);
    expect(notProposed).toMatch(
      new RegExp(
        String.raw`^ +\d+ sites?  kvm->slots_arch_lock -> kvm->mn_invalidate_lock: kvm->mn_invalidate_lock is documented only for x86 ` +
          String.raw`\(locking\.rst:${at}: the lock table's entry, :Arch: x86\), but the code that takes kvm->mn_invalidate_lock inside kvm->slots_arch_lock ` +
          String.raw`is built for ${ALL_BUT_X86} too \(e\.g\. virt/kvm/kvm_main\.c:\d+, kvm_set_memslot\(\)\): a generic rule would name a lock ` +
          String.raw`locking\.rst does not document for ${ALL_BUT_X86}, and an "On x86:" rule would leave the order undocumented in those builds`,
        'm',
      ),
    );
  });

  it('the same with --edge: refused with the reason (exit 2)', async () => {
    const { tree } = treeWith(tmp, 'table-edge', (l) => entryArch(l, 'kvm->mn_invalidate_lock', 'x86'));
    const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', MEMSLOT, '--cache-dir', cache]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`but the code that takes kvm->mn_invalidate_lock inside kvm->slots_arch_lock is built for ${ALL_BUT_X86} too`);
    expect(r.stderr).toContain('document kvm->mn_invalidate_lock for arm64, loongarch, mips, powerpc, riscv and s390 first (a lock-table entry or a rule outside "On x86:")');
  });

  it('a lock named only in an "On x86:" rule: refused with --edge, and said on stderr by the patch without it', async () => {
    const rule = 'kvm->lock is taken outside kvm->irqfds.lock';
    const { tree, lines } = treeWith(tmp, 'x86-rule', (l) => x86Rule(l, rule));
    const at = lineOf(lines, `- ${rule}`) + 1;
    const edge = await runCli(['doc', '--propose', '--tree', tree, '--edge', ROUTING, '--cache-dir', cache]);
    expect(edge.code).toBe(2);
    expect(edge.stdout).toBe('');
    expect(edge.stderr).toContain(
      `kvm->irqfds.lock is documented only for x86 (locking.rst:${at}: ${rule}), but the code that takes kvm->irqfds.lock inside kvm->irq_lock is built for ${ALL_BUT_X86} too (e.g. virt/kvm/irqchip.c:`,
    );
    const patch = await runCli(['doc', '--propose', '--tree', tree, '--cache-dir', cache]);
    expect(patch.code).toBe(0);
    expect(patch.stderr).toContain(`kvm-review: not proposing ${ROUTING}: kvm->irqfds.lock is documented only for x86 (locking.rst:${at}: `);
    expect(added(patch.stdout)).not.toContainEqual(expect.stringContaining('irqfds.lock'));
  });
});

describe('doc --propose: a generic order naming a lock documented only for x86, taken by x86 builds alone', () => {
  it('--edge: the rule is proposed under "On x86:", as an x86 rule', async () => {
    const { tree } = treeWith(tmp, 'x86-tree', (l) => entryArch(l, 'kvm->mn_invalidate_lock', 'x86'), ['x86']);
    const text = await runCli(['doc', '--propose', '--tree', tree, '--format', 'text', '--edge', MEMSLOT, '--cache-dir', cache]);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^\*? +\d+ sites? {2}kvm->slots_arch_lock -> kvm->mn_invalidate_lock {2}\[x86\]$/m);
    expect(text.stdout).toContain('\nProposed (under "On x86:"):\n  - kvm->slots_arch_lock is taken outside kvm->mn_invalidate_lock\n');

    const patch = await runCli(['doc', '--propose', '--tree', tree, '--edge', MEMSLOT, '--cache-dir', cache]);
    expect(patch.code).toBe(0);
    expect(patch.stdout.replace(/\s+/g, ' ')).toContain('Document that kvm->slots_arch_lock is taken outside kvm->mn_invalidate_lock on x86.');
    writeFileSync(join(tmp, 'x86.patch'), patch.stdout);
    execFileSync('git', ['apply', join(tmp, 'x86.patch')], { cwd: tree });
    const after = readFileSync(join(tree, DOC), 'utf8').split('\n');
    const bullet = lineOf(after, '- kvm->slots_arch_lock is taken outside kvm->mn_invalidate_lock');
    expect(bullet).toBeGreaterThan(lineOf(after, 'On x86:'));
    expect(bullet).toBeLessThan(after.findIndex((l) => l.startsWith('Everything else is a leaf')));
  });

  it('without --edge: listed as an x86 candidate, not left in the generic list', async () => {
    const { tree } = treeWith(tmp, 'x86-tree-list', (l) => entryArch(l, 'kvm->mn_invalidate_lock', 'x86'), ['x86']);
    const r = await runCli(['doc', '--propose', '--tree', tree, '--format', 'text', '--cache-dir', cache]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\*? +\d+ sites? {2}kvm->slots_arch_lock -> kvm->mn_invalidate_lock {2}\[x86\]$/m);
    expect(r.stdout).not.toContain('Not proposed');
  });
});

/**
 * Whether the code "is built for riscv" or "for riscv too": too when a build that takes the order is one the lock is
 * documented for (the order is then refused for the others only), whether or not that build's rules already state it.
 */
describe('doc --propose: the builds a refused generic order is said to be built for', () => {
  const x86Stated = (l: string[]): void => {
    entryArch(l, 'kvm->mn_invalidate_lock', 'x86');
    x86Rule(l, 'kvm->slots_arch_lock is taken outside kvm->mn_invalidate_lock');
  };

  it('a lock documented for arm64 alone, the code built for x86 alone: "built for x86", no "too", and generic code is not called x86\'s', async () => {
    const { tree } = treeWith(tmp, 'arm64-lock-x86-tree', (l) => entryArch(l, 'kvm->mn_invalidate_lock', 'arm64'), ['x86']);
    const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', MEMSLOT, '--cache-dir', cache]);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /but the code that takes kvm->mn_invalidate_lock inside kvm->slots_arch_lock is built for x86 \(e\.g\. virt\/kvm\/kvm_main\.c:\d+, kvm_set_memslot\(\)\): an "On x86:" rule would name a lock locking\.rst does not document for x86; document kvm->mn_invalidate_lock for x86 first/,
    );
  });

  it('a lock documented for arm64 alone, the code built for arm64 and x86: "built for x86 too"', async () => {
    const { tree } = treeWith(tmp, 'arm64-lock-two', (l) => entryArch(l, 'kvm->mn_invalidate_lock', 'arm64'), ['x86', 'arm64']);
    const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', MEMSLOT, '--cache-dir', cache]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /is built for x86 too \(e\.g\. virt\/kvm\/kvm_main\.c:\d+, kvm_set_memslot\(\)\): a generic rule would name a lock locking\.rst does not document for x86, and an "On arm64:" rule would leave the order undocumented in that build;/,
    );
  });

  it('the order already stated under "On x86:", the code built for arm64 too: "built for arm64 too", the x86 rule named, generic code not called arm64\'s', async () => {
    const { tree, lines } = treeWith(tmp, 'x86-stated-two', x86Stated, ['x86', 'arm64']);
    const at = lineOf(lines, '- kvm->slots_arch_lock is taken outside kvm->mn_invalidate_lock') + 1;
    const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', MEMSLOT, '--cache-dir', cache]);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        String.raw`is built for arm64 too \(e\.g\. virt/kvm/kvm_main\.c:\d+, kvm_set_memslot\(\)\): a generic rule would name a lock locking\.rst does not document for arm64, ` +
          String.raw`and the x86 rule at locking\.rst:${at} does not cover that build; document kvm->mn_invalidate_lock for arm64 first \(a lock-table entry or a rule outside "On x86:"\)`,
      ),
    );
  });

  it('the order already stated under "On x86:", on the full tree: every other build, "too", and no "On x86:" rule proposed again', async () => {
    const { tree, lines } = treeWith(tmp, 'x86-stated-all', x86Stated);
    const at = lineOf(lines, '- kvm->slots_arch_lock is taken outside kvm->mn_invalidate_lock') + 1;
    const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', MEMSLOT, '--cache-dir', cache]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`is built for ${ALL_BUT_X86} too (e.g. virt/kvm/kvm_main.c:`);
    expect(r.stderr).toContain(`a generic rule would name a lock locking.rst does not document for ${ALL_BUT_X86}, and the x86 rule at locking.rst:${at} does not cover those builds;`);
  });
  it('a lock documented for x86 and arm64, the order stated under "On x86:", the code built for riscv too: neither an arm64 rule nor the x86 one covers riscv', async () => {
    const { tree, lines } = treeWith(
      tmp,
      'two-stated-riscv',
      (l) => {
        entryArch(l, 'kvm->mn_invalidate_lock', 'x86, arm64');
        x86Rule(l, 'kvm->slots_arch_lock is taken outside kvm->mn_invalidate_lock');
      },
      ['x86', 'arm64', 'riscv'],
    );
    const at = lineOf(lines, '- kvm->slots_arch_lock is taken outside kvm->mn_invalidate_lock') + 1;
    const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', MEMSLOT, '--cache-dir', cache]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        String.raw`is built for riscv too \(e\.g\. virt/kvm/kvm_main\.c:\d+, kvm_set_memslot\(\)\): a generic rule would name a lock locking\.rst does not document for riscv, ` +
          String.raw`and neither an "On arm64:" rule nor the x86 rule at locking\.rst:${at} would cover that build; document kvm->mn_invalidate_lock for riscv first \(a lock-table entry or a rule outside "On x86 and arm64:"\)`,
      ),
    );
  });
  it('without --edge, the order stated under "On x86:" alone and taken in every build: listed as not proposed, and said by the patch, not left out', async () => {
    const { tree, lines } = treeWith(tmp, 'x86-stated-list', x86Stated);
    const at = lineOf(lines, '- kvm->slots_arch_lock is taken outside kvm->mn_invalidate_lock') + 1;
    const text = await runCli(['doc', '--propose', '--tree', tree, '--format', 'text', '--cache-dir', cache]);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    const [listed, notProposed] = text.stdout.split("\nNot proposed, a lock locking.rst documents only for another architecture than the code's:\n");
    expect(listed).not.toContain(MEMSLOT);
    expect(notProposed).toMatch(new RegExp(String.raw`^ +\d+ sites?  ${MEMSLOT}: kvm->mn_invalidate_lock is documented only for x86 .* is built for ${ALL_BUT_X86} too \(e\.g\. virt/kvm/kvm_main\.c:`, 'm'));
    expect(notProposed).toContain(`and the x86 rule at locking.rst:${at} does not cover those builds;`);
    // kvm->slots_lock -> kvm->mn_invalidate_lock is x86's through generic statements and that rule: named as the chain it is.
    expect(notProposed).toMatch(
      new RegExp(String.raw`^ +\d+ sites?  kvm->slots_lock -> kvm->mn_invalidate_lock: .* and the x86 statements at locking\.rst:[\d, ]+ and ${at}, which imply the order, do not cover those builds;`, 'm'),
    );
    const patch = await runCli(['doc', '--propose', '--tree', tree, '--cache-dir', cache]);
    expect(patch.code).toBe(0);
    expect(patch.stderr).toContain(`kvm-review: not proposing ${MEMSLOT}: kvm->mn_invalidate_lock is documented only for x86 `);
  });
});
