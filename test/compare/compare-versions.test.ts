/**
 * v1 -> v2: findings matched by fingerprint get `since`, the gone ones are
 * `fixed`, a partial v2 claims no fixes; the previous posting is found by
 * change-id, by a Link, or by subject stem and sender, and the real
 * kvm_init() rework v2 links to v1 both ways.
 */
import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { compareVersions, priorOf, type PriorVersion } from '../../analyzers/review/compare-versions.js';
import { changeIdOf, linkedIds, postingIdentity, previousVersion, type PostingIdentity } from '../../analyzers/series/versions.js';
import type { ReviewFinding, ReviewResult } from '../../analyzers/review/model.js';
import { readSeries } from '../../analyzers/series/read-series.js';
import { SHARED } from '../helpers/paths.js';

function finding(fingerprint: string, patch: number, kind: ReviewFinding['kind'] = 'order-inversion', arch: string | null = null): ReviewFinding {
  return {
    kind,
    severity: 'error',
    outer: 'vcpu->mutex',
    inner: 'kvm->lock',
    message: `finding ${fingerprint}`,
    rule: null,
    rulePath: [],
    sites: [],
    suggestion: 'take kvm->lock first',
    arch,
    fingerprint,
    patch: { index: patch, subject: `[PATCH] patch ${patch}` },
    file: 'virt/kvm/kvm_main.c',
    line: 10 + patch,
    placement: 'added',
    chain: [],
  };
}

function result(version: number, findings: ReviewFinding[][], missing: number[] = []): ReviewResult {
  return {
    series: { subject: 'KVM: demo', version, total: findings.length + missing.length, missing, choice: '', others: [] },
    identity: null,
    mode: 'hunk-only',
    degraded: null,
    tree: null,
    doc: { kind: 'embedded', path: null, sha1: '0' },
    patches: findings.map((f, i) => ({
      index: i + 1,
      subject: `[PATCH v${version} ${i + 1}/${findings.length}] patch`,
      messageId: `v${version}-${i + 1}@example.org`,
      author: 'Demo <demo@example.org>',
      date: null,
      status: 'reviewed',
      warnings: [],
      findings: f,
      removedEdges: [],
      applyFailures: [],
      files: [],
      references: [],
    })),
    notes: [],
  };
}

describe('compareVersions', () => {
  const v1 = compareVersions(result(1, [[finding('aaaa', 1), finding('bbbb', 1)], [finding('cccc', 2)]]), null);

  it('a first version: every finding new, nothing fixed, no previous', () => {
    expect(v1.previous).toBeNull();
    expect(v1.fixed).toEqual([]);
    expect(v1.patches.flatMap((p) => p.findings.map((f) => f.since))).toEqual([1, 1, 1]);
  });

  it('v2 keeps what is still there (since v1), adds what is new (since v2), lists what is gone', () => {
    const prev: PriorVersion = priorOf(v1, 'v1-cover@example.org');
    // v2 moved bbbb to patch 2 and a line down: the fingerprint, not the place, identifies it.
    const moved = { ...finding('bbbb', 2), line: 99 };
    const v2 = compareVersions(result(2, [[finding('dddd', 1)], [moved]]), prev);
    expect(v2.previous).toEqual({ version: 1, messageId: 'v1-cover@example.org' });
    expect(v2.patches.flatMap((p) => p.findings.map((f) => [f.fingerprint, f.since]))).toEqual([
      ['dddd', 2],
      ['bbbb', 1],
    ]);
    expect(v2.fixed.map((f) => [f.fingerprint, f.fixedIn, f.patch.index])).toEqual([
      ['aaaa', 2, 1],
      ['cccc', 2, 2],
    ]);
    // since is carried: in v3 a finding first seen in v1 still says v1.
    const v3 = compareVersions(result(3, [[finding('bbbb', 1)]]), priorOf(v2, null));
    expect(v3.patches[0]?.findings[0]?.since).toBe(1);
    expect(v3.fixed.map((f) => f.fingerprint)).toEqual(['dddd']);
  });

  it('a partial v2 claims no fixes and says why', () => {
    const v2 = compareVersions(result(2, [[finding('aaaa', 1)]], [2]), priorOf(v1, null));
    expect(v2.fixed).toEqual([]);
    expect(v2.notes.join('\n')).toMatch(/v1 findings not compared for fixes: 1 patch of v2 is missing/);
    const two = compareVersions(result(2, [[finding('aaaa', 1)]], [2, 3]), priorOf(v1, null));
    expect(two.notes.join('\n')).toMatch(/v1 findings not compared for fixes: 2 patches of v2 are missing/);
    expect(v2.patches[0]?.findings[0]?.since).toBe(1);
  });
});

/*
 * An architecture's analysis fails only when it throws (arch-analysis.ts catches it per architecture), which
 * no input makes it do: the review it would give is built here, as review-series.ts records it.
 */
describe('compareVersions when v2\'s analysis of one architecture failed', () => {
  const x86 = (fp: string, patch: number): ReviewFinding => finding(fp, patch, 'order-inversion', 'x86');
  const v1 = compareVersions(result(1, [[x86('x1', 1), finding('a1', 1, 'order-inversion', 'arm64'), finding('g1', 1)], [x86('x2', 2)]]), null);
  const failed = (): ReviewResult => {
    const r = result(2, [[], []]);
    const p = r.patches[0]!;
    p.partial = true;
    p.reason = 'the x86 analysis failed (Maximum call stack size exceeded): findings for x86 are missing';
    p.failedArchs = [{ arch: 'x86', reason: 'Maximum call stack size exceeded' }];
    return r;
  };
  const why = "the x86 analysis of patch 1/2 of v2 failed (Maximum call stack size exceeded)";

  it('the prior findings record their build (null: several)', () => {
    expect(priorOf(v1, null).findings.map((f) => [f.fingerprint, f.arch])).toEqual([
      ['x1', 'x86'],
      ['a1', 'arm64'],
      ['g1', null],
      ['x2', 'x86'],
    ]);
  });

  it('v1\'s x86 findings, and those of several builds, are not compared, with the reason; arm64\'s is fixed', () => {
    const v2 = compareVersions(failed(), priorOf(v1, null));
    expect(v2.fixed.map((f) => f.fingerprint)).toEqual(['a1']);
    // x2 too: gone from v2's patch 2, it may have moved to patch 1, whose x86 code was not analysed.
    expect(v2.notCompared.map((f) => [f.fingerprint, f.reason])).toEqual([
      ['x1', why],
      ['g1', why],
      ['x2', why],
    ]);
    expect(v2.notes).toContain(`${why}, so v1's 3 findings there are not compared`);
  });

  it('a record without its build (written before it was kept) is not compared either; without the failure all are fixed', () => {
    const old = priorOf(v1, null);
    old.findings = old.findings.map(({ arch: _arch, ...f }) => f);
    expect(compareVersions(failed(), old).notCompared.map((f) => f.fingerprint)).toEqual(['x1', 'a1', 'g1', 'x2']);
    expect(compareVersions(result(2, [[], []]), priorOf(v1, null)).fixed.map((f) => f.fingerprint)).toEqual(['x1', 'a1', 'g1', 'x2']);
  });
});

describe('previousVersion', () => {
  const base: PostingIdentity = { version: 1, title: 'KVM: x86: Do things', sender: 'a@example.org', changeId: null, messageIds: ['a1@x'], links: [] };

  it('same subject stem and sender; not another sender, not a later or equal version', () => {
    const v2 = { ...base, version: 2, title: 'KVM: x86: do things.', messageIds: ['b1@x'] };
    expect(previousVersion(v2, [base])).toBe(base);
    expect(previousVersion(v2, [{ ...base, sender: 'b@example.org' }])).toBeNull();
    expect(previousVersion({ ...v2, version: 1 }, [base])).toBeNull();
  });

  it('b4 change-id, or a Link to one of its messages, even with a new title; the newest earlier version wins', () => {
    const renamed = { ...base, version: 3, title: 'KVM: x86: Do other things', messageIds: ['c1@x'] };
    expect(previousVersion({ ...renamed, changeId: '20221102-things-abc' }, [{ ...base, changeId: '20221102-things-abc' }])?.version).toBe(1);
    expect(previousVersion({ ...renamed, links: ['a1@x'] }, [base])?.version).toBe(1);
    const v2 = { ...base, version: 2, messageIds: ['b1@x'] };
    expect(previousVersion({ ...renamed, title: base.title }, [base, v2])?.version).toBe(2);
  });

  it('reads change-id trailers and lore links', () => {
    expect(changeIdOf('text\n\n---\nbase-commit: abc\nchange-id: 20240101-foo-v1-1234abcd\n')).toBe('20240101-foo-v1-1234abcd');
    expect(changeIdOf('no trailer')).toBeNull();
    expect(linkedIds('v1: https://lore.kernel.org/all/20221102231911.3107438-1-seanjc@google.com\nLink: https://lore.kernel.org/r/abc%40d.org')).toEqual([
      '20221102231911.3107438-1-seanjc@google.com',
      'abc@d.org',
    ]);
  });

  it('the real kvm_init() rework: v2 is a new version of v1 by its link and by stem and sender', async () => {
    const dir = join(SHARED, 'corpus', 'lore', 'kvmarm');
    const v1 = await readSeries(join(dir, 'kvm-init-rework-v1.mbx'));
    const v2 = await readSeries(join(dir, 'kvm-init-rework-v2.mbx'));
    const first = postingIdentity(v1.chosen!);
    const second = postingIdentity(v2.chosen!);
    expect([first.version, second.version]).toEqual([1, 2]);
    expect(second.links).toContain(v1.chosen?.cover?.messageId);
    expect(previousVersion(second, [first])).toBe(first);
    expect(previousVersion({ ...second, title: 'renamed', links: second.links }, [first])).toBe(first);
    expect(previousVersion(first, [second])).toBeNull();
  });
});
