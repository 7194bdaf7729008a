/**
 * The digest's "document this week": rule changes between revisions of
 * locking.rst, on the real revisions of the corpus. Seed 000 is the v6.3
 * change from revision 12 to 16 (cpus_read_lock() outside kvm_lock added,
 * kvm_count_lock dropped from the table, the 2023 SRCU rules); seed 002 is
 * revision 23 (vcpu->mutex outside kvm->slots_lock). Lines are found by
 * content in the revision they belong to.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { diffRules, type RuleChange } from '../../analyzers/history/rule-diff.js';
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import { readLockingDoc } from '../../knowledge/doc/reader.js';
import { corpusRevision, corpusRevisions } from '../helpers/paths.js';

const cache = new Map<string, DocumentedOrder>();
const read = (prefix: string): DocumentedOrder => {
  const hit = cache.get(prefix);
  if (hit) return hit;
  const path = corpusRevision(prefix);
  const order = readLockingDoc(readFileSync(path), path);
  cache.set(prefix, order);
  return order;
};

/** 1-based line of the first line of revision PREFIX that contains TEXT. */
const lineOf = (prefix: string, text: string, from = 0): number => {
  const lines = readFileSync(corpusRevision(prefix), 'utf8').split(/\r?\n/);
  const idx = lines.findIndex((l, i) => i >= from && l.includes(text));
  if (idx < 0) throw new Error(`revision ${prefix} has no line with "${text}"`);
  return idx + 1;
};

const diff = (a: string, b: string): RuleChange[] => diffRules(read(a), read(b));
const summary = (changes: RuleChange[]): string[] =>
  changes.map((c) => `${c.change} ${c.outer ? `${c.outer} -> ${c.inner}` : (c.lock ?? '')}`.trim());
const prefixes = (): string[] => corpusRevisions().map((f) => f.slice(0, 2));

describe('rule changes between locking.rst revisions', () => {
  it('seed 000 (revision 12 -> 16): the cpus_read_lock() rule added, kvm_count_lock dropped, the 2023 SRCU rules', () => {
    const changes = diff('12', '16');
    expect(summary(changes)).toEqual(expect.arrayContaining([
      'rule-added cpus_read_lock() -> kvm_lock',
      'lock-dropped kvm_count_lock',
      'srcu-changed kvm->lock',
      'srcu-changed vcpu->mutex',
      'rule-added vcpu->mutex -> kvm->arch.xen.xen_lock',
    ]));
    const added = changes.find((c) => c.change === 'rule-added' && c.inner === 'kvm_lock');
    expect(added).toMatchObject({ line: lineOf('16', 'cpus_read_lock() is taken outside kvm_lock'), text: 'cpus_read_lock() is taken outside kvm_lock', arch: null });
    const dropped = changes.find((c) => c.change === 'lock-dropped');
    // A dropped lock is quoted where the old table had it.
    expect(dropped?.line).toBe(lineOf('12', '``kvm_count_lock``'));
    const srcu = changes.find((c) => c.change === 'srcu-changed' && c.lock === 'vcpu->mutex');
    expect(srcu?.readSide).toEqual({ before: null, after: false });
    // kvm->slots_lock was already forbidden in readers, in other words: no change of rule.
    expect(changes.some((c) => c.lock === 'kvm->slots_lock')).toBe(false);
  });

  it('the tdp_mmu_pages_lock statement re-worded in revision 16 is the same rule, new wording', () => {
    const re = diff('15', '16').filter((c) => c.change === 'rule-reworded');
    expect(summary(re)).toEqual([
      'rule-reworded kvm->mmu_lock -> kvm->arch.tdp_mmu_pages_lock',
      'rule-reworded kvm->mmu_lock -> kvm->arch.mmu_unsync_pages_lock',
    ]);
    expect(re[0]?.text).toMatch(/is an rwlock and is taken outside/);
    expect(re[0]?.previous?.text).toMatch(/are taken inside kvm->arch.mmu_lock/);
    expect(re[0]?.previous?.line).toBe(lineOf('15', 'kvm->arch.tdp_mmu_pages_lock and'));
  });

  it('walking the revisions in order: where cpus_read_lock() -> kvm_lock comes and goes, where kvm_count_lock leaves the table', () => {
    const added: string[] = [];
    const removed: string[] = [];
    const dropped: string[] = [];
    const p = prefixes();
    for (let i = 1; i < p.length; i++) {
      const [a, b] = [p[i - 1] ?? '', p[i] ?? ''];
      for (const c of diff(a, b)) {
        if (c.outer === 'cpus_read_lock()' && c.inner === 'kvm_lock' && c.change === 'rule-added') added.push(b);
        if (c.outer === 'cpus_read_lock()' && c.inner === 'kvm_lock' && c.change === 'rule-removed') removed.push(b);
        if (c.lock === 'kvm_count_lock' && c.change === 'lock-dropped') dropped.push(b);
      }
    }
    // 13 is Paolo's v1 (later withdrawn), 15 a RHEL backport of the v6.3 change that mainline 16 has too.
    expect({ added, removed, dropped }).toEqual({ added: ['13', '15'], removed: ['14'], dropped: ['13', '15'] });
  });

  it('revision 20: the contradictory kvm_usage_lock rules are a doc-conflict quoting both statements', () => {
    const changes = diff('19', '20');
    const conflict = changes.filter((c) => c.change === 'doc-conflict');
    expect(conflict).toHaveLength(1);
    expect(conflict[0]?.text).toContain('cpus_read_lock() -> kvm_usage_lock -> cpus_read_lock()');
    expect(conflict[0]?.lines).toEqual([
      lineOf('20', 'cpus_read_lock() is taken outside kvm_lock and kvm_usage_lock'),
      lineOf('20', 'kvm_usage_lock is taken outside cpus_read_lock()'),
    ]);
    expect(summary(changes)).toContain('rule-added kvm_usage_lock -> cpus_read_lock()');
    // Revision 21 resolves it: the conflict is not reported again, the losing rule is removed.
    const next = diff('20', '21');
    expect(next.filter((c) => c.change === 'doc-conflict')).toEqual([]);
    expect(summary(next)).toEqual(['rule-removed cpus_read_lock() -> kvm_usage_lock']);
  });

  it('seed 002 (revision 23): vcpu->mutex outside kvm->slots_lock added', () => {
    const changes = diff('22', '23');
    const added = changes.find((c) => c.change === 'rule-added' && c.inner === 'kvm->slots_lock');
    expect(added).toMatchObject({ outer: 'vcpu->mutex', line: lineOf('23', 'vcpu->mutex is taken outside kvm->slots_lock'), arch: null });
  });

  it('a lock added to a statement\'s list is a rule added, not the others re-worded (23 -> 24, 20 -> 21)', () => {
    expect(summary(diff('23', '24'))).toEqual(['rule-added vcpu->mutex -> kvm->slots_arch_lock']);
  });

  it('no change between a revision and itself, or the same text moved down the file', () => {
    for (const p of prefixes()) expect(diff(p, p)).toEqual([]);
    const path = corpusRevision('25');
    const text = readFileSync(path, 'utf8');
    const title = text.indexOf('=================');
    const shifted = `${text.slice(0, title)}\n\n\n${text.slice(title)}`;
    const moved = readLockingDoc(Buffer.from(shifted), path);
    expect(moved.edges[0]?.line).toBe((read('25').edges[0]?.line ?? 0) + 3);
    expect(diffRules(read('25'), moved)).toEqual([]);
  });

  it('a document from nothing: every rule added, every lock added', () => {
    const order = read('25');
    const changes = diffRules(null, order);
    const ordering = new Set(order.edges.filter((e) => !e.srcu).map((e) => `${e.outer} -> ${e.inner}`));
    expect(changes.filter((c) => c.change === 'rule-added')).toHaveLength(ordering.size);
    expect(changes.filter((c) => c.change === 'lock-added').map((c) => c.lock).sort()).toEqual(order.locks.map((l) => l.name).sort());
    expect(changes.filter((c) => c.change === 'rule-removed' || c.change === 'lock-dropped')).toEqual([]);
  });
});
