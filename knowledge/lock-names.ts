/**
 * One name per lock class everywhere in the project.
 *
 * Names follow locking.rst's spelling (`kvm->slots_lock`, `vcpu->mutex`,
 * `cpus_read_lock()`); every other spelling of the same class that the
 * document, lockdep or the code uses is an alias that canonicalises here.
 */

/** Canonical class name of a lock, as locking.rst writes it. */
export type LockClass = string;

interface AliasRule {
  /** Why these names are one class. */
  readonly why: string;
  readonly canonical: LockClass;
  readonly aliases: readonly string[];
}

/** Exact aliases: classes that locking.rst or lockdep name in more than one way. */
const ALIAS_RULES: readonly AliasRule[] = [
  {
    why: 'x86 kept mmu_lock in kvm_arch only in old trees; the table has always called it kvm->mmu_lock',
    canonical: 'kvm->mmu_lock',
    aliases: ['kvm->arch.mmu_lock'],
  },
  {
    why: 'cpus_read_lock() takes the percpu rwsem that lockdep reports as cpu_hotplug_lock',
    canonical: 'cpus_read_lock()',
    aliases: ['cpu_hotplug_lock', 'cpus_write_lock()', 'cpu_hotplug_lock.rw_sem'],
  },
];

const EXACT = new Map<string, LockClass>();
for (const rule of ALIAS_RULES) {
  for (const alias of rule.aliases) EXACT.set(alias, rule.canonical);
}

/**
 * Canonical class for a lock name written in documentation, a lockdep report
 * or a class derived from code. Unknown names come back unchanged.
 */
export function canonicalLock(name: string): LockClass {
  let n = name.trim().replace(/^&/, '').replace(/\s+/g, '');
  // kvm_arch::tsc_write_lock is the C++-style spelling of the field kvm->arch.tsc_write_lock.
  const member = /^kvm_arch::(\w+)$/.exec(n);
  if (member) n = `kvm->arch.${member[1]}`;
  // A lock reached through a vCPU's VM is the VM's lock: vcpu->kvm->lock is kvm->lock.
  n = n.replace(/^(?:vcpu|kvm_vcpu)->kvm->/, 'kvm->');
  n = n.replace(/^kvm_vcpu->/, 'vcpu->');
  return EXACT.get(n) ?? n;
}

/** Every alias known for a canonical class (not including the class itself). */
export function aliasesOf(canonical: LockClass): string[] {
  const out: string[] = [];
  for (const [alias, target] of EXACT) if (target === canonical) out.push(alias);
  if (canonical.startsWith('kvm->arch.') && canonical !== 'kvm->arch.mmu_lock') {
    out.push(`kvm_arch::${canonical.slice('kvm->arch.'.length)}`);
  }
  return out;
}
