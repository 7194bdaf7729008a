/**
 * With a tree, a doc-conflict quotes the statements where the reader finds
 * them: a rule the patched document still states at its line in the patched
 * file, a rule the patch replaced only in the message, labelled "before this
 * patch". Two patches on the 6.12 locking.rst, made at test time: 1/2 adds a
 * rule above the one it contradicts (so the old rule moves down two lines);
 * 2/2 deletes a rule and states its reverse further down.
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
const VCPU = '- kvm->lock is taken outside vcpu->mutex';
const KEPT_OLD = '- kvm->lock is taken outside kvm->slots_lock and kvm->irq_lock';
const CONTRADICTING = '- kvm->slots_lock is taken outside kvm->lock';
const FLIPPED = '- vcpu->mutex is taken outside kvm->lock';

function makeSeries(tree: string, dir: string): { path: string; texts: string[] } {
  const v0 = readFileSync(join(tree, DOC), 'utf8');
  const lines = v0.split('\n');
  const at = lines.indexOf(VCPU);
  if (at < 0 || lines[at + 2] !== KEPT_OLD) throw new Error(`6.12 locking.rst no longer has "${VCPU}" followed by "${KEPT_OLD}"`);
  const v1 = [...lines.slice(0, at + 1), '', CONTRADICTING, ...lines.slice(at + 1)].join('\n');
  // 2/2: the kvm->lock/vcpu->mutex rule leaves its place, its reverse comes after the next rule.
  const l1 = v1.split('\n');
  const drop = l1.indexOf(VCPU);
  const rest = [...l1.slice(0, drop), ...l1.slice(drop + 2)];
  const after = rest.indexOf(KEPT_OLD);
  const v2 = [...rest.slice(0, after + 1), '', FLIPPED, ...rest.slice(after + 1)].join('\n');
  const mails = [[v0, v1], [v1, v2]].map(([before, next], i) => formatPatchMail({
    file: DOC,
    before: before ?? '',
    after: next ?? '',
    subject: `[PATCH ${i + 1}/2] Documentation: KVM: lock order, part ${i + 1}`,
    messageId: `doc-hunk-tree-${i + 1}@example.org`,
    body: 'A documentation change written to exercise the doc-conflict quotes.',
  }));
  const path = join(dir, 'series.mbx');
  writeFileSync(path, mails.join('\n'));
  return { path, texts: [v0, v1, v2] };
}

describe('doc-conflict line numbers with a tree (6.12)', () => {
  let r: ReviewResult;
  let texts: string[] = [];
  beforeAll(async () => {
    const tree = kernelTree('6.12');
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-doc-hunk-tree-'));
    const series = makeSeries(tree, dir);
    texts = series.texts;
    r = await review({ input: series.path, tree, cache: { dir: join(dir, 'cache') } });
  });

  /** 1-based line of TEXT in the document after patch K (0: before the series). */
  const lineIn = (k: number, text: string): number => (texts[k] ?? '').split('\n').indexOf(text) + 1;
  const conflicts = (k: number) => (r.patches.find((p) => p.index === k)?.findings ?? []).filter((f) => f.kind === 'doc-conflict');

  it('1/2: the rule the document still states is quoted at its line in the patched file', () => {
    expect(r.mode).toBe('tree');
    const c = conflicts(1);
    expect(c.map((f) => `${f.severity} ${f.outer} -> ${f.inner} ${f.line}`)).toEqual([`error kvm->slots_lock -> kvm->lock ${lineIn(1, CONTRADICTING)}`]);
    const old = lineIn(1, KEPT_OLD);
    // The old rule moved down: its pre-patch line is where the new rule now is.
    expect(old).not.toBe(lineIn(0, KEPT_OLD));
    expect(c[0]?.message).toContain(`the document still orders kvm->lock before kvm->slots_lock (line ${old}: "${KEPT_OLD.slice(2)}")`);
    expect(c[0]?.rulePath).toEqual([
      { line: lineIn(1, CONTRADICTING), text: CONTRADICTING.slice(2) },
      { line: old, text: KEPT_OLD.slice(2) },
    ]);
  });

  it('2/2: a flip quotes the replaced rule with its pre-patch line in the message only, labelled "before this patch"', () => {
    const c = conflicts(2);
    expect(c.map((f) => `${f.severity} ${f.outer} -> ${f.inner} ${f.line}`)).toEqual([`warning vcpu->mutex -> kvm->lock ${lineIn(2, FLIPPED)}`]);
    expect(c[0]?.message).toContain(`before this patch, line ${lineIn(1, VCPU)}: "${VCPU.slice(2)}"`);
    // Every quote names a line of the patched file.
    expect(c[0]?.rulePath).toEqual([{ line: lineIn(2, FLIPPED), text: FLIPPED.slice(2) }]);
  });
});
