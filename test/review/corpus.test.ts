/**
 * Every real thread in ../shared/corpus/lore reviewed against the Debian
 * 6.1 tree: every patch of the reviewed posting appears with a status, and
 * where the patches apply the review says what the maintainers said.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { review } from '../../analyzers/review/review.js';
import { readSeries } from '../../analyzers/series/read-series.js';
import { kernelTree, SHARED } from '../helpers/paths.js';

const LORE = join(SHARED, 'corpus', 'lore');
const cache = { dir: mkdtempSync(join(tmpdir(), 'kvm-review-corpus-')) };
const files = ['kvm', 'kvmarm'].flatMap((d) => readdirSync(join(LORE, d)).filter((f) => f.endsWith('.mbx')).map((f) => `${d}/${f}`)).sort();

describe('every lore thread, reviewed against 6.1', () => {
  it('has the corpus files', () => {
    expect(files.length).toBe(21);
  });

  for (const file of files) {
    it(`${file}: every patch of the reviewed posting accounted for`, async () => {
      const path = join(LORE, file);
      const read = await readSeries(path);
      const r = await review({ input: path, tree: kernelTree('6.1'), cache });
      const expected = [...(read.chosen?.patches ?? []), ...(read.chosen?.duplicates ?? [])].map((p) => p.index).sort((a, b) => a - b);
      expect(r.patches.map((p) => p.index)).toEqual(expected);
      for (const p of r.patches) {
        expect(['reviewed', 'skipped', 'failed', 'not-applied']).toContain(p.status);
        if (p.status !== 'reviewed') expect(p.reason).toBeTruthy();
        // A reviewed patch with hunks that did not land says so; one with none of its code landed is not reviewed.
        if (p.status === 'reviewed' && p.applyFailures.length) expect(p.reason).toMatch(/(did not apply|already applied); the rest was reviewed$/);
        if (p.status === 'not-applied') expect(p.findings).toEqual([]);
      }
      expect(r.series.missing).toEqual(read.chosen?.missing ?? []);
    }, 300_000);
  }

  it('xen_lock v2 4/4 removes the vcpu->mutex -> kvm->lock and kvm->srcu -> kvm->lock orders', async () => {
    const r = await review({ input: join(LORE, 'kvm', 'xen-lock-leaf-lockdep-v2.mbx'), tree: kernelTree('6.1'), cache });
    const p4 = r.patches.find((p) => p.index === 4);
    expect(p4?.removedEdges).toEqual(expect.arrayContaining([
      { outer: 'vcpu->mutex', inner: 'kvm->lock' },
      { outer: 'kvm->srcu', inner: 'kvm->lock' },
    ]));
    expect(p4?.findings.filter((f) => f.severity === 'error')).toEqual([]);
  }, 300_000);

  it('2026 RFC 07/12 against 6.12: dropping kvm->lock from the SRCU rule is refused, as Sean refused it', async () => {
    const r = await review({ input: join(LORE, 'kvm', 'locking-docs-rfc-2026.mbx'), tree: kernelTree('6.12'), cache });
    const p7 = r.patches.find((p) => p.index === 7);
    expect(p7?.applyFailures).toEqual([]);
    const [f, ...rest] = p7?.findings ?? [];
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ kind: 'doc-removed', severity: 'error', outer: 'kvm->lock', inner: 'kvm->srcu' });
    expect(f?.evidence?.against.count).toBeGreaterThan(0);
  }, 300_000);

  it('kvm_usage_count 44/50 alone: reviewed, the 49 others reported missing', async () => {
    const r = await review({ input: join(LORE, 'kvm', 'kvm-usage-count-kvm_lock-v2-44.mbx'), tree: kernelTree('6.1'), cache });
    expect(r.patches.map((p) => p.index)).toEqual([44]);
    expect(r.series.missing).toHaveLength(49);
  }, 300_000);
});
