/**
 * lockClassOf on snippets written for these tests, one row per shape of lock
 * argument: typed, guessed from a name, folded through an embedding, reached
 * through a primitive's `via`, and the ones that cannot be named.
 */
import { describe, expect, it } from '@jest/globals';
import { classOf, type ClassCase } from './harness.js';

const KVM = { kvm: 'struct kvm *' };
const VCPU = { vcpu: 'struct kvm_vcpu *' };
const ok = (cls: string, guessed = false) => ({ class: cls, guessed });
const unresolved = (reason: RegExp) => ({ unresolved: reason });

const CASES: ClassCase[] = [
  // typed from declarations
  { name: 'a field of a typed struct kvm pointer', code: 'mutex_lock(&kvm->slots_lock);', vars: KVM, expect: ok('kvm->slots_lock') },
  { name: "the VM's lock reached through a vCPU", code: 'mutex_lock(&vcpu->kvm->slots_lock);', vars: VCPU, expect: ok('kvm->slots_lock') },
  { name: 'a nested field path after the last ->', code: 'mutex_lock(&kvm->arch.xen.xen_lock);', vars: KVM, expect: ok('kvm->arch.xen.xen_lock') },
  { name: 'a vCPU lock', code: 'mutex_lock(&vcpu->mutex);', vars: VCPU, expect: ok('vcpu->mutex') },
  { name: 'a vCPU lock under another variable name', code: 'mutex_lock(&v->mutex);', vars: { v: 'struct kvm_vcpu *' }, expect: ok('vcpu->mutex') },
  { name: 'a container struct typed member by member', code: 'mutex_lock(&svm->vcpu.kvm->lock);', vars: { svm: 'struct vcpu_svm *' }, expect: ok('kvm->lock') },
  { name: 'another struct is rooted by its name', code: 'mutex_lock(&pit->pit_state.lock);', vars: { pit: 'struct kvm_pit *' }, expect: ok('kvm_pit->pit_state.lock') },
  { name: 'an alias folds to the canonical class', code: 'write_lock(&kvm->arch.mmu_lock);', vars: KVM, expect: ok('kvm->mmu_lock') },
  { name: 'a cast gives the base its type', code: 'mutex_lock(&((struct kvm_vcpu *)data)->mutex);', expect: ok('vcpu->mutex') },
  { name: 'container_of() gives the base its type', code: 'raw_spin_lock(&container_of(w, struct kvm_arch, work)->tsc_write_lock);', expect: ok('kvm->arch.tsc_write_lock') },
  { name: 'parentheses and an outer cast are stripped', code: 'mutex_lock((struct mutex *)(&(kvm->lock)));', vars: KVM, expect: ok('kvm->lock') },
  { name: '(*p).f is p->f', code: 'mutex_lock(&(*kvm).lock);', vars: KVM, expect: ok('kvm->lock') },
  { name: 'an array element base is typed through the array', code: 'mutex_lock(&kvm->vcpus[i]->mutex);', vars: KVM, expect: ok('vcpu->mutex') },
  { name: 'an array of locks is one class (the index is dropped)', code: 'spin_lock(&kvm->arch.foo_locks[i]);', vars: KVM, expect: ok('kvm->arch.foo_locks') },

  // embedded structs fold into their container
  { name: 'struct kvm_arch is kvm->arch', code: 'raw_spin_lock_irq(&ka->tsc_write_lock);', vars: { ka: 'struct kvm_arch *' }, expect: ok('kvm->arch.tsc_write_lock') },
  { name: 'struct kvm_hv is kvm->arch.hyperv', code: 'mutex_lock(&hv->hv_lock);', vars: { hv: 'struct kvm_hv *' }, expect: ok('kvm->arch.hyperv.hv_lock') },
  { name: 'struct kvm_xen is kvm->arch.xen', code: 'mutex_lock(&xen->xen_lock);', vars: { xen: 'struct kvm_xen *' }, expect: ok('kvm->arch.xen.xen_lock') },

  // globals
  { name: 'a global lock', code: 'mutex_lock(&kvm_lock);', expect: ok('kvm_lock') },
  { name: 'a per-CPU lock through per_cpu()', code: 'raw_spin_lock(&per_cpu(demo_cpu_lock, vcpu->cpu));', vars: VCPU, expect: ok('demo_cpu_lock') },
  { name: 'a per-CPU lock through this_cpu_ptr()', code: 'spin_lock(this_cpu_ptr(&demo_cpu_lock));', expect: ok('demo_cpu_lock') },
  { name: 'a global lock inside a global struct', code: 'hyp_spin_lock(&host_mmu.lock);', expect: ok('host_mmu.lock') },
  { name: 'an undeclared bare name is taken for a global (a guess)', code: 'lockdep_assert_held(vendor_module_lock);', expect: ok('vendor_module_lock', true) },

  // via: the primitive's argument is not the lock itself
  { name: 'kvm_vcpu_srcu_read_lock(vcpu) locks kvm->srcu', code: 'kvm_vcpu_srcu_read_lock(vcpu);', vars: VCPU, via: '->kvm->srcu', expect: ok('kvm->srcu') },
  { name: 'vcpu->kvm with ->srcu', code: 'f(vcpu->kvm);', vars: VCPU, via: '->srcu', expect: ok('kvm->srcu') },
  { name: 'KVM_MMU_LOCK(kvm)', code: 'KVM_MMU_LOCK(kvm);', vars: KVM, via: '->mmu_lock', expect: ok('kvm->mmu_lock') },
  { name: 'mmap_read_lock of a typed member', code: 'mmap_read_lock(kvm->mm);', vars: KVM, via: '->mmap_lock', expect: ok('mm->mmap_lock') },
  { name: 'mmap_read_lock(current->mm): the member name is the guess', code: 'mmap_read_lock(current->mm);', via: '->mmap_lock', expect: ok('mm->mmap_lock', true) },
  { name: 'filemap_invalidate_lock(inode->i_mapping)', code: 'filemap_invalidate_lock(inode->i_mapping);', vars: { inode: 'struct inode *' }, via: '->invalidate_lock', expect: ok('mapping->invalidate_lock') },
  { name: '&x with a via: (&x)->f is x.f', code: 'xa_lock_irqsave(&dist->lpi_xa, flags);', vars: { dist: 'struct vgic_dist *' }, via: '->xa_lock', expect: ok('kvm->arch.vgic.lpi_xa.xa_lock') },

  // guessed from names
  { name: 'an undeclared kvm is a struct kvm * by convention', code: 'mutex_lock(&kvm->lock);', expect: ok('kvm->lock', true) },
  { name: 'an undeclared vcpu is a struct kvm_vcpu * by convention', code: 'mutex_lock(&vcpu->kvm->lock);', expect: ok('kvm->lock', true) },
  { name: 'to_kvm_hv() is taken to return a struct kvm_hv *', code: 'mutex_lock(&to_kvm_hv(kvm)->hv_lock);', vars: KVM, expect: ok('kvm->arch.hyperv.hv_lock', true) },
  { name: 'an unknown to_foo() struct, then a member named kvm', code: 'mutex_lock(&to_kvm_foo(x)->kvm->lock);', expect: ok('kvm->lock', true) },
  { name: 'an untyped call result is named by the function', code: 'spin_lock(&get_foo(x)->lock);', expect: ok('get_foo()->lock', true) },
  { name: 'an untyped array element is named by the array', code: 'spin_lock(&tbl[i]->lock);', expect: ok('tbl[]->lock', true) },
  { name: 'an undeclared pointer is named by itself', code: 'spin_lock(&s->lock);', expect: ok('s->lock', true) },
  { name: 'guard(T)(&x): the lock argument', code: 'guard(mutex)(&kvm->lock);', vars: KVM, callee: 'guard', expect: ok('kvm->lock') },
  { name: 'scoped_cond_guard(T, fail, &x): argument 2', code: 'scoped_cond_guard(mutex_intr, return -EINTR, &kvm->lock) { }', vars: KVM, callee: 'scoped_cond_guard', arg: 2, expect: ok('kvm->lock') },

  // unresolved
  { name: 'a pointer parameter: the class is the caller’s', code: 'mutex_lock(lock);', vars: { lock: 'struct mutex *' }, expect: unresolved(/pointer variable/) },
  { name: 'a pointer to a lock read from a struct', code: 'mutex_lock(kvm->lock_ptr);', vars: KVM, expect: unresolved(/pointer to a lock read from memory/) },
  { name: 'a base declared with a non-struct type', code: 'spin_lock(&p->lock);', vars: { p: 'void *' }, expect: unresolved(/void \*/) },
  { name: 'a conditional base', code: 'spin_lock(&(a ? x : y)->lock);', expect: unresolved(/conditional expression/) },
  { name: 'pointer arithmetic', code: 'spin_lock(locks + i);', expect: unresolved(/binary expression/) },
];

describe('lockClassOf', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const r = await classOf(c);
    if ('unresolved' in c.expect) {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(c.expect.unresolved);
    } else {
      expect(r).toEqual({ ok: true, ...c.expect });
    }
  });
});
