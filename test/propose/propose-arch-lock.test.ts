/**
 * `doc --propose --edge` asks whether the document names the edge's locks
 * for the architecture the rule is for, not in any architecture: a lock
 * locking.rst names only under "On x86:" (or in a lock-table entry with
 * `:Arch: x86`) is no lock of arm64's as far as the document says, so an
 * arm64 rule naming it is refused with where the document names it.
 *
 * 6.12's arm64 code takes kvm->arch.config_lock inside kvm->slots_lock
 * (kvm_vgic_destroy() and others); no x86 code has that lock, and 6.12's
 * locking.rst does not name it.
 */
import { describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelTree } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'kvm-review-propose-arch-lock-'));
const cache = join(tmp, 'cache');
const DOC = 'Documentation/virt/kvm/locking.rst';
const EDGE = 'kvm->slots_lock -> kvm->arch.config_lock';

/** A copy of the 6.12 tree whose locking.rst `edit` changes; the edited lines are returned. */
function treeWith(name: string, edit: (lines: string[]) => void): { tree: string; lines: string[] } {
  const tree = join(tmp, name);
  cpSync(kernelTree('6.12'), tree, { recursive: true });
  const lines = readFileSync(join(tree, DOC), 'utf8').split('\n');
  edit(lines);
  writeFileSync(join(tree, DOC), lines.join('\n'));
  return { tree, lines };
}

/** The index of the first line equal to `text`; it must be there. */
function lineOf(lines: readonly string[], text: string): number {
  const at = lines.indexOf(text);
  if (at < 0) throw new Error(`no line "${text}"`);
  return at;
}

/** Adds `rule` as a bullet under "On x86:". */
function x86Rule(lines: string[], rule: string): void {
  lines.splice(lineOf(lines, 'On x86:') + 1, 0, '', `- ${rule}`);
}

/** Adds an "On arm64:" list with `rule`, before the leaf claim. */
function arm64Rule(lines: string[], rule: string): void {
  const leaf = lines.findIndex((l) => l.startsWith('Everything else is a leaf'));
  if (leaf < 0) throw new Error('no leaf claim');
  lines.splice(leaf, 0, 'On arm64:', '', `- ${rule}`, '');
}

/** The 1-based line of the `:Arch:` field in `name`'s lock-table entry: where a message quoting that field points. */
function archLineOf(lines: readonly string[], name: string): number {
  const heading = lineOf(lines, `\`\`${name}\`\``);
  const at = lines.findIndex((l, i) => i > heading && l.startsWith(':Arch:'));
  if (at < 0) throw new Error(`no :Arch: after the heading of ${name}`);
  return at + 1;
}

/** Adds a lock-table entry for `name` with `:Arch: arch`, before the kvm->mmu_lock entry. */
function tableEntry(lines: string[], name: string, arch: string): void {
  const heading = `\`\`${name}\`\``;
  lines.splice(lineOf(lines, '``kvm->mmu_lock``'), 0, heading, '^'.repeat(heading.length), '', ':Type:\t\tmutex', `:Arch:\t\t${arch}`, '');
}

describe('doc --propose --edge: a lock the document names only for another architecture', () => {
  it('named only in an x86 rule: an arm64 rule is refused, saying where x86 names it and which arm64 code takes it (exit 2)', async () => {
    const { tree, lines } = treeWith('x86-rule', (l) => x86Rule(l, 'kvm->lock is taken outside kvm->arch.config_lock'));
    const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', EDGE, '--cache-dir', cache]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const at = lineOf(lines, '- kvm->lock is taken outside kvm->arch.config_lock') + 1;
    expect(r.stderr).toContain(
      `kvm->arch.config_lock is documented only for x86 (locking.rst:${at}: kvm->lock is taken outside kvm->arch.config_lock), ` +
        "but the code that takes kvm->arch.config_lock inside kvm->slots_lock is arm64's (e.g. arch/arm64/",
    );
    expect(r.stderr).toContain('an "On arm64:" rule would name a lock locking.rst does not document for arm64');
    expect(r.stderr).not.toContain('nothing to document');
  });

  it('a lock-table entry with :Arch: x86: the arm64 rule check would otherwise suggest is refused (exit 2)', async () => {
    const { tree, lines } = treeWith('x86-table', (l) => tableEntry(l, 'kvm->arch.config_lock', 'x86'));
    const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', EDGE, '--cache-dir', cache]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const at = archLineOf(lines, 'kvm->arch.config_lock');
    expect(r.stderr).toContain(`kvm->arch.config_lock is documented only for x86 (locking.rst:${at}: the lock table's entry, :Arch: x86), but the code`);
  });

  it('an arm64 lock and an x86 lock: refused before the code is read, no build has both (exit 2)', async () => {
    // 6.12 names kvm->arch.tdp_mmu_pages_lock in one statement, under "On x86:" (the mmu_lock rwlock bullet).
    const { tree, lines } = treeWith('split', (l) => arm64Rule(l, 'kvm->lock is taken outside kvm->arch.config_lock'));
    const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', 'kvm->arch.config_lock -> kvm->arch.tdp_mmu_pages_lock', '--cache-dir', cache]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const arm = lineOf(lines, '- kvm->lock is taken outside kvm->arch.config_lock') + 1;
    const x86 = lines.findIndex((l) => l.startsWith('- kvm->arch.mmu_lock is an rwlock')) + 1;
    expect(x86).toBeGreaterThan(lineOf(lines, 'On x86:'));
    expect(r.stderr).toContain(
      `kvm->arch.config_lock is documented only for arm64 (locking.rst:${arm}: kvm->lock is taken outside kvm->arch.config_lock) ` +
        `and kvm->arch.tdp_mmu_pages_lock only for x86 (locking.rst:${x86}: critical sections for kvm->arch.tdp_mmu_pages_lock`,
    );
    expect(r.stderr).toMatch(/\); no build has both, so there is no order between them to document\n$/);
  });

  it('the same lock named for arm64 (and for x86 too): the arm64 rule is proposed under "On arm64:"', async () => {
    const { tree } = treeWith('both', (l) => {
      arm64Rule(l, 'kvm->lock is taken outside kvm->arch.config_lock');
      x86Rule(l, 'kvm->lock is taken outside kvm->arch.config_lock');
    });
    const r = await runCli(['doc', '--propose', '--tree', tree, '--format', 'text', '--edge', EDGE, '--cache-dir', cache]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\nProposed (under "On arm64:"):\n  - kvm->slots_lock is taken outside kvm->arch.config_lock\n');
  });
});

describe('doc --propose without --edge: the same architecture check on what it would propose', () => {
  it('an arm64 order on a lock the table gives x86 alone is listed as not proposed, with why, not as a candidate', async () => {
    const { tree, lines } = treeWith('x86-table-top', (l) => tableEntry(l, 'kvm->arch.config_lock', 'x86'));
    const r = await runCli(['doc', '--propose', '--tree', tree, '--format', 'text', '--cache-dir', cache]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const at = archLineOf(lines, 'kvm->arch.config_lock');
    const [listed, notProposed] = r.stdout.split("\nNot proposed, a lock locking.rst documents only for another architecture than the code's:\n");
    expect(notProposed).toMatch(
      new RegExp(
        String.raw`^ +\d+ sites?  kvm->slots_lock -> kvm->arch\.config_lock  \[arm64\]: kvm->arch\.config_lock is documented only for x86 ` +
          String.raw`\(locking\.rst:${at}: the lock table's entry, :Arch: x86\), but the code that takes kvm->arch\.config_lock inside kvm->slots_lock is arm64's \(e\.g\. arch/arm64/`,
        'm',
      ),
    );
    expect(listed).not.toContain('kvm->arch.config_lock');
  });

  it('the patch: the order is said on stderr and the rule proposed is another candidate', async () => {
    const { tree } = treeWith('x86-table-patch', (l) => tableEntry(l, 'kvm->arch.config_lock', 'x86'));
    const r = await runCli(['doc', '--propose', '--tree', tree, '--cache-dir', cache]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('kvm-review: not proposing kvm->slots_lock -> kvm->arch.config_lock (arm64): kvm->arch.config_lock is documented only for x86 (locking.rst:');
    expect(r.stdout).toMatch(/^\+- \S+ is taken outside \S+$/m);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++'))).not.toContainEqual(expect.stringContaining('config_lock'));
  });
});
