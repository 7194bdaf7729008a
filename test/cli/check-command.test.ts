import { describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckResult } from '../../analyzers/findings/check-result.js';
import { kernelTree } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';

const cache = mkdtempSync(join(tmpdir(), 'kvm-review-cli-check-'));

describe('kvm-review check', () => {
  it('--format json follows the contract; exit 1 on error findings', async () => {
    const r = await runCli(['check', '--tree', kernelTree('6.1'), '--arch', 'x86', '--format', 'json', '--cache-dir', cache]);
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout) as CheckResult;
    expect(Object.keys(result)).toEqual(expect.arrayContaining(['findings', 'documented', 'observed', 'stats']));
    const f = result.findings.find((x) => x.kind === 'srcu-violation');
    expect(f).toEqual(expect.objectContaining({ severity: 'error', outer: 'kvm->srcu', inner: 'kvm->lock', message: expect.any(String) }));
    expect(Object.keys(f?.sites[0] ?? {})).toEqual(expect.arrayContaining(['file', 'line', 'function', 'chain']));
    expect(Object.keys(f?.sites[0]?.chain[0] ?? {})).toEqual(['function', 'file', 'line']);
    const o = result.observed.find((x) => x.outer === 'kvm->lock' && x.inner === 'vcpu->mutex');
    expect(o?.count).toBeGreaterThan(0);
    expect(Object.keys(o ?? {})).toEqual(expect.arrayContaining(['outer', 'inner', 'count', 'sites']));
    expect(result.stats.functions.clean).toBeGreaterThan(1000);
  });

  it("--doc: the tree's code against a draft of locking.rst, the draft's rules and lines in the findings; a missing draft is exit 2 naming it", async () => {
    const RULE = '- kvm->lock is taken outside vcpu->mutex';
    const own = readFileSync(join(kernelTree('6.1'), 'Documentation/virt/kvm/locking.rst'), 'utf8');
    expect(own.split('\n')).toContain(RULE);
    // The draft states that order the other way round: the code now contradicts the draft's line.
    const draft = join(cache, 'locking-draft.rst');
    writeFileSync(draft, own.replace(`${RULE}\n`, '- vcpu->mutex is taken outside kvm->lock\n'));
    const line = own.split('\n').indexOf(RULE) + 1;
    const inversions = (r: CheckResult): string[] => r.findings.filter((f) => f.kind === 'order-inversion').map((f) => `${f.outer} -> ${f.inner}`);
    const againstTree = JSON.parse((await runCli(['check', '--tree', kernelTree('6.1'), '--arch', 'x86', '--format', 'json', '--cache-dir', cache])).stdout) as CheckResult;
    const r = await runCli(['check', '--tree', kernelTree('6.1'), '--arch', 'x86', '--doc', draft, '--format', 'json', '--cache-dir', cache]);
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout) as CheckResult;
    expect(result.doc).toEqual(expect.objectContaining({ kind: 'file', path: draft }));
    expect(inversions(againstTree)).not.toContain('kvm->lock -> vcpu->mutex');
    expect(inversions(result)).toContain('kvm->lock -> vcpu->mutex');
    expect(result.findings.find((f) => f.kind === 'order-inversion' && f.outer === 'kvm->lock')?.rule).toEqual(expect.objectContaining({ line, text: 'vcpu->mutex is taken outside kvm->lock' }));
    const missing = await runCli(['check', '--tree', kernelTree('6.1'), '--arch', 'x86', '--doc', join(cache, 'no-such.rst'), '--cache-dir', cache]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${join(cache, 'no-such.rst')}: no such file`);
    expect(missing.stdout).toBe('');
  });

  it('--doc that is a directory, or not there, is exit 2 naming --doc and the path as typed', async () => {
    const dir = await runCli(['check', kernelTree('6.1'), '--arch', 'x86', '--doc', cache, '--cache-dir', cache]);
    expect({ code: dir.code, stdout: dir.stdout }).toEqual({ code: 2, stdout: '' });
    expect(dir.stderr).toBe(`kvm-review: --doc ${cache}: is a directory; --doc takes a locking.rst file\n`);
    const missing = await runCli(['check', kernelTree('6.1'), '--arch', 'x86', '--doc', 'no-such.rst', '--cache-dir', cache], cache);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('kvm-review: --doc no-such.rst: no such file or directory\n');
  });

  it('takes the tree as an argument, as --tree; not both', async () => {
    const r = await runCli(['check', kernelTree('6.1'), '--arch', 'x86', '--format', 'json', '--cache-dir', cache]);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as CheckResult).findings.some((f) => f.kind === 'srcu-violation')).toBe(true);
    const both = await runCli(['check', kernelTree('6.1'), '--tree', kernelTree('6.12'), '--cache-dir', cache]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give the tree, or --tree, not both');
    expect(both.stdout).toBe('');
  });

  it('text: lockdep-style report with the chain and the scenario table', async () => {
    const r = await runCli(['check', '--tree', kernelTree('6.1'), '--arch', 'x86', '--cache-dir', cache]);
    expect(r.stdout).toMatch(/^error: srcu-violation \[x86\]: kvm->lock is taken inside a kvm->srcu read-side critical section/m);
    expect(r.stdout).toMatch(/ {4}-> kvm_inject_pending_timer_irqs\(\) arch\/x86\/kvm\/irq\.c:\d+/);
    // As lockdep lays out a two-lock cycle: CPU1's column at 31, rlock() for the reader, sync() for synchronize_srcu().
    expect(r.stdout).toMatch(/ {7}CPU0 {20}CPU1\n {9}---- {20}----\n {4}rlock\(kvm->srcu\);\n {33}lock\(kvm->lock\);\n {33}sync\(kvm->srcu\);\n {4}lock\(kvm->lock\);/);
    expect(r.stdout).not.toContain('Chain exists of:');
    expect(r.stdout).toMatch(/\*\*\* DEADLOCK \*\*\*/);
    expect(r.stdout).toMatch(/^indexed \d+ files .* functions parsed cleanly, \d+ with parse errors, \d+ skipped$/m);
  });

  it('markdown renders findings and the observed table', async () => {
    const r = await runCli(['check', '--tree', kernelTree('6.1'), '--arch', 'x86', '--format', 'markdown', '--cache-dir', cache]);
    expect(r.stdout).toMatch(/^## kvm-review check: x86$/m);
    expect(r.stdout).toMatch(/^### 🛑 error: `srcu-violation` \(x86\)$/m);
    expect(r.stdout).toMatch(/^\| outer +\| inner +\| +sites \| e\.g\. +\|$/m);
  });

  it('a saved --format json renders again as check printed it (render), with severities configured then', async () => {
    const json = await runCli(['check', '--tree', kernelTree('6.1'), '--arch', 'x86', '--format', 'json', '--cache-dir', cache]);
    const saved = join(cache, 'check.json');
    writeFileSync(saved, json.stdout);
    expect((await runCli(['render', saved, '--format', 'json'])).stdout).toBe(json.stdout);
    const markdown = await runCli(['check', '--tree', kernelTree('6.1'), '--arch', 'x86', '--format', 'markdown', '--cache-dir', cache]);
    const again = await runCli(['render', saved, '--format', 'markdown']);
    expect(again.stdout).toBe(markdown.stdout);
    expect(again.code).toBe(markdown.code);
    // Every error lowered to a warning: the same findings, exit 0.
    const errors = [...new Set((JSON.parse(json.stdout) as CheckResult).findings.filter((f) => f.severity === 'error').map((f) => f.kind))];
    expect(errors.length).toBeGreaterThan(0);
    const lowered = await runCli(['render', saved, ...errors.flatMap((k) => ['--severity', `${k}=warning`])]);
    expect(lowered.code).toBe(0);
    expect(lowered.stdout).toMatch(/^warning: srcu-violation \[x86\]/m);
  });

  it('the summary line counts each severity as the findings do, and a count of one is singular ("1 error", not "1 errors")', async () => {
    const tree = kernelTree('6.12');
    const json = JSON.parse((await runCli(['check', '--tree', tree, '--format', 'json', '--cache-dir', cache])).stdout) as CheckResult;
    const n = (sev: string): number => json.findings.filter((f) => f.severity === sev).length;
    // 6.12: one error (the x86 cycle through kvm->srcu), several warnings.
    expect(n('error')).toBe(1);
    expect(n('warning')).toBeGreaterThan(1);
    const summary = `1 error, ${n('warning')} warnings, ${n('info')} info`;
    expect((await runCli(['check', '--tree', tree, '--cache-dir', cache])).stdout).toMatch(new RegExp(`^${summary}$`, 'm'));
    expect((await runCli(['check', '--tree', tree, '--format', 'markdown', '--cache-dir', cache])).stdout).toMatch(new RegExp(`^${summary}; \\d+ observed lock-order edges in \\d+ files\\.$`, 'm'));
  });

  it('markdown: a synchronize_srcu() row of the observed table is written as the call is (&kvm->srcu), as the text report writes it', async () => {
    const r = await runCli(['check', '--tree', kernelTree('6.12'), '--format', 'markdown', '--cache-dir', cache]);
    expect(r.stdout).toMatch(/^\| `kvm->slots_lock` +\| `synchronize_srcu\(&kvm->srcu\)` +\| +\d+ \|/m);
    expect(r.stdout).not.toContain('synchronize_srcu(kvm->srcu)');
  });

  it('bad input: exit 2 and a message naming the path', async () => {
    const noTree = await runCli(['check', '--tree', join(cache, 'nope')]);
    expect(noTree.code).toBe(2);
    expect(noTree.stderr).toMatch(/nope: --tree is not a directory/);
    const notKernel = await runCli(['check', '--tree', cache]);
    expect(notKernel.stderr).toMatch(/not a kernel tree with KVM/);
    const badArch = await runCli(['check', '--tree', kernelTree('6.1'), '--arch', 'sparc']);
    expect(badArch.code).toBe(2);
    expect(badArch.stderr).toMatch(/no arch\/sparc\/kvm in this tree; --arch takes one of .*x86.* or all/);
    const noCwdTree = await runCli(['check'], cache);
    expect(noCwdTree.stderr).toMatch(/not a kernel tree; give one with --tree DIR/);
  });

  it('--arch as uname -m prints it (aarch64, x86_64) is exit 2 naming the arch directory the kernel calls it, not accepted unsaid', async () => {
    const tree = kernelTree('6.12');
    const arm = await runCli(['check', tree, '--arch', 'aarch64', '--cache-dir', cache]);
    expect({ code: arm.code, stdout: arm.stdout }).toEqual({ code: 2, stdout: '' });
    expect(arm.stderr).toBe('kvm-review: --arch aarch64: the kernel calls it arm64 (arch/arm64)\n');
    const x86 = await runCli(['check', tree, '--arch', 'x86_64', '--cache-dir', cache]);
    expect(x86.code).toBe(2);
    expect(x86.stderr).toBe('kvm-review: --arch x86_64: the kernel calls it x86 (arch/x86)\n');
    // The kernel's name, and that this tree has no KVM for it (arch/arm lost KVM in 5.7): the list of those it has.
    const armv7 = await runCli(['check', tree, '--arch', 'armv7l', '--cache-dir', cache]);
    expect(armv7.code).toBe(2);
    expect(armv7.stderr).toBe(`kvm-review: --arch armv7l: the kernel calls it arm (arch/arm), and ${tree} has no arch/arm/kvm; --arch takes one of arm64, loongarch, mips, powerpc, riscv, s390, x86 or all\n`);
  });

  it('--arch on a tree with generic KVM code only: the message says all is the one choice, not an empty list', async () => {
    const tree = join(cache, 'generic-only');
    mkdirSync(join(tree, 'virt/kvm'), { recursive: true });
    mkdirSync(join(tree, 'Documentation/virt/kvm'), { recursive: true });
    writeFileSync(join(tree, 'virt/kvm/kvm_main.c'), 'static int kvm_demo(void)\n{\n\treturn 0;\n}\n');
    copyFileSync(join(kernelTree('6.12'), 'Documentation/virt/kvm/locking.rst'), join(tree, 'Documentation/virt/kvm/locking.rst'));
    const x86 = await runCli(['check', '--tree', tree, '--arch', 'x86', '--cache-dir', cache]);
    expect(x86.code).toBe(2);
    expect(x86.stderr).toBe(`kvm-review: ${tree}: no arch/x86/kvm in this tree; it has no arch/*/kvm directory, so --arch takes only all\n`);
    const all = await runCli(['check', '--tree', tree, '--arch', 'all', '--cache-dir', cache]);
    expect(all.code).toBe(0);
  });

  it('a tree given as the argument is named as given, not as a --tree the user did not type', async () => {
    const missing = await runCli(['check', 'nope'], cache);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('kvm-review: check nope: no such file or directory\n');
    const file = join(cache, 'locking.rst');
    writeFileSync(file, 'a draft\n');
    const notDir = await runCli(['check', file]);
    expect(notDir.code).toBe(2);
    expect(notDir.stderr).toBe(`kvm-review: check ${file}: not a directory (check reads a kernel tree; a draft locking.rst goes with --doc FILE)\n`);
    expect(missing.stdout + notDir.stdout).toBe('');
  });
});
