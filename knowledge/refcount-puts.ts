/**
 * Reference-count puts whose destructor takes locks: the put reaches the
 * destructor only when it drops the last reference. A caller that holds a
 * lock around a put almost always owns another reference (a file, a
 * caller's get), so the destructor's locks are not nested in the caller's
 * except in the rare case the analysis cannot see: edges through a put are
 * conditional, never an error on their own.
 *
 * Each entry was read in the Debian 6.1 and 6.12 trees.
 */

export interface RefcountPut {
  /** The put function. */
  put: string;
  /** The function it calls when the count drops to zero. */
  destructor: string;
  /** Where that was read. */
  source: string;
}

export const REFCOUNT_PUTS: readonly RefcountPut[] = [
  {
    put: 'kvm_put_kvm',
    destructor: 'kvm_destroy_vm',
    source: 'virt/kvm/kvm_main.c: kvm_put_kvm() calls kvm_destroy_vm() only when refcount_dec_and_test(&kvm->users_count) is true',
  },
];

const BY_PUT = new Map(REFCOUNT_PUTS.map((p) => [p.put, p]));

/** The put/destructor pair when `caller` is a put calling its destructor. */
export function refcountPut(caller: string, callee: string): RefcountPut | undefined {
  const p = BY_PUT.get(caller);
  return p && p.destructor === callee ? p : undefined;
}
