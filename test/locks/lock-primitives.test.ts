/**
 * The primitive table, the guard types and the external lock table: integrity,
 * one lookup per family, and coverage of every primitive the primer names.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXTERNAL_LOCKS, externalLocks } from '../../knowledge/external-locks.js';
import { canonicalLock } from '../../knowledge/lock-names.js';
import type { LockKind, LockOp } from '../../knowledge/lock-primitives-model.js';
import {
  GUARD_TYPES, LOCK_PRIMITIVES, NON_LOCK_GUARD_TYPES, NOT_PRIMITIVES, guardPrimitive, lookupPrimitive, whyNotPrimitive, type GuardPrimitive,
} from '../../knowledge/lock-primitives.js';
import { SHARED } from '../helpers/paths.js';
import { classOf } from './harness.js';

const OPS: readonly LockOp[] = ['acquire', 'release', 'try', 'sync', 'assert', 'guard', 'scoped-guard'];
const KINDS: readonly LockKind[] = ['mutex', 'spinlock', 'raw_spinlock', 'rwlock', 'rwsem', 'srcu', 'percpu_rwsem', 'other'];
const VIA = /^(?:(?:->|\.)\w+)+$/;

const duplicates = (names: readonly string[]): string[] => names.filter((n, i) => names.indexOf(n) !== i);

describe('LOCK_PRIMITIVES integrity', () => {
  it('has each name once, and no name is both a row and a non-primitive', () => {
    expect(duplicates(LOCK_PRIMITIVES.map((p) => p.name))).toEqual([]);
    expect(LOCK_PRIMITIVES.filter((p) => NOT_PRIMITIVES.has(p.name)).map((p) => p.name)).toEqual([]);
  });

  it('uses only valid ops, kinds, modes, arguments and via paths', () => {
    for (const p of LOCK_PRIMITIVES) {
      expect([p.name, OPS.includes(p.op)]).toEqual([p.name, true]);
      expect([p.name, KINDS.includes(p.kind)]).toEqual([p.name, true]);
      expect(['read', 'write']).toContain(p.mode);
      if (typeof p.arg === 'number') expect(p.arg).toBeGreaterThanOrEqual(0);
      else expect([p.name, canonicalLock(p.arg.fixed)]).toEqual([p.name, p.arg.fixed]);
      if (p.via !== undefined) expect([p.name, VIA.test(p.via)]).toEqual([p.name, true]);
      if (p.subclassArg !== undefined) expect(p.subclassArg).not.toBe(p.arg);
      // guard rows come from guardPrimitive(), never from the table
      expect(['guard', 'scoped-guard']).not.toContain(p.op);
    }
  });

  it('pairs every acquire family with a release', () => {
    const key = (p: (typeof LOCK_PRIMITIVES)[number]): string => `${p.kind}:${p.mode}:${JSON.stringify(p.arg)}:${p.via ?? ''}`;
    const releases = new Set(LOCK_PRIMITIVES.filter((p) => p.op === 'release').map(key));
    const unpaired = LOCK_PRIMITIVES.filter((p) => p.op === 'acquire' || p.op === 'try')
      .filter((p) => !releases.has(key(p)))
      .map((p) => p.name);
    expect(unpaired).toEqual([]);
  });
});

/** For each `via`, an argument of the type the primitive takes and the class it names. */
const VIA_ARGS: Record<string, { expr: string; vars: Record<string, string>; class: string }> = {
  '->mmap_lock': { expr: 'kvm->mm', vars: { kvm: 'struct kvm *' }, class: 'mm->mmap_lock' },
  '->kvm->srcu': { expr: 'vcpu', vars: { vcpu: 'struct kvm_vcpu *' }, class: 'kvm->srcu' },
  '->mmu_lock': { expr: 'kvm', vars: { kvm: 'struct kvm *' }, class: 'kvm->mmu_lock' },
  '->lock': { expr: 'kvm', vars: { kvm: 'struct kvm *' }, class: 'kvm->lock' },
  '->arch.tsc_write_lock': { expr: 'kvm', vars: { kvm: 'struct kvm *' }, class: 'kvm->arch.tsc_write_lock' },
  '->invalidate_lock': { expr: 'inode->i_mapping', vars: { inode: 'struct inode *' }, class: 'mapping->invalidate_lock' },
  '->xa_lock': { expr: '&dist->lpi_xa', vars: { dist: 'struct vgic_dist *' }, class: 'kvm->arch.vgic.lpi_xa.xa_lock' },
};

/** Every row with a lock argument, called the way the kernel calls it (style guide: one snippet per primitive). */
describe('a snippet per primitive', () => {
  const rows = LOCK_PRIMITIVES.filter((p) => typeof p.arg === 'number');
  it.each(rows.map((p) => [p.name, p] as const))('%s', async (_name, p) => {
    const at = typeof p.arg === 'number' ? p.arg : 0;
    const v = p.via === undefined ? { expr: '&kvm->slots_lock', vars: { kvm: 'struct kvm *' }, class: 'kvm->slots_lock' } : VIA_ARGS[p.via];
    expect([p.name, p.via, v !== undefined]).toEqual([p.name, p.via, true]);
    if (!v) return;
    const args = Array.from({ length: Math.max(at, p.subclassArg ?? 0) + 1 }, (_, i) => (i === at ? v.expr : i === p.subclassArg ? 'SINGLE_DEPTH_NESTING' : 'flags'));
    const r = await classOf({ code: `${p.name}(${args.join(', ')});`, vars: v.vars, callee: p.name, arg: at, via: p.via });
    expect(r).toEqual({ ok: true, class: v.class, guessed: false });
  });
});

type Expected = { op: LockOp; kind: LockKind; mode: 'read' | 'write'; arg?: number | { fixed: string }; via?: string; subclassArg?: number };

/** One representative per family, with its full expected row. */
const FAMILIES: [string, Expected][] = [
  ['mutex_lock', { op: 'acquire', kind: 'mutex', mode: 'write', arg: 0 }],
  ['mutex_lock_killable', { op: 'acquire', kind: 'mutex', mode: 'write' }],
  ['mutex_lock_nested', { op: 'acquire', kind: 'mutex', mode: 'write', subclassArg: 1 }],
  ['mutex_trylock', { op: 'try', kind: 'mutex', mode: 'write' }],
  ['mutex_unlock', { op: 'release', kind: 'mutex', mode: 'write' }],
  ['spin_lock_irqsave', { op: 'acquire', kind: 'spinlock', mode: 'write', arg: 0 }],
  ['spin_lock_irqsave_nested', { op: 'acquire', kind: 'spinlock', mode: 'write', subclassArg: 2 }],
  ['spin_trylock_bh', { op: 'try', kind: 'spinlock', mode: 'write' }],
  ['spin_unlock_irqrestore', { op: 'release', kind: 'spinlock', mode: 'write' }],
  ['raw_spin_lock', { op: 'acquire', kind: 'raw_spinlock', mode: 'write' }],
  ['raw_spin_trylock_irqsave', { op: 'try', kind: 'raw_spinlock', mode: 'write' }],
  ['raw_spin_unlock_irq', { op: 'release', kind: 'raw_spinlock', mode: 'write' }],
  ['read_lock', { op: 'acquire', kind: 'rwlock', mode: 'read' }],
  ['read_trylock', { op: 'try', kind: 'rwlock', mode: 'read' }],
  ['write_lock', { op: 'acquire', kind: 'rwlock', mode: 'write' }],
  ['write_unlock', { op: 'release', kind: 'rwlock', mode: 'write' }],
  ['down_read', { op: 'acquire', kind: 'rwsem', mode: 'read' }],
  ['down_read_nested', { op: 'acquire', kind: 'rwsem', mode: 'read', subclassArg: 1 }],
  ['down_write_trylock', { op: 'try', kind: 'rwsem', mode: 'write' }],
  ['down_write_nested', { op: 'acquire', kind: 'rwsem', mode: 'write', subclassArg: 1 }],
  ['up_read', { op: 'release', kind: 'rwsem', mode: 'read' }],
  ['mmap_read_lock', { op: 'acquire', kind: 'rwsem', mode: 'read', arg: 0, via: '->mmap_lock' }],
  ['mmap_read_trylock', { op: 'try', kind: 'rwsem', mode: 'read', via: '->mmap_lock' }],
  ['mmap_write_unlock', { op: 'release', kind: 'rwsem', mode: 'write', via: '->mmap_lock' }],
  ['cpus_read_lock', { op: 'acquire', kind: 'percpu_rwsem', mode: 'read', arg: { fixed: 'cpus_read_lock()' } }],
  ['cpus_read_trylock', { op: 'try', kind: 'percpu_rwsem', mode: 'read', arg: { fixed: 'cpus_read_lock()' } }],
  ['cpus_write_lock', { op: 'acquire', kind: 'percpu_rwsem', mode: 'write', arg: { fixed: 'cpus_read_lock()' } }],
  ['srcu_read_lock', { op: 'acquire', kind: 'srcu', mode: 'read', arg: 0 }],
  ['srcu_read_unlock', { op: 'release', kind: 'srcu', mode: 'read', arg: 0 }],
  ['srcu_read_lock_fast', { op: 'acquire', kind: 'srcu', mode: 'read' }],
  ['synchronize_srcu', { op: 'sync', kind: 'srcu', mode: 'write' }],
  ['synchronize_srcu_expedited', { op: 'sync', kind: 'srcu', mode: 'write' }],
  ['lockdep_assert_held', { op: 'assert', kind: 'other', mode: 'write' }],
  ['lockdep_assert_held_read', { op: 'assert', kind: 'other', mode: 'read' }],
  ['kvm_vcpu_srcu_read_lock', { op: 'acquire', kind: 'srcu', mode: 'read', arg: 0, via: '->kvm->srcu' }],
  ['kvm_vcpu_srcu_read_unlock', { op: 'release', kind: 'srcu', mode: 'read', via: '->kvm->srcu' }],
  ['KVM_MMU_LOCK', { op: 'acquire', kind: 'rwlock', mode: 'write', via: '->mmu_lock' }],
  ['KVM_MMU_UNLOCK', { op: 'release', kind: 'rwlock', mode: 'write', via: '->mmu_lock' }],
  ['sev_lock_vcpus_for_migration', { op: 'acquire', kind: 'mutex', mode: 'write', arg: { fixed: 'vcpu->mutex' }, subclassArg: 1 }],
  ['lock_all_vcpus', { op: 'try', kind: 'mutex', mode: 'write', arg: { fixed: 'vcpu->mutex' } }],
  ['filemap_invalidate_lock_shared', { op: 'acquire', kind: 'rwsem', mode: 'read', via: '->invalidate_lock' }],
];

describe('lookupPrimitive', () => {
  it.each(FAMILIES)('%s', (name, expected) => {
    expect(lookupPrimitive(name)).toMatchObject({ name, ...expected });
  });

  it('knows nothing of ordinary functions, guards or deliberate non-primitives', () => {
    for (const name of ['kvm_set_memslot', 'guard', 'scoped_guard', 'call_srcu', 'downgrade_write', 'mutex_init']) {
      expect([name, lookupPrimitive(name)]).toEqual([name, undefined]);
    }
    expect(whyNotPrimitive('call_srcu')).toMatch(/no edge/);
    expect(whyNotPrimitive('mutex_lock')).toBeUndefined();
  });
});

const GUARD_CASES: [string, 'guard' | 'scoped-guard', Partial<GuardPrimitive>][] = [
  ['mutex', 'guard', { kind: 'mutex', mode: 'write', waits: true, conditional: false, arg: 0, name: 'guard(mutex)' }],
  ['mutex', 'scoped-guard', { kind: 'mutex', mode: 'write', waits: true, conditional: false, name: 'scoped_guard(mutex)' }],
  ['mutex_intr', 'scoped-guard', { kind: 'mutex', waits: true, conditional: true }],
  ['mutex_try', 'scoped-guard', { kind: 'mutex', waits: false, conditional: true }],
  ['spinlock_irqsave', 'guard', { kind: 'spinlock', mode: 'write', waits: true, conditional: false }],
  ['raw_spinlock_nested', 'guard', { kind: 'raw_spinlock', subclass: 1 }],
  ['read_lock', 'guard', { kind: 'rwlock', mode: 'read' }],
  ['write_lock_irqsave', 'scoped-guard', { kind: 'rwlock', mode: 'write' }],
  ['rwsem_read', 'guard', { kind: 'rwsem', mode: 'read' }],
  ['rwsem_write_try', 'scoped-guard', { kind: 'rwsem', mode: 'write', waits: false, conditional: true }],
  ['srcu', 'guard', { kind: 'srcu', mode: 'read', waits: true }],
  ['cpus_read_lock', 'guard', { kind: 'percpu_rwsem', mode: 'read', arg: { fixed: 'cpus_read_lock()' } }],
];

describe('guardPrimitive', () => {
  it.each(GUARD_CASES)('%s (%s)', (type, op, expected) => {
    expect(guardPrimitive(type, op)).toMatchObject({ op, guardType: type, ...expected });
  });

  it('has each type once and returns nothing for scopes that are not locks', () => {
    expect(duplicates(GUARD_TYPES.map((g) => g.type))).toEqual([]);
    for (const t of [...NON_LOCK_GUARD_TYPES, 'no_such_lock']) expect([t, guardPrimitive(t, 'guard')]).toEqual([t, undefined]);
    for (const g of GUARD_TYPES) expect(NON_LOCK_GUARD_TYPES.has(g.type)).toBe(false);
  });
});

/**
 * Every primitive named in the primer's "Primitives" and "SRCU" sections is
 * a row, a guard, an external lock taker, or a deliberate non-primitive.
 */
describe('primer coverage', () => {
  const primer = readFileSync(join(SHARED, 'docs', 'primer.md'), 'utf8');
  const sections = primer.split(/^## /m).filter((s) => /^(Primitives|SRCU|Across functions)\b/.test(s)).join('\n');
  const spans = [...sections.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');
  /** Not calls: an annotation the C stage reads, lockdep's srcu(read)/srcu(sync) notation. */
  const NOT_CALLS = new Set(['__must_hold', 'srcu']);

  const named: string[] = [];
  let previous = '';
  for (const span of spans) {
    const suffix = /^_[a-z]\w*$/.exec(span);
    if (suffix) {
      named.push(previous + span); // `synchronize_srcu(...)` (and `_expedited`)
      continue;
    }
    const m = /^([A-Za-z_]\w*)(\*|\(|$)/.exec(span);
    if (!m?.[1] || !/lock|srcu|guard|mutex|down_|up_|static_key/i.test(m[1])) continue;
    previous = m[1];
    named.push(m[2] === '*' ? `${m[1]}*` : m[1]);
  }

  it('finds the primer names', () => {
    expect(named).toEqual(expect.arrayContaining(['mutex_lock*', 'KVM_MMU_LOCK', 'kvm_vcpu_srcu_read_lock', 'synchronize_srcu_expedited', 'call_srcu', 'static_key_slow_inc', 'guard', 'scoped_guard']));
  });

  it('covers each of them', () => {
    const uncovered = named.filter((name) => {
      if (name.endsWith('*')) {
        const base = name.slice(0, -1);
        return !lookupPrimitive(base) || LOCK_PRIMITIVES.filter((p) => p.name.startsWith(base)).length < 2;
      }
      if (name === 'guard' || name === 'scoped_guard') return !guardPrimitive('mutex', name === 'guard' ? 'guard' : 'scoped-guard');
      return !(lookupPrimitive(name) ?? whyNotPrimitive(name) ?? externalLocks(name) ?? (NOT_CALLS.has(name) || undefined));
    });
    expect(uncovered).toEqual([]);
  });
});

describe('EXTERNAL_LOCKS integrity', () => {
  it('has each name once, none of them a primitive, with canonical classes and a source', () => {
    expect(duplicates(EXTERNAL_LOCKS.map((e) => e.name))).toEqual([]);
    for (const e of EXTERNAL_LOCKS) {
      expect([e.name, lookupPrimitive(e.name)]).toEqual([e.name, undefined]);
      expect(e.takes.length).toBeGreaterThan(0);
      for (const t of e.takes) {
        expect(canonicalLock(t.class)).toBe(t.class);
        expect(KINDS).toContain(t.kind);
      }
      expect(e.source).toMatch(/extracted tree/);
      expect(e.source).toMatch(new RegExp(`\\b${e.name}\\(\\) -> `));
    }
  });

  it('has the seed 002 chain: static_key_slow_inc() takes cpus_read_lock()', () => {
    expect(externalLocks('static_key_slow_inc')?.takes).toEqual([{ class: 'cpus_read_lock()', kind: 'percpu_rwsem', mode: 'read' }]);
    expect(externalLocks('kvm_set_memslot')).toBeUndefined();
  });
});
