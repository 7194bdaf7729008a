/**
 * A locking.rst patch reviewed without a tree is checked against the
 * embedded order as a graph: a new rule is a doc-conflict when any chain of
 * documented rules, SRCU rules included, already orders its locks the other
 * way. The December 2022 SRCU patch ("kvm->lock is taken inside kvm->srcu")
 * is the case this exists for; it is read from the shared corpus.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { review } from '../../analyzers/review/review.js';
import { loadEmbeddedOrder } from '../../knowledge/doc/embedded.js';
import { readLockingDoc } from '../../knowledge/doc/reader.js';
import { formatPatchMail } from '../helpers/format-patch.js';
import { kernelTree, SHARED } from '../helpers/paths.js';

const DOC = 'Documentation/virt/kvm/locking.rst';
const SRCU_MAIL = join(SHARED, 'corpus', 'lore', 'kvm', 'srcu-locking-order-doc.mbx');

describe('the December 2022 SRCU documentation patch, without a tree', () => {
  let r: ReviewResult;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-doc-hunk-srcu-'));
    r = await review({ input: SRCU_MAIL, tree: null, cache: { dir: join(dir, 'cache') } });
  });

  it('"kvm->lock is taken inside kvm->srcu" is a doc-conflict error against "synchronize_srcu() is called inside kvm->lock"', () => {
    expect(r.mode).toBe('hunk-only');
    const conflicts = (r.patches[0]?.findings ?? []).filter((f) => f.kind === 'doc-conflict');
    expect(conflicts.map((f) => `${f.severity} ${f.outer} -> ${f.inner} ${f.placement}`)).toEqual(['error kvm->srcu -> kvm->lock added']);
    const f = conflicts[0];
    expect(f?.rule?.text).toMatch(/^kvm->lock is taken inside kvm->srcu\b/);
    // The added line in the patched file: the hunk starts at 16 and the rule is its 19th line.
    expect(f?.line).toBe(34);
    expect(f?.message).toMatch(/kvm->lock may be taken inside a kvm->srcu read-side critical section, but the embedded order puts kvm->lock before kvm->srcu/);
    expect(f?.rulePath.slice(1).map((q) => q.text)).toEqual([expect.stringMatching(/synchronize_srcu\(&kvm->srcu\) is called inside (?:.*\b)?kvm->lock\b/)]);
  });
});

const CHAIN = '- kvm->irq_lock is taken outside vcpu->mutex';
const NOT_IN_READER = '- kvm->slots_arch_lock cannot be taken inside a kvm->srcu read-side critical section';

/**
 * Two patches on the 6.12 locking.rst, made at test time: 1/2 adds a rule
 * whose reverse the order states only through a chain (vcpu->mutex ->
 * kvm->slots_lock -> kvm->irq_lock); 2/2 says synchronize_srcu() runs under
 * a lock the order allows inside a reader.
 */
function makeSeries(tree: string, dir: string): { path: string; texts: string[] } {
  const v0 = readFileSync(join(tree, DOC), 'utf8');
  const anchor = '- kvm->lock is taken outside vcpu->mutex';
  const insert = (text: string, line: string): string => {
    const all = text.split('\n');
    const at = all.indexOf(anchor);
    if (at < 0) throw new Error(`6.12 locking.rst no longer has "${anchor}"`);
    return [...all.slice(0, at + 1), '', line, ...all.slice(at + 1)].join('\n');
  };
  const v1 = insert(v0, CHAIN);
  const v2 = insert(v1, NOT_IN_READER);
  const mails = [[v0, v1], [v1, v2]].map(([before, after], i) => formatPatchMail({
    file: DOC,
    before: before ?? '',
    after: after ?? '',
    subject: `[PATCH ${i + 1}/2] Documentation: KVM: lock order, part ${i + 1}`,
    messageId: `doc-hunk-${i + 1}@example.org`,
    body: 'A documentation change written to exercise the review without a tree.',
  }));
  const path = join(dir, 'series.mbx');
  writeFileSync(path, mails.join('\n'));
  return { path, texts: [v1, v2] };
}

describe('new rules that close a cycle through the embedded order, without a tree', () => {
  let r: ReviewResult;
  let texts: string[] = [];
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-doc-hunk-chain-'));
    const series = makeSeries(kernelTree('6.12'), dir);
    texts = series.texts;
    r = await review({ input: series.path, tree: null, cache: { dir: join(dir, 'cache') } });
  });

  const conflicts = (k: number) => (r.patches.find((p) => p.index === k)?.findings ?? []).filter((f) => f.kind === 'doc-conflict');
  const lineIn = (k: number, text: string): number => (texts[k - 1] ?? '').split('\n').indexOf(text) + 1;

  it('1/2: a rule reversed only through a chain of two rules is a doc-conflict error quoting the chain', () => {
    expect(r.mode).toBe('hunk-only');
    const c = conflicts(1);
    expect(c.map((f) => `${f.severity} ${f.outer} -> ${f.inner} ${f.line}`)).toEqual([`error kvm->irq_lock -> vcpu->mutex ${lineIn(1, CHAIN)}`]);
    expect(c[0]?.message).toContain('vcpu->mutex -> kvm->slots_lock -> kvm->irq_lock');
    expect(c[0]?.rulePath.map((q) => q.text)).toEqual([
      CHAIN.slice(2),
      expect.stringMatching(/^vcpu->mutex is taken outside kvm->slots_lock\b/),
      expect.stringMatching(/^kvm->slots_lock is taken outside kvm->irq_lock\b/),
    ]);
  });

  it('2/2: a lock the order allows inside a kvm->srcu reader, said to be held across synchronize_srcu(), is a doc-conflict error', () => {
    const c = conflicts(2);
    expect(c.map((f) => `${f.severity} ${f.outer} -> ${f.inner} ${f.line}`)).toEqual([`error kvm->slots_arch_lock -> kvm->srcu ${lineIn(2, NOT_IN_READER)}`]);
    expect(c[0]?.message).toMatch(/synchronize_srcu\(&kvm->srcu\) is called inside kvm->slots_arch_lock, but the embedded order puts kvm->srcu before kvm->slots_arch_lock/);
    expect(c[0]?.rulePath[1]?.text).toMatch(/kvm->slots_arch_lock can be taken inside a kvm->srcu read-side critical section/);
  });
});

describe('a new leaf rule against the embedded order, without a tree', () => {
  it('"No other mutex should be taken inside vcpu->mutex" contradicts the documented vcpu->mutex -> kvm->slots_arch_lock (a mutex)', async () => {
    const tree = kernelTree('6.12');
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-doc-hunk-leaf-'));
    const before = readFileSync(join(tree, DOC), 'utf8');
    const anchor = '- kvm->lock is taken outside vcpu->mutex';
    const rule = '- No other mutex should be taken inside vcpu->mutex';
    if (!before.includes(anchor)) throw new Error(`6.12 locking.rst no longer has "${anchor}"`);
    const after = before.replace(anchor, `${anchor}\n\n${rule}`);
    const input = join(dir, 'leaf.mbx');
    writeFileSync(input, formatPatchMail({ file: DOC, before, after, subject: '[PATCH] Documentation: KVM: vcpu->mutex is a leaf for mutexes', messageId: 'leaf-embedded@example.org', body: 'Leaf.' }));
    const r = await review({ input, tree: null, cache: { dir: join(dir, 'cache') } });
    // The documented statement, found in the embedded order by what it says.
    const documented = loadEmbeddedOrder().edges.find((e) => e.outer === 'vcpu->mutex' && e.inner === 'kvm->slots_arch_lock');
    if (!documented) throw new Error('the embedded order no longer orders vcpu->mutex outside kvm->slots_arch_lock');
    const conflicts = (r.patches[0]?.findings ?? []).filter((f) => f.kind === 'doc-conflict');
    expect(conflicts.map((f) => `${f.severity} ${f.outer} ${f.inner} ${f.placement} ${f.line}`)).toEqual([`error vcpu->mutex null added ${after.split('\n').indexOf(rule) + 1}`]);
    expect(conflicts[0]?.message).toBe(
      `the new rule "No other mutex should be taken inside vcpu->mutex" says no mutex is taken inside vcpu->mutex, but the embedded order takes kvm->slots_arch_lock inside vcpu->mutex (line ${documented.line} of the embedded order: "${documented.text}"): the two cannot both hold`,
    );
    expect(conflicts[0]?.rulePath.map((q) => q.line)).toEqual([after.split('\n').indexOf(rule) + 1, documented.line]);
  }, 120_000);
});

describe('a rule under "On x86 and arm64:", without a tree', () => {
  /** 6.12's locking.rst with LINES added after its "kvm->lock is taken outside vcpu->mutex", reviewed without a tree. */
  async function reviewAdded(lines: string[]): Promise<{ r: ReviewResult; after: string }> {
    const tree = kernelTree('6.12');
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-doc-hunk-archs-'));
    const before = readFileSync(join(tree, DOC), 'utf8');
    const anchor = '- kvm->lock is taken outside vcpu->mutex';
    if (!before.includes(anchor)) throw new Error(`6.12 locking.rst no longer has "${anchor}"`);
    const after = before.replace(anchor, `${anchor}\n\n${lines.join('\n')}`);
    const input = join(dir, 'archs.mbx');
    writeFileSync(input, formatPatchMail({ file: DOC, before, after, subject: '[PATCH] Documentation: KVM: a rule for two architectures', messageId: 'archs@example.org', body: 'Two.' }));
    return { r: await review({ input, tree: null, cache: { dir: join(dir, 'cache') } }), after };
  }

  it('the hunk review scopes the rule to both architectures, as the reader does', async () => {
    const rule = 'No other mutex should be taken inside vcpu->mutex';
    const { r, after } = await reviewAdded(['On x86 and arm64:', '', `- ${rule}`]);
    // The reader, on the patched file, reads it so.
    expect(readLockingDoc(Buffer.from(after), DOC).leaves.filter((l) => l.lock === 'vcpu->mutex').map((l) => l.arch)).toEqual(['x86', 'arm64']);
    const conflicts = (r.patches[0]?.findings ?? []).filter((f) => f.kind === 'doc-conflict');
    expect(conflicts.map((f) => `${f.arch} ${f.outer} ${f.rule?.text}`)).toEqual([`x86 vcpu->mutex ${rule}`, `arm64 vcpu->mutex ${rule}`]);
    // One finding per architecture: each has its own identity.
    expect(new Set(conflicts.map((f) => f.fingerprint)).size).toBe(2);
  }, 120_000);

  it('"On x86 and ia64:" scopes the rule to both, and says ia64 is not known', async () => {
    const { r } = await reviewAdded(['On x86 and ia64:', '', '- kvm->slots_lock is taken outside kvm->arch.xen.xen_lock']);
    const unread = (r.patches[0]?.findings ?? []).filter((f) => f.kind === 'doc-unrecognized');
    expect(unread.map((f) => f.rule?.text)).toEqual(['kvm->slots_lock is taken outside kvm->arch.xen.xen_lock']);
    expect(unread[0]?.message).toMatch(/ia64/);
  }, 120_000);
});
