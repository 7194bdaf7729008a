/**
 * The digest on a real history (issue 12 §4): the 25 revisions of
 * locking.rst dated by their names, the Debian 6.1 code before the 2023
 * revisions and the 6.12 code before the 2025 ones (test/helpers/digest-history.ts).
 * One HistoryStates is shared by the digests of this file, as a
 * long-running caller would: each distinct code is analysed once.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { buildDigest, type DigestRun } from '../../analyzers/history/digest.js';
import type { CommitRef } from '../../analyzers/history/model.js';
import { HistoryStates } from '../../analyzers/history/states.js';
import { weekStart } from '../../analyzers/history/weeks.js';
import { isOrderedBefore } from '../../knowledge/doc/order-graph.js';
import { corpusRevision } from '../helpers/paths.js';
import { DIGEST_CACHE, digestHistory, type DigestHistory, type HistoryCommit } from '../helpers/digest-history.js';

let h: DigestHistory;
let states: HistoryStates;
const cache = { dir: DIGEST_CACHE };

beforeAll(async () => {
  h = await digestHistory();
  states = new HistoryStates(h.repo, cache);
}, 300_000);
afterAll(() => states.close());

const digest = (opts: { from?: string; to?: string; since?: string; weeks?: number }): Promise<DigestRun> => buildDigest(h.repo, { ...opts, cache, states });
const ref = (c: HistoryCommit): CommitRef => ({ hash: c.hash, subject: c.subject, author: 'Test Author <author@example.org>', date: c.date });
const edge = (x: { outer?: string | null; inner?: string | null }): string => `${x.outer ?? ''} -> ${x.inner ?? ''}`;

describe('digest on the locking.rst history', () => {
  it('the weeks of the cpus_read_lock()/kvm_lock rule report it added (and removed where a revision lost it), with the commit', async () => {
    // Found by content: the revisions whose text states the rule.
    const RULE = /cpus_read_lock\(\) is taken outside\s+kvm_lock\b/;
    const states16 = h.commits.filter((c) => c.revision);
    const says = (c: HistoryCommit): boolean => RULE.test(readFileSync(corpusRevision(c.revision?.slice(0, 2) ?? ''), 'utf8'));
    const seen: string[] = [];
    for (const [i, c] of states16.entries()) {
      const prev = states16[i - 1];
      if (!prev || says(c) === says(prev)) continue;
      const run = await digest({ since: new Date(weekStart(Date.parse(c.date))).toISOString(), to: c.hash, weeks: 4 });
      const d = run.digest;
      expect(d.window.commits).toBe(1);
      expect(d.document).toHaveLength(1);
      expect(d.document[0]).toMatchObject({ hash: c.hash, subject: c.subject, author: 'Test Author <author@example.org>' });
      const kind = says(c) ? 'rule-added' : 'rule-removed';
      expect(d.document[0]?.changes.filter((ch) => ch.change === kind).map(edge)).toContain('cpus_read_lock() -> kvm_lock');
      // The state before the window is the commit before the week.
      expect(d.window.from?.hash).toBe(h.commits[h.commits.findIndex((x) => x.hash === c.hash) - 1]?.hash);
      expect(d.trend).toHaveLength(4);
      expect(d.trend.at(-1)?.commit).toBe(c.hash);
      expect(d.summary).toMatch(/locking\.rst changed in 1 commit/);
      seen.push(`${kind} ${c.revision?.slice(0, 2) ?? ''}`);
    }
    // 13 brought it (the 6.3 material), 14 (intel/tdx) lacked it, 15 stated it again.
    expect(seen.slice(0, 3)).toEqual(['rule-added 13', 'rule-removed 14', 'rule-added 15']);
  }, 300_000);

  it('the week of the contradictory kvm_usage_lock revision (20) reports the contradiction, and exits 1', async () => {
    const c20 = h.revision('20');
    const run = await digest({ from: h.revision('19').hash, to: c20.hash });
    const changes = run.digest.document[0]?.changes ?? [];
    const conflict = changes.find((ch) => ch.change === 'doc-conflict');
    expect(conflict?.text).toMatch(/cpus_read_lock\(\).*kvm_usage_lock.*cpus_read_lock\(\)/);
    expect(run.digest.drift.document.map((x) => x.kind)).toContain('cycle');
    expect(run.digest.since.new.filter((n) => n.section === 'document')).toHaveLength(1);
    expect(run.exitCode).toBe(1);
    // The next revision resolves it: fixed since the start of its window.
    const next = await digest({ from: c20.hash, to: h.revision('21').hash });
    expect(next.digest.drift.document).toEqual([]);
    expect(next.digest.since.fixed.filter((f) => f.section === 'document')).toHaveLength(1);
  }, 300_000);

  it('the 6.1 -> 6.12 step reports the Xen kvm->srcu / kvm->lock drift fixed', async () => {
    const before = await states.drift(ref(h.code('6.1')));
    const xen = before.contradicted.find((c) => c.kind === 'srcu-violation' && c.inner === 'kvm->lock');
    expect(xen?.severity).toBe('error');
    expect(xen?.sites.some((s) => s.chain.some((step) => step.file === 'arch/x86/kvm/xen.c'))).toBe(true);

    const run = await digest({ from: h.revision('20').hash, to: h.code('6.12').hash });
    expect(run.digest.since.fixed).toEqual(expect.arrayContaining([{ section: 'contradicted', fingerprint: xen?.fingerprint, title: 'kvm->srcu -> kvm->lock (srcu-violation)' }]));
    expect(run.digest.drift.contradicted.some((c) => c.fingerprint === xen?.fingerprint)).toBe(false);
    // The code commit is listed with the edge it removed.
    const code = run.digest.code.find((c) => c.hash === h.code('6.12').hash);
    expect(code?.edges.filter((e) => e.change === 'removed').map(edge)).toContain('kvm->srcu -> kvm->lock');
  }, 300_000);

  it('vcpu->mutex -> kvm->slots_lock is undocumented from the 6.1 code until revision 23 documents it, and not after', async () => {
    const order = h.commits.filter((c) => Date.parse(c.date) >= Date.parse(h.code('6.1').date));
    const listed: string[] = [];
    for (const c of order) {
      const drift = await states.drift(ref(c));
      if (drift.undocumented.some((u) => u.outer === 'vcpu->mutex' && u.inner === 'kvm->slots_lock')) listed.push(c.revision?.slice(0, 2) ?? `code ${c.code}`);
    }
    const upTo23 = order.filter((c) => Date.parse(c.date) < Date.parse(h.revision('23').date)).map((c) => c.revision?.slice(0, 2) ?? `code ${c.code}`);
    // Revision 13 (the v1 SRCU text) is cyclic, so it orders the two locks through its cycle: not "undocumented" there.
    const doc13 = await states.doc(h.revision('13').hash);
    expect(doc13?.problems.some((p) => p.kind === 'cycle')).toBe(true);
    expect(isOrderedBefore(doc13?.edges ?? [], 'vcpu->mutex', 'kvm->slots_lock', 'x86') || isOrderedBefore(doc13?.edges ?? [], 'kvm->slots_lock', 'vcpu->mutex', 'x86')).toBe(true);
    expect(listed).toEqual(upTo23.filter((r) => r !== '13'));

    const run = await digest({ from: h.revision('22').hash, to: h.revision('23').hash });
    expect(run.digest.document[0]?.changes.filter((ch) => ch.change === 'rule-added').map(edge)).toContain('vcpu->mutex -> kvm->slots_lock');
    expect(run.digest.since.fixed.map((f) => f.title)).toContain('vcpu->mutex -> kvm->slots_lock');
    // The week before, the digest names the commit that brought the order in.
    const prev = await digest({ from: h.revision('21').hash, to: h.revision('22').hash });
    const item = prev.digest.drift.undocumented.find((u) => edge(u) === 'vcpu->mutex -> kvm->slots_lock');
    expect(item?.firstSeen?.commit.hash).toBe(h.code('6.1').hash);
    expect(item?.firstSeen?.how).toBe('introduced');
    expect(item?.example.chain.length).toBeGreaterThan(0);
  }, 300_000);

  it('the leaf claim is one item per lock, across architectures, listing what is taken inside', async () => {
    const drift = await states.drift(ref(h.revision('25')));
    const locks = drift.leaf.map((l) => l.lock);
    expect(new Set(locks).size).toBe(locks.length);
    expect(drift.leaf.length).toBeGreaterThan(0);
    for (const l of drift.leaf) {
      expect(l.inside.length).toBeGreaterThan(0);
      expect(new Set(l.inside.map((i) => i.lock)).size).toBe(l.inside.length);
      expect(l.rule.text).toMatch(/leaf/i);
    }
  }, 300_000);

  it('the trend counts the state at the last commit of each ISO week, counted back from the window end', async () => {
    const c24 = h.revision('24');
    const run = await digest({ from: h.revision('23').hash, to: c24.hash, weeks: 12 });
    expect(run.digest.trend).toHaveLength(12);
    // Revision 23 (2026-01) is within the 12 weeks before revision 24 (2026-03): its weeks count its state.
    const w23 = run.digest.trend.filter((t) => t.commit === h.revision('23').hash);
    expect(w23.length).toBeGreaterThan(0);
    const drift23 = await states.drift(ref(h.revision('23')));
    expect(w23[0]?.counts.undocumented).toBe(drift23.undocumented.length);
    expect(run.digest.trend.at(-1)?.commit).toBe(c24.hash);
  }, 300_000);
});
