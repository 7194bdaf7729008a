/**
 * A locking.rst patch made at test time from the 6.12 tree's own file (no
 * kernel text is kept in the repository): it adds a rule the code
 * contradicts, a rule no code follows, and removes one the code relies on.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReviewResult } from '../../analyzers/review/model.js';
import { review } from '../../analyzers/review/review.js';
import { formatPatchMail } from '../helpers/format-patch.js';
import { kernelTree } from '../helpers/paths.js';

const DOC = 'Documentation/virt/kvm/locking.rst';

function makeDocPatch(tree: string, dir: string): string {
  const before = readFileSync(join(tree, DOC), 'utf8');
  const lines = before.split('\n');
  const drop = lines.indexOf('- kvm->lock is taken outside vcpu->mutex');
  if (drop < 0) throw new Error('6.12 locking.rst no longer has the line this test removes');
  const added = ['- kvm->mmu_lock is taken outside kvm->slots_lock', '', '- kvm->arch.tsc_write_lock is taken outside kvm_usage_lock'];
  const after = [...lines.slice(0, drop), ...added, ...lines.slice(drop + 1)].join('\n');
  const mail = formatPatchMail({
    file: DOC,
    before,
    after,
    subject: '[PATCH] Documentation: KVM: reorder a few locks',
    messageId: 'doc-test@example.org',
    body: 'A documentation change written to exercise the doc-patch review.',
  });
  const path = join(dir, 'doc.patch');
  writeFileSync(path, mail);
  return path;
}

describe('a locking.rst patch against 6.12', () => {
  let r: ReviewResult;
  beforeAll(async () => {
    const tree = kernelTree('6.12');
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-doc-patch-'));
    r = await review({ input: makeDocPatch(tree, dir), tree, cache: { dir: join(dir, 'cache') } });
  });

  const kinds = (): string[] => (r.patches[0]?.findings ?? []).map((f) => `${f.kind} ${f.outer} -> ${f.inner}`).sort();

  it('finds the three problems and nothing else', () => {
    expect(r.patches[0]?.applyFailures).toEqual([]);
    expect(kinds()).toEqual([
      'doc-contradicted kvm->mmu_lock -> kvm->slots_lock',
      'doc-removed kvm->lock -> vcpu->mutex',
      'doc-unsupported kvm->arch.tsc_write_lock -> kvm_usage_lock',
    ]);
  });

  it('doc-contradicted cites the sites that take the locks the other way, on the added line', () => {
    const f = r.patches[0]?.findings.find((x) => x.kind === 'doc-contradicted');
    expect(f).toMatchObject({ severity: 'error', file: DOC, placement: 'added' });
    expect(f?.evidence?.against.count).toBeGreaterThan(5);
    expect(f?.evidence?.agreeing.count).toBe(0);
    expect(f?.suggestion).toMatch(/document that order instead/);
  });

  it('doc-removed names code that still follows the removed rule', () => {
    const f = r.patches[0]?.findings.find((x) => x.kind === 'doc-removed');
    expect(f?.severity).toBe('warning');
    expect(f?.sites.length).toBeGreaterThan(0);
  });
});

const UNREAD_WORDING = '- vcpu->mutex is never taken after kvm->slots_lock has been dropped';
const UNREAD_NAME = '- kvm->lock is taken outside kvm->locks[1]';
const REVERSED = '- kvm->lock is taken while holding kvm->irq_lock';
const FLIPPED = '- kvm->irq_lock is taken outside kvm->slots_lock when routing is updated';

/**
 * A three-patch series on the 6.12 locking.rst, made at test time: 1/3 adds
 * two lines that read like rules but are not understood (a new wording, a
 * lock name that is not a lock name); 2/3 adds a rule that, in other words,
 * reverses one the document keeps; 3/3 flips a rule, with a condition.
 * Returns the mbox and the text of locking.rst after each patch.
 */
function makeSeries(tree: string, dir: string): { path: string; texts: string[] } {
  const v0 = readFileSync(join(tree, DOC), 'utf8');
  const insertAfter = (text: string, anchor: string, lines: string[]): string => {
    const all = text.split('\n');
    const at = all.indexOf(anchor);
    if (at < 0) throw new Error(`6.12 locking.rst no longer has "${anchor}"`);
    return [...all.slice(0, at + 1), '', ...lines.flatMap((l, i) => (i ? ['', l] : [l])), ...all.slice(at + 1)].join('\n');
  };
  const v1 = insertAfter(v0, '- kvm->lock is taken outside vcpu->mutex', [UNREAD_WORDING, UNREAD_NAME]);
  const v2 = insertAfter(v1, '- kvm->lock is taken outside kvm->slots_lock and kvm->irq_lock', [REVERSED]);
  const old = /^- kvm->slots_lock is taken outside kvm->irq_lock, though acquiring\n {2}them together is quite rare\.$/m;
  if (!old.test(v2)) throw new Error('6.12 locking.rst no longer has the slots_lock/irq_lock rule this test flips');
  const v3 = v2.replace(old, FLIPPED);
  const mails = [[v0, v1], [v1, v2], [v2, v3]].map(([before, after], i) => formatPatchMail({
    file: DOC,
    before: before ?? '',
    after: after ?? '',
    subject: `[PATCH ${i + 1}/3] Documentation: KVM: lock order, part ${i + 1}`,
    messageId: `doc-series-${i + 1}@example.org`,
    body: 'A documentation change written to exercise the doc-patch review.',
  }));
  const path = join(dir, 'series.mbx');
  writeFileSync(path, mails.join('\n'));
  return { path, texts: [v1, v2, v3] };
}

for (const mode of ['tree', 'hunk-only'] as const) {
  describe(`a locking.rst series that must never be answered with silence (${mode})`, () => {
    let r: ReviewResult;
    let texts: string[] = [];

    beforeAll(async () => {
      const tree = kernelTree('6.12');
      const dir = mkdtempSync(join(tmpdir(), 'kvm-review-doc-series-'));
      const series = makeSeries(tree, dir);
      texts = series.texts;
      r = await review({ input: series.path, tree: mode === 'tree' ? tree : null, cache: { dir: join(dir, 'cache') } });
    });

    const findings = (k: number) => r.patches.find((p) => p.index === k)?.findings ?? [];
    const lineIn = (k: number, text: string): number => (texts[k - 1] ?? '').split('\n').indexOf(text) + 1;

    it('1/3: each line that reads like a rule but is not understood gets a warning on that line, and nothing else is said', () => {
      expect(r.mode).toBe(mode);
      expect(r.patches.map((p) => p.status)).toEqual(['reviewed', 'reviewed', 'reviewed']);
      const f = findings(1);
      expect(f.map((x) => `${x.kind} ${x.severity} ${x.placement} ${x.line}`).sort()).toEqual([
        `doc-unrecognized warning added ${lineIn(1, UNREAD_WORDING)}`,
        `doc-unrecognized warning added ${lineIn(1, UNREAD_NAME)}`,
      ].sort());
      const name = f.find((x) => x.line === lineIn(1, UNREAD_NAME));
      expect(name?.message).toContain('kvm->locks[1]');
      expect(name?.rule?.text).toBe(UNREAD_NAME.slice(2));
      // Two findings of one kind on one file stay apart.
      expect(new Set(f.map((x) => x.fingerprint)).size).toBe(2);
    });

    it('2/3: a rule that reverses one the document keeps is a doc-conflict error on the new line, quoting the old rule', () => {
      const conflicts = findings(2).filter((x) => x.kind === 'doc-conflict');
      expect(conflicts).toHaveLength(1);
      expect(conflicts[0]).toMatchObject({ severity: 'error', outer: 'kvm->irq_lock', inner: 'kvm->lock', line: lineIn(2, REVERSED), placement: 'added' });
      // Without a tree the old rule is quoted as the embedded order words it.
      expect(conflicts[0]?.rulePath[1]?.text).toMatch(/^kvm->lock is taken outside (?:kvm->slots_lock and )?kvm->irq_lock$/);
      expect(findings(2).some((x) => x.kind === 'doc-unrecognized')).toBe(false);
    });

    it('3/3: flipping a rule, qualifier and all, is a doc-conflict warning; the cycle 2/3 made is not reported again', () => {
      const conflicts = findings(3).filter((x) => x.kind === 'doc-conflict');
      expect(conflicts.map((x) => `${x.severity} ${x.outer} -> ${x.inner} ${x.line}`)).toEqual([
        `warning kvm->irq_lock -> kvm->slots_lock ${lineIn(3, FLIPPED)}`,
      ]);
      expect(conflicts[0]?.message).toMatch(/reverses the documented order/);
      expect(findings(3).some((x) => x.kind === 'doc-unrecognized')).toBe(false);
    });
  });
}
