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

// ---- KVM naming conventions the class of a lock expression is derived with ----

/** How locking.rst (and lockdep) names the root of a class in struct S. */
const ROOT_NAMES: ReadonlyMap<string, string> = new Map([
  ['kvm', 'kvm'],
  ['kvm_vcpu', 'vcpu'],
  ['mm_struct', 'mm'],
  ['address_space', 'mapping'],
]);

/**
 * Structs that exist only embedded in another struct, at a fixed member:
 * struct -> [container, member]. x86 and arm64, include/linux/kvm_host.h and
 * arch/{x86,arm64}/include/asm/kvm_host.h of 6.12.
 */
const EMBEDDED_IN: ReadonlyMap<string, readonly [string, string]> = new Map([
  ['kvm_arch', ['kvm', 'arch']],
  ['kvm_vcpu_arch', ['kvm_vcpu', 'arch']],
  ['kvm_xen', ['kvm_arch', 'xen']],
  ['kvm_hv', ['kvm_arch', 'hyperv']],
  ['kvm_vcpu_xen', ['kvm_vcpu_arch', 'xen']],
  ['vgic_dist', ['kvm_arch', 'vgic']],
  ['vgic_cpu', ['kvm_vcpu_arch', 'vgic_cpu']],
]);

/** Variable and member names whose type is a strong kernel convention (a guess when used). */
const NAME_CONVENTIONS: ReadonlyMap<string, string> = new Map([
  ['kvm', 'kvm'],
  ['vcpu', 'kvm_vcpu'],
  ['mm', 'mm_struct'],
  ['vm_mm', 'mm_struct'],
  ['mapping', 'address_space'],
  ['i_mapping', 'address_space'],
  ['f_mapping', 'address_space'],
]);

/** The root name locking.rst gives a class in struct `struct` (`kvm_vcpu` -> `vcpu`); the struct name otherwise. */
export function rootName(struct: string): string {
  return ROOT_NAMES.get(struct) ?? struct;
}

/** The container and member a struct only ever lives embedded in (`kvm_arch` -> [`kvm`, `arch`]), if any. */
export function embeddingOf(struct: string): readonly [string, string] | undefined {
  return EMBEDDED_IN.get(struct);
}

/** The struct a variable or member named `name` conventionally points to (`vcpu` -> `kvm_vcpu`): a guess. */
export function conventionalType(name: string): string | undefined {
  return NAME_CONVENTIONS.get(name);
}
