/**
 * Invariants the code relies on that no branch in the callee shows: a fact
 * established once (a vCPU's timer is enabled only after its vgic is
 * initialised) that makes a branch testing the opposite dead on the paths
 * where the fact holds. The walk records which branches test a fact; a
 * chain that passes through a function below which the fact holds does not
 * enter them, and the analysis counts the sites each invariant left out, so
 * the output says what it relied on.
 *
 * Each entry was read in the Debian 6.1 and 6.12 trees.
 */

export interface Invariant {
  /** Stable id, used in conditions and counts. */
  id: string;
  /** The C call whose truth is the fact: `vgic_initialized(kvm)`. */
  test: string;
  /** Functions below which the test is true (on every chain that passes through one). */
  holdsBelow: readonly string[];
  /** The invariant as a maintainer states it. */
  statement: string;
  /** Where the code establishes it. */
  source: string;
}

export const INVARIANTS: readonly Invariant[] = [
  {
    id: 'arm64-timer-vgic-initialised',
    test: 'vgic_initialized',
    holdsBelow: ['kvm_timer_update_irq'],
    statement:
      'a vCPU timer injects its interrupt through the vgic only once the timer is enabled, and an enabled timer with an in-kernel irqchip means the vgic is initialised: vgic_lazy_init() does not take kvm->arch.config_lock there',
    source:
      'arch/arm64/kvm/arch_timer.c: kvm_timer_enable() ("we have the guarantee that the vgic is both available and initialized") sets timer->enabled, which kvm_timer_vcpu_load()/kvm_timer_vcpu_reset() test before kvm_timer_update_irq(); kvm_timer_update_irq() injects only when !userspace_irqchip()',
  },
];

const BY_TEST = new Map(INVARIANTS.map((i) => [i.test, i]));
const BY_FUNCTION = new Map<string, Invariant[]>();
for (const i of INVARIANTS) for (const f of i.holdsBelow) BY_FUNCTION.set(f, [...(BY_FUNCTION.get(f) ?? []), i]);

/** The invariant a call in a branch condition tests, if any. */
export function invariantTested(callee: string): Invariant | undefined {
  return BY_TEST.get(callee);
}

/** Invariants that hold below a call of `fn`. */
/** The answer for the many functions no invariant names (asked for every summary). */
const NONE: readonly Invariant[] = [];

export function invariantsBelow(fn: string): readonly Invariant[] {
  return BY_FUNCTION.get(fn) ?? NONE;
}

export function invariantById(id: string): Invariant | undefined {
  return INVARIANTS.find((i) => i.id === id);
}
