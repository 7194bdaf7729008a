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
    String.raw`\b[a-z][a-z0-9_]*_(?:lock|mutex|sem|srcu)\b(?!\()`,
  ].join('|'),
  'g',
);

/** The last component must name a lock: kvm->memslots and kvm->srcu_idx are data. */
const LOCKISH = /(?:^|_|\.|>|:)(?:lock|mutex|srcu|sem|rwsem)$/;

/** Primitive names that look like lock names in prose ("typically with ``read_lock``"). */
const PRIMITIVES = new Set([
  'read_lock', 'write_lock', 'spin_lock', 'raw_spin_lock', 'mutex_lock', 'srcu_read_lock',
  'rcu_read_lock', 'down_read_lock', 'mmap_read_lock', 'mmap_write_lock',
  'call_srcu', 'synchronize_srcu', 'init_srcu', 'cleanup_srcu', 'spin_unlock', 'mutex_unlock',
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
