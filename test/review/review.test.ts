/**
 * kvm-review mbox: the bundled example without a tree, the 2022 SRCU
 * documentation patch against the 6.1 tree (the seed review's case), and
 * the JSON contract.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { review } from '../../analyzers/review/review.js';
import { FIXTURES, kernelTree, SHARED } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';

const cache = { dir: mkdtempSync(join(tmpdir(), 'kvm-review-review-')) };
const EXAMPLE = join(FIXTURES, 'review', 'example-series.mbx');
const SRCU_DOC = join(SHARED, 'corpus', 'lore', 'kvm', 'srcu-locking-order-doc.mbx');

describe('the bundled example, hunk-only', () => {
  let r: ReviewResult;
  beforeAll(async () => {
    r = await review({ input: EXAMPLE, tree: null, cache });
  });

  it('says it is degraded and reviews v2 with its cover letter', () => {
    expect(r.mode).toBe('hunk-only');
    expect(r.degraded).toMatch(/no kernel tree/);
    expect(r.series).toMatchObject({ version: 2, total: 2, missing: [] });
    expect(r.patches.map((p) => [p.index, p.status])).toEqual([[1, 'reviewed'], [2, 'reviewed']]);
  });

  it('patch 1: slots_lock inside an SRCU reader, on the added mutex_lock line', () => {
    const [f, ...rest] = r.patches[0]?.findings ?? [];
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ kind: 'srcu-violation', severity: 'error', outer: 'kvm->srcu', inner: 'kvm->slots_lock', file: 'virt/kvm/demo.c', line: 28, placement: 'added' });
    expect(f?.rule?.line).toBe(40);
  });

  it('patch 2: kvm->lock inside vcpu->mutex against the documented order', () => {
    const [f, ...rest] = r.patches[1]?.findings ?? [];
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ kind: 'order-inversion', outer: 'vcpu->mutex', inner: 'kvm->lock', line: 42, placement: 'added' });
    expect(f?.chain).toEqual([{ function: 'demo_vcpu_reset', file: 'virt/kvm/demo.c', line: 42 }]);
    expect(f?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it('the JSON contract', async () => {
    const cli = await runCli(['mbox', EXAMPLE, '--format', 'json', '--no-cache'], tmpdir());
    expect(cli.code).toBe(1);
    const json = JSON.parse(cli.stdout) as ReviewResult;
    expect(json.series).toEqual(expect.objectContaining({ subject: 'KVM: demo: count device resets per VM', version: 2, total: 2, missing: [] }));
    const p = json.patches[1];
    expect(p).toEqual(expect.objectContaining({ index: 2, messageId: '20261116100000.1000-2-demo@example.org', status: 'reviewed' }));
    for (const key of ['kind', 'severity', 'file', 'line', 'outer', 'inner', 'chain', 'rule', 'message', 'fingerprint']) {
      expect(Object.keys(p?.findings[0] ?? {})).toContain(key);
    }
    expect(cli.stderr).toMatch(/degraded: no kernel tree/);
  });

  it('text and markdown', async () => {
    const text = await runCli(['mbox', EXAMPLE, '--no-cache'], tmpdir());
    expect(text.stdout).toMatch(/^\[PATCH 2\/2\] KVM: demo: count vCPU resets in the VM {2}<20261116100000\.1000-2-demo@example\.org>$/m);
    expect(text.stdout).toMatch(/^ {4}at virt\/kvm\/demo\.c:42 \(added line\)$/m);
    expect(text.stdout).toMatch(/^2 errors, 0 warnings, 0 info in 2 patches$/m);
    const md = await runCli(['mbox', EXAMPLE, '--format', 'markdown', '--no-cache'], tmpdir());
    expect(md.stdout).toMatch(/^> \*\*Degraded:\*\* no kernel tree/m);
    expect(md.stdout).toMatch(/^`virt\/kvm\/demo\.c:42`$/m);
  });

  it('the same finding in a re-run has the same fingerprint', async () => {
    const again = await review({ input: EXAMPLE, tree: null, cache });
    expect(again.patches.flatMap((p) => p.findings.map((f) => f.fingerprint))).toEqual(r.patches.flatMap((p) => p.findings.map((f) => f.fingerprint)));
  });
});

describe('the 2022 SRCU documentation patch against 6.1', () => {
  let r: ReviewResult;
  beforeAll(async () => {
    r = await review({ input: SRCU_DOC, tree: kernelTree('6.1'), cache });
  });

  it('reviews the one patch, not the three replies', () => {
    expect(r.patches.map((p) => p.subject)).toEqual(['[PATCH] Documentation: kvm: clarify SRCU locking order']);
    expect(r.patches[0]?.applyFailures).toEqual([]);
  });

  it('doc-contradicted: synchronize_srcu() runs under kvm->lock; only the Xen code takes kvm->lock in a reader', () => {
    const f = r.patches[0]?.findings.find((x) => x.kind === 'doc-contradicted');
    expect(f).toMatchObject({ severity: 'error', file: 'Documentation/virt/kvm/locking.rst', line: 34, placement: 'added', inner: 'kvm->lock' });
    expect(f?.evidence?.against.sites.map((s) => s.function)).toContain('kvm_vm_ioctl_set_msr_filter');
    expect(f?.evidence?.agreeing.sites.map((s) => s.chain.map((c) => c.function).join(' > '))).toContain(
      'vcpu_run > kvm_inject_pending_timer_irqs > kvm_xen_inject_timer_irqs > kvm_xen_set_evtchn',
    );
    expect(f?.evidence?.against.count).toBeGreaterThan(f?.evidence?.agreeing.count ?? 0);
    expect(f?.suggestion).toMatch(/fix vcpu_run\(\)/);
  });

  it('doc-conflict: the new text makes the documented order cyclic', () => {
    const f = r.patches[0]?.findings.find((x) => x.kind === 'doc-conflict');
    expect(f?.message).toContain('kvm->lock -> kvm->slots_lock -> kvm->srcu -> kvm->lock');
  });
});

describe('bad input', () => {
  it('an empty file: exit 2 naming it', async () => {
    const r = await runCli(['mbox', join(FIXTURES, 'doc', 'not-locking.rst'), '--no-cache'], tmpdir());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not-locking\.rst/);
    expect(r.stdout).toBe('');
  });
});
