/**
 * Lock names inside documentation prose: `kvm->slots_lock`,
 * `kvm->arch.xen.xen_lock`, `vcpu->mutex`, `kvm_lock`, `cpus_read_lock()`,
 * `kvm_arch::tsc_write_lock`, `host_kvm.lock`.
 */
import { canonicalLock, type LockClass } from '../lock-names.js';

/** A lock name found in a sentence. */
export interface LockRef {
  /** As written. */
  written: string;
  canonical: LockClass;
  /** Character offset in the sentence. */
  index: number;
}

const REF = new RegExp(
  [
    String.raw`cpus_read_lock\(\)`,
    String.raw`\b(?:kvm|vcpu|host_kvm|kvm_vcpu)(?:->|\.)\w+(?:(?:->|\.)\w+)*`,
    String.raw`\bkvm_arch::\w+`,
    // A trailing number is part of the name (kvm->arch.pio_lock2, vendor_lock0): issue 11 §4.
    String.raw`\b[a-z][a-z0-9_]*_(?:lock|mutex|sem|srcu)\d*\b(?!\()`,
  ].join('|'),
  'g',
);

/** The last component must name a lock: kvm->memslots and kvm->srcu_idx are data. */
const LOCKISH = /(?:^|_|\.|>|:)(?:lock|mutex|srcu|sem|rwsem)\d*$/;

/** Primitive names that look like lock names in prose ("typically with ``read_lock``"). */
const PRIMITIVES = new Set([
  'read_lock', 'write_lock', 'spin_lock', 'raw_spin_lock', 'mutex_lock', 'srcu_read_lock',
  'rcu_read_lock', 'down_read_lock', 'mmap_read_lock', 'mmap_write_lock',
  'call_srcu', 'synchronize_srcu', 'init_srcu', 'cleanup_srcu', 'spin_unlock', 'mutex_unlock',
  'srcu_read_unlock', 'synchronize_srcu_expedited', 'read_unlock', 'write_unlock', 'mutex_trylock',
  'spin_trylock', 'lock_all_vcpus', 'unlock_all_vcpus', 'kvm_lock_all_vcpus', 'kvm_unlock_all_vcpus',
]);

export function findLockRefs(sentence: string): LockRef[] {
  const refs: LockRef[] = [];
  for (const m of sentence.matchAll(REF)) {
    const written = m[0].replace(/[.]+$/, '');
    if (PRIMITIVES.has(written)) continue;
    if (written !== 'cpus_read_lock()' && !LOCKISH.test(written)) continue;
    refs.push({ written, canonical: canonicalLock(written), index: m.index ?? 0 });
  }
  return refs;
}

/**
 * Names that look like locks but are not read as one: a member path or a
 * snake_case name with a lock word inside it (`kvm->locks[1]`,
 * `kvm->lock_a`, `kvm_lock_x`). A rule that names one is reported as not
 * understood rather than read without it.
 */
const LOCKLIKE = /\b(?:[a-z]\w*(?:->|\.|::))+\w+(?:\[\w*\])?|\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b(?!\()/g;
const LOCK_WORD = /(?:^|_|>|\.|:)(?:lock|locks|mutex|mutexes|sem|rwsem|srcu)(?:_|\d|\[|$)/;

/** Data named after the lock that guards it, not a lock: kvm->srcu_idx, kvm_lock_count. */
const LOCK_DATA = /(?:srcu_idx|_count|_cnt|_idx|_depth)$/;

export function findUnreadableLockNames(sentence: string): string[] {
  const read = findLockRefs(sentence);
  const covered = (at: number, len: number): boolean => read.some((r) => at < r.index + r.written.length && r.index < at + len);
  const out: string[] = [];
  for (const m of sentence.matchAll(LOCKLIKE)) {
    const written = m[0].replace(/[.]+$/, '');
    if (covered(m.index ?? 0, written.length) || PRIMITIVES.has(written)) continue;
    if (!LOCK_WORD.test(written) || LOCK_DATA.test(written)) continue;
    out.push(written);
  }
  return out;
}
