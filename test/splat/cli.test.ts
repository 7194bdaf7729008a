/**
 * `kvm-review splat` end to end: the JSON contract on a real thread, the
 * input error, the formats, and `--repo` on a small git repository built
 * here (its C and locking.rst written for the test).
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FIXTURES, kernelTree, SHARED } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { readReports } from '../../analyzers/splat/read.js';

const tmp = mkdtempSync(join(tmpdir(), 'kvm-review-splat-cli-'));
const cache = join(tmp, 'cache');
const LORE = join(SHARED, 'corpus', 'lore');
const USAGE = join(LORE, 'kvm', 'kvm-usage-lock-deadlock-2024.mbx');

function write(root: string, file: string, text: string): void {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), text);
}

function git(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Demo Dev', '-c', 'user.email=dev@example.org', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, encoding: 'utf8' }).trim();
}

const DOC = '=================\nKVM Lock Overview\n=================\n\n1. Acquisition Orders\n---------------------\n\nThe acquisition orders for mutexes are as follows:\n\n- kvm->lock is taken outside vcpu->mutex\n';
const HEADER = 'struct mutex { int x; };\nstruct kvm { struct mutex lock; };\nstruct kvm_vcpu { struct kvm *kvm; struct mutex mutex; };\n';
const MAIN = (reset: string): string =>
  `#include <linux/kvm_host.h>\n\nstatic void demo_reset(struct kvm_vcpu *vcpu)\n{\n${reset}}\n\nlong demo_vcpu_ioctl(struct kvm_vcpu *vcpu)\n{\n\tmutex_lock(&vcpu->mutex);\n\tdemo_reset(vcpu);\n\tmutex_unlock(&vcpu->mutex);\n\treturn 0;\n}\n`;

describe('kvm-review splat', () => {
  it('--format json prints exactly the contract; exit 1 when a dependency breaks a rule', async () => {
    const r = await runCli(['splat', USAGE, '--tree', kernelTree('6.12'), '--format', 'json', '--cache-dir', cache]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { reports: Record<string, unknown>[]; notes: string[] };
    expect(Object.keys(out)).toEqual(['reports', 'notes']);
    expect(out.notes).toEqual([]);
    const [report] = out.reports as { kind: string; locks: object[]; edges: Record<string, unknown>[]; wrongEdge: number; warnings: string[] }[];
    expect(Object.keys(report ?? {})).toEqual(['kind', 'locks', 'edges', 'wrongEdge', 'warnings']);
    expect(report?.warnings).toEqual([]);
    expect(Object.keys(report?.locks[0] ?? {})).toEqual(['lockdep', 'class']);
    expect(Object.keys(report?.edges[0] ?? {})).toEqual(['n', 'outer', 'inner', 'outerLockdep', 'innerLockdep', 'functions', 'notInTree', 'site', 'reason', 'rule', 'wrong']);
    expect(Object.keys((report?.edges[0]?.rule as object) ?? {})).toEqual(['line', 'text', 'verdict']);
    expect(report?.wrongEdge).toBe(0);
  });

  it('text: the cycle, the edge to break with locking.rst:LINE and its text, the scenario table', async () => {
    const r = await runCli(['splat', USAGE, '--tree', kernelTree('6.12'), '--cache-dir', cache]);
    expect(r.stdout).toContain('cycle: kvm_lock -> kvm->slots_lock -> kvm->srcu (synchronize_srcu) -> cpus_read_lock() -> kvm_lock');
    expect(r.stdout).toMatch(/Break #0, kvm_lock -> kvm->slots_lock: locking\.rst:\d+ says "Everything else is a leaf/);
    expect(r.stdout).toMatch(/rule: follows locking\.rst:\d+: "cpus_read_lock\(\) is taken outside kvm_lock"/);
    // lockdep's own table for this report: the lock being taken, the lock before the held one on the chain, the held one; two CPUs however long the cycle.
    expect(r.stdout).toContain(['Chain exists of:', '  kvm->slots_lock --> cpus_read_lock() --> kvm_lock', '', ' Possible unsafe locking scenario:', '', '       CPU0                    CPU1', '       ----                    ----', '  lock(kvm_lock);', '                               lock(cpus_read_lock());', '                               lock(kvm_lock);', '  lock(kvm->slots_lock);'].join('\n'));
    expect(r.stdout).not.toContain('CPU2');
    expect(r.stdout).toContain('*** DEADLOCK ***');
  });

  it('reads paths relative to the working directory; markdown and email formats', async () => {
    const md = await runCli(['splat', join('splat', 'quoted-wrapped.txt'), '--format', 'markdown'], FIXTURES);
    expect(md.stdout).toMatch(/^## Report 1: possible circular locking dependency/m);
    expect(md.stdout).toMatch(/^\| # +\| edge/m);
    expect(md.stderr).toContain('no kernel tree');
    const mail = await runCli(['splat', USAGE, '--format', 'email']);
    expect(mail.stdout).toMatch(/^Subject: Re: \[PATCH 6\.6 413\/538\] KVM: Use dedicated mutex/m);
    expect(mail.stdout).toMatch(/^In-Reply-To: <20241002125808\.\d+@linuxfoundation\.org>$/m);
    expect(mail.stdout).toMatch(/^> WARNING: possible circular locking dependency detected$/m);
  });

  it('text with no lockdep report: exit 2 naming the file', async () => {
    write(tmp, 'plain.txt', 'nothing to see here\n');
    const r = await runCli(['splat', join(tmp, 'plain.txt')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/plain\.txt: no lockdep report found/);
  });

  it('a lockdep report of a kind not read is told: a note beside the reports read, or in the input error', async () => {
    // The SEV thread: the recursive report, and in a reply "WARNING: bad unlock balance detected!".
    const sev = await runCli(['splat', join(LORE, 'kvm', 'sev-nested-vcpu-mutex-lockdep.mbx')]);
    expect(sev.stdout).toMatch(/^1 lockdep report;/);
    expect(sev.stdout).toMatch(/^note: not read: "WARNING: bad unlock balance detected!" \(message \d+ "Re: \[PATCH v3\] KVM: SEV: Mark nested locking of vcpu->lock", line \d+\): /m);
    const json = await runCli(['splat', join(LORE, 'kvm', 'sev-nested-vcpu-mutex-lockdep.mbx'), '--format', 'json']);
    expect(json.stderr).toMatch(/note: not read: "WARNING: bad unlock balance detected!"/);
    // In the document too, beside the no-tree note: a caller reading only stdout is told what was not read.
    const doc = JSON.parse(json.stdout) as { notes: string[] };
    expect(doc.notes).toEqual(expect.arrayContaining([expect.stringMatching(/^no kernel tree: /), expect.stringMatching(/^not read: "WARNING: bad unlock balance detected!" \(message \d+ /)]));
    // The vgic thread quotes its "sleeping function" report in three replies: told once.
    const vgic = await runCli(['splat', join(LORE, 'kvmarm', 'arm64-vgic-v4-residency-lockdep.mbx')]);
    expect(vgic.stdout.match(/^note: not read: "BUG: sleeping function called from invalid context"/gm)).toHaveLength(1);
    // A thread whose only report is of another kind: exit 2, and the error says what it found.
    const rcu = await runCli(['splat', join(LORE, 'kvmarm', 'arm64-pgtable-rcu-exclusive-walk-v3.mbx')]);
    expect(rcu.code).toBe(2);
    expect(rcu.stderr).toMatch(/no lockdep report kvm-review reads \(looked for .*\); found only "BUG: sleeping function called from invalid context" \(line \d+ of message \d+\), which it does not read/);
  });

  it('--format json: a report whose chain was cut carries the "incomplete cycle" warning in the document, and on stderr', async () => {
    // The real 2024 report with its last chain entry (#3 and its stack) cut out, as a mail quoting part of it does.
    const [real] = await readReports(USAGE);
    const lines = (real?.text ?? '').split('\n');
    const start = lines.findIndex((l) => l.startsWith('-> #3 '));
    const end = lines.findIndex((l, i) => i > start && !/^\S+\+0x[0-9a-f]+\/0x[0-9a-f]+/.test(l) && !l.startsWith('-> #3 '));
    expect(start).toBeGreaterThan(0);
    write(tmp, 'cut.txt', [...lines.slice(0, start), ...lines.slice(end)].join('\n'));
    const r = await runCli(['splat', join(tmp, 'cut.txt'), '--format', 'json']);
    const out = JSON.parse(r.stdout) as { reports: { warnings: string[] }[] };
    expect(out.reports[0]?.warnings).toEqual([expect.stringMatching(/^incomplete cycle: the chain stops at #2, before it comes back to the held lock kvm_lock/)]);
    expect(r.stderr).toContain(`report 1 (line 1): ${out.reports[0]?.warnings[0]}`);
    // Text says it in the report.
    const text = await runCli(['splat', join(tmp, 'cut.txt')]);
    expect(text.stdout).toContain(out.reports[0]?.warnings[0]);
  });

  it('--repo names the commit that added the inner acquisition at the site', async () => {
    const repo = join(tmp, 'repo');
    write(repo, 'Documentation/virt/kvm/locking.rst', DOC);
    write(repo, 'include/linux/kvm_host.h', HEADER);
    write(repo, 'arch/x86/kvm/x86.c', 'int demo_x86;\n');
    write(repo, 'virt/kvm/kvm_main.c', MAIN('\tvcpu->kvm = vcpu->kvm;\n'));
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'demo: vcpu ioctl');
    write(repo, 'virt/kvm/kvm_main.c', MAIN('\tmutex_lock(&vcpu->kvm->lock);\n\tvcpu->kvm = vcpu->kvm;\n\tmutex_unlock(&vcpu->kvm->lock);\n'));
    git(repo, 'commit', '-qam', 'demo: take kvm->lock in demo_reset');
    const added = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'demo: later work');

    const r = await runCli(['splat', join(FIXTURES, 'splat', 'quoted-wrapped.txt'), '--tree', repo, '--repo', repo, '--format', 'json', '--no-cache']);
    expect(r.code).toBe(1);
    const edge = (JSON.parse(r.stdout) as { reports: { edges: { n: number; site: { function: string; commit?: { sha: string; subject: string; line: number } } | null }[] }[] }).reports[0]?.edges[0];
    expect(edge?.site?.function).toBe('demo_vcpu_ioctl');
    const line = readFileSync(join(repo, 'virt/kvm/kvm_main.c'), 'utf8').split('\n').findIndex((l) => l.includes('mutex_lock(&vcpu->kvm->lock)')) + 1;
    expect(edge?.site?.commit).toEqual(expect.objectContaining({ sha: added, subject: 'demo: take kvm->lock in demo_reset', line }));
    const text = await runCli(['splat', join(FIXTURES, 'splat', 'quoted-wrapped.txt'), '--tree', repo, '--repo', repo, '--no-cache']);
    expect(text.stdout).toContain(`added by: ${added.slice(0, 12)} ("demo: take kvm->lock in demo_reset"), Demo Dev <dev@example.org>`);
  });

  it('a --repo that is not a git repository is exit 2 naming it, before anything is printed', async () => {
    const notGit = join(tmp, 'not-git');
    mkdirSync(notGit, { recursive: true });
    const r = await runCli(['splat', join(FIXTURES, 'splat', 'quoted-wrapped.txt'), '--tree', kernelTree('6.1'), '--repo', notGit, '--no-cache']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`kvm-review: ${notGit}: --repo is not a git repository\n`);
  });

  it('a --repo that is a git repository but not the tree\'s (it does not track virt/kvm/kvm_main.c) is exit 2 naming it', async () => {
    const other = join(tmp, 'other-repo');
    write(other, 'README', 'not a kernel\n');
    git(other, 'init', '-q');
    git(other, 'add', '-A');
    git(other, 'commit', '-qm', 'first');
    const r = await runCli(['splat', join(FIXTURES, 'splat', 'quoted-wrapped.txt'), '--tree', kernelTree('6.1'), '--repo', other, '--no-cache']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`kvm-review: ${other}: --repo does not track virt/kvm/kvm_main.c: not the kernel tree's repository (give the git repository the tree is a checkout of)\n`);
  });

  it('--max-input bounds the input as mbox\'s does, since the refusal tells the user to raise it with --max-input', async () => {
    const small = await runCli(['splat', USAGE, '--max-input', '1K', '--no-cache']);
    expect(small.code).toBe(2);
    expect(small.stdout).toBe('');
    expect(small.stderr).toMatch(new RegExp(`^kvm-review: ${USAGE.replace(/[.*+?^$()[\]{}|\\]/g, '\\$&')}: \\d+ KiB is over the 1 KiB input limit \\(raise it with --max-input SIZE, e.g. 256M\\)\n$`));
    const raised = await runCli(['splat', USAGE, '--max-input', '1M', '--format', 'json', '--no-cache']);
    expect((JSON.parse(raised.stdout) as { reports: unknown[] }).reports).toHaveLength(1);
  });
});
