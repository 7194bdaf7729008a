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

/**
 * A put that never drops the last reference, because its caller holds another one the put
 * cannot be: chains through it do not reach the destructor, and the output says what was
 * relied on (as for an invariant, with the sites it left out).
 */
export interface NotLastPut {
  /** Stable id, used in the counts of sites left out. */
  id: string;
  /** The function that calls the put. */
  caller: string;
  put: string;
  /** Why, as a maintainer states it. */
  statement: string;
  /** Where the code shows it. */
  source: string;
}

export const NOT_LAST_PUTS: readonly NotLastPut[] = [
  {
    id: 'sev-migrate-source-file-reference',
    caller: 'sev_migrate_from',
    put: 'kvm_put_kvm',
    statement:
      "sev_migrate_from()'s kvm_put_kvm(src_kvm) moves a mirror's reference from the source VM to the destination and never drops the last one: the caller holds the source VM's file, and with it a reference, until after it returns",
    source:
      'arch/x86/kvm/svm/sev.c: sev_vm_move_enc_context_from() takes source_kvm from the file of its source_fd (fget() in 6.1, CLASS(fd) in 6.12) and holds that file until it returns; sev_migrate_from(): "The caller holds a reference to the source"',
  },
];

/**
 * By caller, then put. Asked at every call a summary follows: a key string built per question
 * (and hashed, then dropped) was 12-16 ms of the mmu-notifier series' review.
 */
const NOT_LAST = new Map<string, Map<string, NotLastPut>>();
for (const n of NOT_LAST_PUTS) {
  let byPut = NOT_LAST.get(n.caller);
  if (!byPut) NOT_LAST.set(n.caller, (byPut = new Map()));
  byPut.set(n.put, n);
}

/** The entry saying `caller`'s call of the put `callee` never drops the last reference, if any. */
export function notLastPut(caller: string, callee: string): NotLastPut | undefined {
  return NOT_LAST.get(caller)?.get(callee);
}

/** The put/destructor pair when `caller` is a put calling its destructor. */
export function refcountPut(caller: string, callee: string): RefcountPut | undefined {
  const p = BY_PUT.get(caller);
  return p && p.destructor === callee ? p : undefined;
}
