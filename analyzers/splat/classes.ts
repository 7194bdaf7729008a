/**
 * Lockdep class names -> the project's canonical lock classes.
 *
 * Lockdep names a class by the expression its init site passed
 * (`mutex_init(&kvm->lock)` is `&kvm->lock`; `spin_lock_init(&vgic_cpu->ap_list_lock)`
 * is `&vgic_cpu->ap_list_lock`), adds `/N` for a nesting subclass and
 * `#N` for a second class with the same name. The code stage names classes
 * by struct path (`vcpu->arch.vgic_cpu.ap_list_lock`), so a name that is not
 * already a class is matched on its field and the variable it is reached
 * through.
 */
import { canonicalLock, type LockClass } from '../../knowledge/lock-names.js';
import type { ClassMapping } from './model.js';

/**
 * Variables lockdep names that stand for a struct whose class path is known.
 * Each entry is the init site's variable and the class path it is.
 */
const BASES: { re: RegExp; path: string; why: string }[] = [
  { re: /^(?:\w+_)?kvm$/, path: 'kvm', why: 'a struct kvm (host_kvm, kvm)' },
  { re: /^(?:\w+_)?vcpu$/, path: 'vcpu', why: 'a struct kvm_vcpu' },
  { re: /^vgic_cpu$/, path: 'vcpu->arch.vgic_cpu', why: "a vCPU's struct vgic_cpu (vcpu->arch.vgic_cpu)" },
  { re: /^dist$/, path: 'kvm->arch.vgic', why: "the VM's struct vgic_dist (kvm->arch.vgic)" },
  { re: /^hv$/, path: 'kvm->arch.hyperv', why: "the VM's struct kvm_hv (kvm->arch.hyperv, to_kvm_hv())" },
  { re: /^gpc$/, path: 'gfn_to_pfn_cache', why: 'a struct gfn_to_pfn_cache (KVM always names it gpc)' },
];

/**
 * The lock a lockdep name wraps: kernels before 5.x name a spinlock_t by its
 * raw lock (`&(&kvm->mmu_lock)->rlock`, `(kvm->mmu_lock).rlock`), a
 * seqlock_t by its seqcount, and a per-CPU lock by its per_cpu() expression
 * (`&per_cpu(wakeup_vcpus_on_cpu_lock, cpu)`).
 */
function unwrap(bare: string): { name: string; via: string } {
  const inner = /^&?\((&?[^()]+)\)(?:->|\.)(rlock|raw_lock|seqcount)$/.exec(bare);
  if (inner) {
    const name = inner[1]?.startsWith('&') ? inner[1] : `&${inner[1] ?? ''}`;
    return { name, via: ` (older kernels name the ${inner[2]} inside ${name})` };
  }
  const percpu = /^&?per_cpu(?:_ptr)?\(&?(\w+),\s*\w+\)$/.exec(bare);
  if (percpu?.[1]) return { name: percpu[1], via: ` (the per-CPU instances of ${percpu[1]} are one class)` };
  return { name: bare, via: '' };
}

/** Pseudo-locks lockdep uses for waits; kvm-review does not model them. */
const PSEUDO: { re: RegExp; why: string }[] = [
  { re: /^\(work_completion\)/, why: 'a work item (flush_work() waits for it); kvm-review does not model work items' },
  { re: /^\(wq_completion\)/, why: 'a workqueue (flush_workqueue() waits for it); kvm-review does not model workqueues' },
  { re: /^mmu_notifier_invalidate_range_start$/, why: "the mm's MMU-notifier pseudo-lock; kvm-review models MMU notifiers as a context, not a lock" },
  { re: /^\(console_sem\)|^&?rq->|^&?p->pi_lock$|^&?irq_desc_lock_class$/, why: 'a core-kernel lock outside the code kvm-review indexes' },
];

function split(name: string): { bare: string; subclass: number | null } {
  const sub = /\/(\d+)$/.exec(name);
  const bare = name.replace(/\/\d+$/, '').replace(/#\d+$/, '');
  return { bare, subclass: sub ? Number(sub[1]) : null };
}

/**
 * Maps one lockdep name onto `known` (the classes the document and the
 * tree's code use). Returns the class with how it was found, or null with
 * why there is none.
 */
export function mapLockdepClass(lockdep: string, known: ReadonlySet<LockClass>): ClassMapping {
  const { bare, subclass } = split(lockdep);
  const sub = subclass === null ? '' : `, subclass ${subclass} (a deliberate nesting annotation)`;
  const pseudo = PSEUDO.find((p) => p.re.test(bare));
  if (pseudo) return { lockdep, class: null, reason: `no class here: ${pseudo.why}`, subclass };
  const { name, via } = unwrap(bare);
  const direct = canonicalLock(name);
  if (known.has(direct)) {
    return { lockdep, class: direct, reason: direct === bare.replace(/^&/, '') ? `the class ${direct}${sub}` : `${bare} is the class ${direct}${via}${sub}`, subclass };
  }
  const m = /^&?(\w+)(->|\.)(.+)$/.exec(name);
  if (m) {
    const [, base = '', , field = ''] = m;
    for (const b of BASES) {
      if (!b.re.test(base)) continue;
      const cls = canonicalLock(`${b.path}${b.path.includes('.') || b.path.includes('->') ? '.' : '->'}${field}`);
      if (known.has(cls)) return { lockdep, class: cls, reason: `${base} is ${b.why}, so ${bare} is ${cls}${via}${sub}`, subclass };
    }
    const escaped = field.replace(/[.$]/g, '\\$&');
    // Any known class reached through a field of the same name under a member named like the variable.
    const tail = new RegExp(`(?:->|\\.)${base}(?:->|\\.)${escaped}$`);
    const hits = [...known].filter((k) => tail.test(k));
    if (hits.length === 1) return { lockdep, class: hits[0] as LockClass, reason: `${bare} is ${hits[0]} (the only class with that member path)${via}${sub}`, subclass };
    // The code names a class by its struct: &irq->irq_lock is vgic_irq->irq_lock, &ioapic->lock is kvm_ioapic->lock, when only one struct is named like the variable.
    const byStruct = new RegExp(`^(?:\\w+_)?${base}->${escaped}$`);
    const structs = [...known].filter((k) => byStruct.test(k));
    const [only] = structs;
    if (structs.length === 1 && only) {
      return { lockdep, class: only, reason: `${bare} is ${only}: ${base} is taken to be a struct ${only.split('->')[0]}, the only struct named like it with that lock (a guess from the name)${via}${sub}`, subclass };
    }
  }
  return {
    lockdep,
    class: null,
    reason: `no class here: neither locking.rst nor the code kvm-review indexes takes a lock named ${bare}`,
    subclass,
  };
}
