/**
 * `doc --propose` on the 6.12 tree: the vcpu->mutex -> kvm->slots_lock
 * proposal (the order the 2026 documentation commit wrote by hand) applies
 * with `git am` in a test repository, `doc` reads the new rule, and `check`
 * no longer reports that order, nor the orders it implies, and reports
 * nothing new. Plus the cycle refusal and the placement rules.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditTree } from '../../analyzers/audit.js';
import type { Finding } from '../../analyzers/findings/model.js';
import { loadDocumentedOrder } from '../../knowledge/doc/load.js';
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import { drawChain } from '../../knowledge/doc/propose-mail.js';
import { insertRule, ProposalError, rankCandidates, rulePlace } from '../../knowledge/doc/propose.js';
import { corpusRevision, kernelTree } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'kvm-review-propose-'));
const cache = join(tmp, 'cache');
const DOC = 'Documentation/virt/kvm/locking.rst';
const EDGE = 'vcpu->mutex -> kvm->slots_lock';
const ME = 'Demo Maintainer <maint@example.org>';

function git(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Demo Maintainer', '-c', 'user.email=maint@example.org', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, encoding: 'utf8' }).trim();
}

const key = (f: Finding): string => `${f.kind} ${f.outer} -> ${f.inner} ${f.arch ?? ''}`;

let patch = '';
let unsigned = '';

beforeAll(async () => {
  const tree = kernelTree('6.12');
  const signed = await runCli(['doc', '--propose', '--tree', tree, '--edge', EDGE, '--signoff', ME, '--cache-dir', cache]);
  expect(signed.code).toBe(0);
  patch = signed.stdout;
  unsigned = (await runCli(['doc', '--propose', '--tree', tree, '--edge', EDGE, '--cache-dir', cache])).stdout;
});

describe('doc --propose on 6.12: vcpu->mutex -> kvm->slots_lock', () => {
  it('is a format-patch mail touching locking.rst alone, one bullet, lines of at most 80 columns', () => {
    expect(patch).toMatch(/^From 0{40} Mon Sep 17 00:00:00 2001\nFrom: Demo Maintainer <maint@example\.org>\n/);
    expect(patch.match(/^diff --git /gm)).toEqual([`diff --git `]);
    expect(patch).toContain(`diff --git a/${DOC} b/${DOC}`);
    const diff = patch.slice(patch.indexOf('diff --git'), patch.lastIndexOf('\n-- \n')).split('\n');
    const added = diff.filter((l) => l.startsWith('+') && !l.startsWith('+++'));
    expect(added.filter((l) => l.trim() !== '+')).toEqual(['+- vcpu->mutex is taken outside kvm->slots_lock']);
    expect(diff.filter((l) => l.startsWith('-') && !l.startsWith('---'))).toEqual([]);
    for (const l of added) expect(l.length - 1).toBeLessThanOrEqual(80);
  });

  it('says how many sites rely on the order and draws two or three of their chains', () => {
    const sites = /at (\d+) sites/.exec(patch.replace(/\n/g, ' '));
    expect(Number(sites?.[1])).toBeGreaterThanOrEqual(2);
    const chains = patch.split('\n\n').filter((p) => /^ {2}\w+\(\)\n {2}\|\n {2}-> \w+\(\)/.test(p));
    expect(chains.length).toBeGreaterThanOrEqual(2);
    expect(chains.length).toBeLessThanOrEqual(3);
    // The x86 chain through KVM_RUN that the 2026 commit drew by hand.
    expect(patch).toMatch(/-> kvm_inhibit_apic_access_page\(\)/);
  });

  it('signs off only with --signoff', () => {
    expect(patch).toContain(`\nSigned-off-by: ${ME}\n---\n`);
    expect(unsigned).not.toContain('Signed-off-by:');
    expect(unsigned).toMatch(/^From: kvm-review <kvm-review@localhost>$/m);
  });

  it('a malformed --signoff is refused (exit 2, nothing printed): no name, no address, a line break that would add a header', async () => {
    const tree = kernelTree('6.12');
    for (const [signoff, why] of [
      ['nobody', /expected NAME <EMAIL>/],
      ['Demo Maintainer maint@example.org', /expected NAME <EMAIL>/],
      ['<maint@example.org>', /no name before <EMAIL>/],
      ['Demo Maintainer <maint>', /<maint> is not an e-mail address/],
      ['Demo Maintainer <maint@example.org>\nCc: someone@example.org', /line break/],
    ] as const) {
      const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', EDGE, '--signoff', signoff, '--cache-dir', cache]);
      expect([signoff, r.code, r.stdout]).toEqual([signoff, 2, '']);
      expect(r.stderr).toMatch(why);
    }
  });

  it('a non-ASCII or dotted name is a From: git am reads back (RFC 2047, quoted) and the same Signed-off-by:', async () => {
    const tree = kernelTree('6.12');
    const repo = join(tmp, 'repo-names');
    mkdirSync(join(repo, 'Documentation/virt/kvm'), { recursive: true });
    copyFileSync(join(tree, DOC), join(repo, DOC));
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'base');
    for (const who of ['Radim Krčmář <rkrcmar@example.org>', 'Sean J. Christopherson <seanjc@example.org>']) {
      const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', EDGE, '--signoff', who, '--cache-dir', cache]);
      expect(r.code).toBe(0);
      const headers = r.stdout.slice(0, r.stdout.indexOf('\n\n'));
      expect(headers).toMatch(/^[\x20-\x7e\n]*$/);
      writeFileSync(join(tmp, 'who.patch'), r.stdout);
      git(repo, 'am', '-q', join(tmp, 'who.patch'));
      expect(git(repo, 'log', '-1', '--format=%an <%ae>')).toBe(who);
      expect(git(repo, 'log', '-1', '--format=%(trailers:key=Signed-off-by,valueonly)')).toBe(who);
      git(repo, 'reset', '-q', '--hard', 'HEAD~1');
    }
  });

  it('applies with git am; doc reads the rule; check drops the order and what it implies, and reports nothing new', async () => {
    const tree = kernelTree('6.12');
    const repo = join(tmp, 'repo');
    mkdirSync(join(repo, 'Documentation/virt/kvm'), { recursive: true });
    copyFileSync(join(tree, DOC), join(repo, DOC));
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'base');
    writeFileSync(join(tmp, 'proposal.patch'), patch);
    git(repo, 'am', '-q', join(tmp, 'proposal.patch'));
    expect(git(repo, 'log', '-1', '--format=%s')).toBe('Documentation: KVM: Document taking vcpu->mutex outside kvm->slots_lock');
    expect(git(repo, 'show', '--stat', '--format=', 'HEAD')).toMatch(/^Documentation\/virt\/kvm\/locking\.rst \| 2 \+\+\n 1 file changed, 2 insertions\(\+\)$/);

    const patched = join(repo, DOC);
    const line = readFileSync(patched, 'utf8').split('\n').indexOf('- vcpu->mutex is taken outside kvm->slots_lock') + 1;
    const read = await runCli(['doc', '--file', patched, '--format', 'json']);
    expect(read.code).toBe(0);
    const order = JSON.parse(read.stdout) as DocumentedOrder;
    expect(order.edges).toEqual(expect.arrayContaining([expect.objectContaining({ outer: 'vcpu->mutex', inner: 'kvm->slots_lock', arch: null, line, origin: 'order-list' })]));
    expect(order.problems.filter((p) => p.severity === 'error')).toEqual([]);

    const before = await auditTree(tree, { arch: 'all', doc: loadDocumentedOrder({ tree, cwd: tree }), cache: { dir: cache } });
    const after = await auditTree(tree, { arch: 'all', doc: loadDocumentedOrder({ file: patched, cwd: tmp }), cache: { dir: cache } });
    const undocumented = (r: typeof after, outer: string, inner: string): Finding[] => r.findings.filter((f) => f.kind === 'undocumented-order' && f.outer === outer && f.inner === inner);
    expect(undocumented(before, 'vcpu->mutex', 'kvm->slots_lock').length).toBeGreaterThan(0);
    expect(undocumented(after, 'vcpu->mutex', 'kvm->slots_lock')).toEqual([]);
    // Implied through "kvm->slots_lock is taken outside kvm->irq_lock".
    expect(undocumented(before, 'vcpu->mutex', 'kvm->irq_lock').length).toBeGreaterThan(0);
    expect(undocumented(after, 'vcpu->mutex', 'kvm->irq_lock')).toEqual([]);
    const old = new Set(before.findings.map(key));
    expect(after.findings.map(key).filter((k) => !old.has(k))).toEqual([]);
  });

  it('an order the code took only through a put that is never the last is nothing to document (exit 2)', async () => {
    // sev_vm_move_enc_context_from() holds vcpu->mutex and puts the source VM, whose last put would take kvm_usage_lock;
    // the source VM's file holds another reference (knowledge/refcount-puts.ts). A conditional site is refused below.
    const r = await runCli(['doc', '--propose', '--tree', kernelTree('6.12'), '--edge', 'vcpu->mutex -> kvm_usage_lock', '--cache-dir', cache]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('no site in');
    expect(r.stderr).toContain('takes kvm_usage_lock inside vcpu->mutex');
  });

  it('a rule the document contradicts is refused with the cycle and the statements that close it (exit 2)', async () => {
    const tree = kernelTree('6.12');
    const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', 'kvm->slots_lock -> kvm->lock', '--cache-dir', cache]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const line = readFileSync(join(tree, DOC), 'utf8').split('\n').indexOf('- kvm->lock is taken outside kvm->slots_lock and kvm->irq_lock') + 1;
    expect(r.stderr).toContain('cycle: kvm->slots_lock -> kvm->lock -> kvm->slots_lock');
    expect(r.stderr).toContain(`locking.rst:${line}: kvm->lock is taken outside kvm->slots_lock and kvm->irq_lock`);
  });

  it('an --edge naming a lock locking.rst does not, the same lock twice, or three locks is refused before any analysis (exit 2)', async () => {
    const tree = kernelTree('6.12');
    for (const [edge, why] of [
      ['kvm->lokc -> kvm->slots_lock', /kvm->lokc is not named in .*locking\.rst/],
      ['foo_lock -> bar_lock', /foo_lock and bar_lock are not named in /],
      ['kvm->lock -> vcpu->kvm->lock', /both sides are kvm->lock/],
      ['vcpu->mutex -> kvm->lock -> kvm->slots_lock', /two locks .*not a chain of 3/],
      // One lock alone is not told to put spaces around an arrow it does not have; two with the arrow unspaced are shown how.
      ['kvm->lock', /^kvm-review: --edge "kvm->lock": no " -> " between two locks; give "OUTER -> INNER"/],
      ['vcpu->mutex->kvm->lock', /no " -> " between two locks; give "OUTER -> INNER", spaces around the arrow \(a lock's own "->" has none\)/],
    ] as const) {
      const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', edge, '--no-cache']);
      expect([edge, r.code, r.stdout]).toEqual([edge, 2, '']);
      expect(r.stderr).toMatch(why);
      expect(r.stderr).not.toMatch(/no site .* takes/);
    }
  });

  it('an --edge the document implies through another lock is refused with every statement of the chain', async () => {
    const tree = kernelTree('6.12');
    const lines = readFileSync(join(tree, DOC), 'utf8').split('\n');
    const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', 'kvm_usage_lock -> kvm_lock', '--no-cache']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('order: kvm_usage_lock -> cpus_read_lock() -> kvm_lock');
    expect(r.stderr).toContain(`locking.rst:${lines.indexOf('- kvm_usage_lock is taken outside cpus_read_lock()') + 1}: kvm_usage_lock is taken outside cpus_read_lock()`);
    expect(r.stderr).toContain(`locking.rst:${lines.indexOf('- cpus_read_lock() is taken outside kvm_lock') + 1}: cpus_read_lock() is taken outside kvm_lock`);
  });

  it('counts every site a finding has, not only the dozen it keeps as evidence (wakeup_vcpus_on_cpu_lock: more than 12 on x86)', async () => {
    const tree = kernelTree('6.12');
    const audit = await auditTree(tree, { arch: 'all', doc: loadDocumentedOrder({ tree, cwd: tree }), cache: { dir: cache } });
    const found = audit.findings.filter((f) => f.kind === 'undocumented-order' && f.outer === 'vcpu->mutex' && f.inner === 'wakeup_vcpus_on_cpu_lock');
    expect(found.map((f) => f.arch)).toEqual(['x86']);
    const n = found[0]?.evidence?.against.count ?? 0;
    expect(n).toBeGreaterThan(found[0]?.sites.length ?? 0);
    const mail = await runCli(['doc', '--propose', '--tree', tree, '--edge', 'vcpu->mutex -> wakeup_vcpus_on_cpu_lock', '--cache-dir', cache]);
    expect(mail.stdout.replace(/\n/g, ' ')).toContain(`relies on this order at ${n} sites, and`);
    const text = await runCli(['doc', '--propose', '--tree', tree, '--format', 'text', '--cache-dir', cache]);
    expect(text.stdout).toMatch(new RegExp(`^ +${n} sites +vcpu->mutex -> wakeup_vcpus_on_cpu_lock +\\[x86\\]$`, 'm'));
  });

  it('--format text ranks the candidates by sites', async () => {
    const r = await runCli(['doc', '--propose', '--tree', kernelTree('6.12'), '--format', 'text', '--cache-dir', cache]);
    const counts = [...r.stdout.matchAll(/^[* ] +(\d+) sites? /gm)].map((m) => Number(m[1]));
    expect(counts.length).toBeGreaterThan(3);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(r.stdout).toMatch(/^ +\d+ sites +vcpu->mutex -> kvm->slots_lock$/m);
  });
});

describe('doc --propose on 6.1: synchronize_srcu() under vcpu->mutex (arm64)', () => {
  // kvm_vgic_map_resources() registers the distributor's io device under vcpu->mutex, and
  // kvm_io_bus_register_dev() calls synchronize_srcu_expedited(&kvm->srcu): 6.1's locking.rst has no such rule.
  it('is written as the SRCU rule it is, not as a lock "taken outside kvm->srcu"; git am, doc reads it, check drops the order', async () => {
    const tree = kernelTree('6.1');
    const r = await runCli(['doc', '--propose', '--tree', tree, '--edge', 'vcpu->mutex -> kvm->srcu', '--cache-dir', cache]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/taken outside kvm->srcu/);
    expect(r.stdout).toMatch(/^Subject: \[PATCH\] Documentation: KVM: Document calling synchronize_srcu\(\)\n inside vcpu->mutex$/m);
    expect(r.stdout.replace(/\n/g, ' ')).toContain('so vcpu->mutex cannot be taken inside a kvm->srcu read-side critical section');
    const repo = join(tmp, 'repo-6.1-srcu');
    mkdirSync(join(repo, 'Documentation/virt/kvm'), { recursive: true });
    copyFileSync(join(tree, DOC), join(repo, DOC));
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'base');
    writeFileSync(join(tmp, 'srcu.patch'), r.stdout);
    git(repo, 'am', '-q', join(tmp, 'srcu.patch'));
    const patched = join(repo, DOC);
    const order = loadDocumentedOrder({ file: patched, cwd: tmp });
    expect(order.edges).toEqual(expect.arrayContaining([expect.objectContaining({ outer: 'vcpu->mutex', inner: 'kvm->srcu', srcu: 'synchronize', arch: 'arm64' })]));
    expect(order.srcu).toEqual(expect.arrayContaining([expect.objectContaining({ lock: 'vcpu->mutex', allowedInReadSide: false, arch: 'arm64' })]));
    expect(order.unrecognized).toEqual(loadDocumentedOrder({ tree, cwd: tree }).unrecognized);
    const after = await auditTree(tree, { arch: 'all', doc: order, cache: { dir: cache } });
    // The rule is arm64's: x86's order (only through a put in SEV migration) is still reported there.
    expect(after.findings.filter((f) => f.kind === 'undocumented-order' && f.outer === 'vcpu->mutex' && f.inner === 'kvm->srcu' && f.arch !== 'x86')).toEqual([]);
  });

  it('--format text says where the rule goes as the patch puts it: a new "On arm64:" heading on 6.1, which has none', async () => {
    const r = await runCli(['doc', '--propose', '--tree', kernelTree('6.1'), '--format', 'text', '--edge', 'vcpu->mutex -> kvm->srcu', '--cache-dir', cache]);
    expect(r.stdout).toContain('\nProposed (under a new "On arm64:" heading):\n  - ``synchronize_srcu(&kvm->srcu)`` is called inside critical sections for\n');
    const text = readFileSync(join(kernelTree('6.12'), DOC), 'utf8');
    expect(rulePlace(text, { inner: 'kvm->srcu', arch: null })).toBe('under "For SRCU:"');
    expect(rulePlace(text, { inner: 'kvm->slots_lock', arch: null })).toBe('in the acquisition-order list');
    expect(rulePlace(readFileSync(corpusRevision('10'), 'utf8'), { inner: 'kvm->irq_lock', arch: 'arm64' })).toBe('under "On aarch64:"');
  });

  it('a generic synchronize_srcu() rule goes in the "For SRCU:" list when the document has one', () => {
    const tree = kernelTree('6.12');
    const text = readFileSync(join(tree, DOC), 'utf8');
    const lines = insertRule(text, loadDocumentedOrder({ tree, cwd: tree }), { outer: 'kvm_lock', inner: 'kvm->srcu', arch: null }).split('\n');
    const at = lines.indexOf('- ``synchronize_srcu(&kvm->srcu)`` is called inside critical sections for');
    expect(lines[at + 1]).toBe('  kvm_lock');
    expect(at).toBeGreaterThan(lines.indexOf('For SRCU:'));
    expect(at).toBeLessThan(lines.indexOf('On x86:'));
  });
});

describe('proposal mechanics', () => {
  const site = (file: string, line: number, fn: string, chain: string[]): { file: string; line: number; function: string; chain: { function: string; file: string; line: number }[] } => ({
    file,
    line,
    function: fn,
    chain: [fn, ...chain].map((f, i) => ({ function: f, file: i === 0 ? file : `arch/x86/kvm/${f}.c`, line: 10 + i })),
  });

  it('counts a site once per file:line:function across architectures, and files it under the one arch its code is in', () => {
    const a = site('virt/kvm/kvm_main.c', 4514, 'kvm_vcpu_ioctl', ['g']);
    const ranked = rankCandidates([
      { kind: 'undocumented-order', outer: 'A', inner: 'B', sites: [a] },
      { kind: 'undocumented-order', outer: 'A', inner: 'B', sites: [a, site('virt/kvm/kvm_main.c', 4600, 'kvm_vcpu_ioctl', ['h'])] },
      { kind: 'leaf-violation', outer: 'C', inner: 'D', sites: [a, a, a] },
    ]);
    expect(ranked.map((c) => [c.outer, c.inner, c.sites.length, c.arch])).toEqual([['A', 'B', 2, 'x86']]);
  });

  it('never rests a proposal on a conditional site: such sites are not counted, and an order seen only through them is no candidate', () => {
    const full = site('virt/kvm/kvm_main.c', 4514, 'kvm_vcpu_ioctl', ['g']);
    const put = { ...site('arch/x86/kvm/svm/sev.c', 2000, 'sev_vm_move_enc_context_from', ['kvm_put_kvm']), confidence: { level: 'conditional' as const } };
    const ranked = rankCandidates([
      { kind: 'undocumented-order', outer: 'A', inner: 'B', sites: [full, put] },
      { kind: 'undocumented-order', outer: 'C', inner: 'D', sites: [put] },
    ]);
    expect(ranked.map((c) => [c.outer, c.inner, c.sites.map((s) => s.function)])).toEqual([['A', 'B', ['kvm_vcpu_ioctl']]]);
  });

  it('a count beyond the kept sites is exact for one finding and a lower bound ("or more") across architectures', () => {
    const kept = Array.from({ length: 12 }, (_, i) => site('virt/kvm/kvm_main.c', 100 + i, 'kvm_vcpu_ioctl', ['g']));
    const one = rankCandidates([{ kind: 'undocumented-order', outer: 'A', inner: 'B', sites: kept, evidence: { against: { count: 15 } } }]);
    expect(one.map((c) => [c.count, c.atLeast])).toEqual([[15, false]]);
    const two = rankCandidates([
      { kind: 'undocumented-order', outer: 'A', inner: 'B', sites: kept, evidence: { against: { count: 15 } } },
      { kind: 'undocumented-order', outer: 'A', inner: 'B', sites: [site('arch/arm64/kvm/arm.c', 7, 'kvm_arch_vcpu_ioctl', ['h'])], evidence: { against: { count: 1 } } },
    ]);
    expect(two.map((c) => [c.count, c.atLeast])).toEqual([[15, true]]);
  });

  it('draws a chain as the 2026 commit draws it', () => {
    expect(drawChain(site('arch/x86/kvm/x86.c', 1, 'f', ['g', 'h']))).toEqual(['  f()', '  |', '  -> g()', '     |', '     -> h()']);
  });

  it('goes under "On x86:" for x86 code, and under a new heading before the leaf claim for an arch without one', () => {
    const tree = kernelTree('6.12');
    const text = readFileSync(join(tree, DOC), 'utf8');
    const doc = loadDocumentedOrder({ tree, cwd: tree });
    const x86 = insertRule(text, doc, { outer: 'vcpu->mutex', inner: 'demo_lock', arch: 'x86' }).split('\n');
    const at = x86.indexOf('- vcpu->mutex is taken outside demo_lock');
    expect(x86.slice(0, at).lastIndexOf('On x86:')).toBeGreaterThan(x86.slice(0, at).lastIndexOf('For SRCU:'));
    expect(x86.length).toBe(text.split('\n').length + 2);
    const arm = insertRule(text, doc, { outer: 'kvm->lock', inner: 'demo_lock', arch: 'arm64' }).split('\n');
    const heading = arm.indexOf('On arm64:');
    expect(arm.slice(heading, heading + 4)).toEqual(['On arm64:', '', '- kvm->lock is taken outside demo_lock', '']);
    expect(arm[heading + 4]).toMatch(/^Everything else is a leaf/);
  });

  it('a document without a list of acquisition orders ("(to be written)") gets no rule appended to its last section, nor an "On null:" heading', () => {
    const path = corpusRevision('03');
    const text = readFileSync(path, 'utf8');
    const doc = loadDocumentedOrder({ file: path, cwd: tmp });
    for (const arch of [null, 'x86']) {
      expect(() => insertRule(text, doc, { outer: 'kvm_lock', inner: 'kvm->mmu_lock', arch })).toThrow(ProposalError);
      expect(() => insertRule(text, doc, { outer: 'kvm_lock', inner: 'kvm->mmu_lock', arch })).toThrow(/no list of acquisition orders/);
    }
  });

  it('an arm64 rule goes under the document\'s "On aarch64:" heading, not a second heading for the same architecture', () => {
    // The Android pKVM revision labels arm64's rules "On aarch64:" (the reader reads them as arm64's).
    const path = corpusRevision('10');
    const text = readFileSync(path, 'utf8');
    const doc = loadDocumentedOrder({ file: path, cwd: tmp });
    const lines = insertRule(text, doc, { outer: 'vcpu->mutex', inner: 'kvm->irq_lock', arch: 'arm64' }).split('\n');
    expect(lines.filter((l) => /^On (arm64|aarch64):/.test(l))).toEqual(['On aarch64:']);
    const at = lines.indexOf('- vcpu->mutex is taken outside kvm->irq_lock');
    expect(at).toBeGreaterThan(lines.indexOf('On aarch64:'));
    expect(lines.length).toBe(text.split('\n').length + 2);
    writeFileSync(join(tmp, 'aarch64.rst'), lines.join('\n'));
    const after = loadDocumentedOrder({ file: join(tmp, 'aarch64.rst'), cwd: tmp });
    expect(after.edges).toEqual(expect.arrayContaining([expect.objectContaining({ outer: 'vcpu->mutex', inner: 'kvm->irq_lock', arch: 'arm64', line: at + 1 })]));
  });
});
