/**
 * Functions outside the indexed KVM sources that take locks KVM's order
 * cares about: a call to one of them acquires its `takes` (and releases them
 * before returning) while the caller's locks are held. Small on purpose:
 * every entry says where it was checked.
 *
 * "the extracted tree" is ../shared/tools/kernel-tree 6.12 (Debian
 * linux-source-6.12); "the 6.12 source package" is the same package's
 * tarball, read for files the extraction leaves out.
 *
 * Checked and deliberately absent:
 * - the `_cpuslocked` variants (static_key_slow_inc_cpuslocked(),
 *   cpuhp_setup_state_cpuslocked()...): they assert cpus_read_lock() is
 *   held (lockdep_assert_cpus_held()) instead of taking it;
 * - static_branch_slow_dec_deferred() / static_key_slow_dec_deferred():
 *   the decrement that takes cpus_read_lock() runs later from a workqueue
 *   (kernel/jump_label.c: __static_key_slow_dec_deferred());
 * - get_user_pages(), pin_user_pages(), get_user_pages_remote(): the caller
 *   already holds mm->mmap_lock (mm/gup.c passes locked = 1);
 *   get_user_pages_fast_only() never takes it (FOLL_FAST_ONLY).
 */
import type { LockKind } from './lock-primitives-model.js';
import type { LockClass } from './lock-names.js';

/** One lock an external function takes. */
export interface ExternalTake {
  /** Canonical class (knowledge/lock-names.ts). */
  class: LockClass;
  kind: LockKind;
  mode: 'read' | 'write';
}

/** An external function and the locks it takes. */
export interface ExternalLockTaker {
  /** Function or macro name as called. */
  name: string;
  takes: readonly ExternalTake[];
  /** Optional: only on this architecture (arch directory name); absent = every architecture. */
  arch?: string;
  /** Where the behaviour was checked: file, call chain, and which tree. */
  source: string;
}

const CPUS_READ: readonly ExternalTake[] = [{ class: 'cpus_read_lock()', kind: 'percpu_rwsem', mode: 'read' }];
const MMAP_READ: readonly ExternalTake[] = [{ class: 'mm->mmap_lock', kind: 'rwsem', mode: 'read' }];

const IN_TREE = 'checked in the extracted tree';
const CPUHP = 'include/linux/cpuhotplug.h is not in the extracted tree (read in the 6.12 source package), kernel/cpu.c checked in the extracted tree';
const GUP = 'mm/gup.c is not in the extracted tree; read in the 6.12 source package';

/**
 * The curated table. `source` holds the call chain as `f() -> g() -> lock()`;
 * test/locks checks every link whose caller is defined in the extracted tree.
 */
export const EXTERNAL_LOCKS: readonly ExternalLockTaker[] = [
  { name: 'static_key_slow_inc', takes: CPUS_READ, source: `kernel/jump_label.c, ${IN_TREE}: static_key_slow_inc() -> cpus_read_lock()` },
  { name: 'static_key_slow_dec', takes: CPUS_READ, source: `kernel/jump_label.c, ${IN_TREE}: static_key_slow_dec() -> __static_key_slow_dec() -> cpus_read_lock()` },
  { name: 'static_key_enable', takes: CPUS_READ, source: `kernel/jump_label.c, ${IN_TREE}: static_key_enable() -> cpus_read_lock()` },
  { name: 'static_key_disable', takes: CPUS_READ, source: `kernel/jump_label.c, ${IN_TREE}: static_key_disable() -> cpus_read_lock()` },
  { name: 'static_branch_inc', takes: CPUS_READ, source: `include/linux/jump_label.h and kernel/jump_label.c, ${IN_TREE}: static_branch_inc() -> static_key_slow_inc() -> cpus_read_lock()` },
  { name: 'static_branch_dec', takes: CPUS_READ, source: `include/linux/jump_label.h and kernel/jump_label.c, ${IN_TREE}: static_branch_dec() -> static_key_slow_dec() -> __static_key_slow_dec() -> cpus_read_lock()` },
  { name: 'static_branch_enable', takes: CPUS_READ, source: `include/linux/jump_label.h and kernel/jump_label.c, ${IN_TREE}: static_branch_enable() -> static_key_enable() -> cpus_read_lock()` },
  { name: 'static_branch_disable', takes: CPUS_READ, source: `include/linux/jump_label.h and kernel/jump_label.c, ${IN_TREE}: static_branch_disable() -> static_key_disable() -> cpus_read_lock()` },
  {
    name: 'static_call_update',
    takes: CPUS_READ,
    arch: 'x86',
    source:
      'include/linux/static_call.h and kernel/static_call_inline.c are not in the extracted tree; read in the 6.12 source package: ' +
      'static_call_update() -> __static_call_update() -> cpus_read_lock() (with HAVE_STATIC_CALL_INLINE or HAVE_STATIC_CALL, which x86 selects and arm64 does not; the generic version takes no lock)',
  },
  { name: '__cpuhp_setup_state', takes: CPUS_READ, source: `kernel/cpu.c, ${IN_TREE}: __cpuhp_setup_state() -> cpus_read_lock()` },
  { name: '__cpuhp_remove_state', takes: CPUS_READ, source: `kernel/cpu.c, ${IN_TREE}: __cpuhp_remove_state() -> cpus_read_lock()` },
  { name: 'cpuhp_setup_state', takes: CPUS_READ, source: `${CPUHP}: cpuhp_setup_state() -> __cpuhp_setup_state() -> cpus_read_lock()` },
  { name: 'cpuhp_setup_state_nocalls', takes: CPUS_READ, source: `${CPUHP}: cpuhp_setup_state_nocalls() -> __cpuhp_setup_state() -> cpus_read_lock()` },
  { name: 'cpuhp_remove_state', takes: CPUS_READ, source: `${CPUHP}: cpuhp_remove_state() -> __cpuhp_remove_state() -> cpus_read_lock()` },
  { name: 'cpuhp_remove_state_nocalls', takes: CPUS_READ, source: `${CPUHP}: cpuhp_remove_state_nocalls() -> __cpuhp_remove_state() -> cpus_read_lock()` },
  { name: 'stop_machine', takes: CPUS_READ, source: 'kernel/stop_machine.c is not in the extracted tree; read in the 6.12 source package: stop_machine() -> cpus_read_lock()' },
  { name: 'get_user_pages_unlocked', takes: MMAP_READ, source: `${GUP}: get_user_pages_unlocked() -> __get_user_pages_locked() -> mmap_read_lock_killable() (locked = 0, current->mm)` },
  { name: 'pin_user_pages_unlocked', takes: MMAP_READ, source: `${GUP}: pin_user_pages_unlocked() -> __gup_longterm_locked() -> __get_user_pages_locked() -> mmap_read_lock_killable() (locked = 0, current->mm)` },
  { name: 'get_user_pages_fast', takes: MMAP_READ, source: `${GUP}: get_user_pages_fast() -> gup_fast_fallback() -> __gup_longterm_locked() -> __get_user_pages_locked() -> mmap_read_lock_killable() (slow path; might_lock_read(&current->mm->mmap_lock) on every call)` },
  { name: 'pin_user_pages_fast', takes: MMAP_READ, source: `${GUP}: pin_user_pages_fast() -> gup_fast_fallback() -> __gup_longterm_locked() -> __get_user_pages_locked() -> mmap_read_lock_killable() (slow path; might_lock_read(&current->mm->mmap_lock) on every call)` },
];

const BY_NAME = new Map(EXTERNAL_LOCKS.map((e) => [e.name, e]));

/** The entry for an external function, or undefined. */
export function externalLocks(name: string): ExternalLockTaker | undefined {
  return BY_NAME.get(name);
}
