/**
 * The "possible unsafe locking scenario" of a cycle, as lockdep prints it
 * (print_circular_lock_scenario() and print_deadlock_scenario() in
 * kernel/locking/lockdep.c): never more than two CPUs. CPU0 holds the lock
 * the new dependency starts from (the target) and takes the one it ends at
 * (the source); CPU1 holds the last lock before the target on the existing
 * chain (the parent) and waits for the target. A longer cycle is named in one
 * "Chain exists of: source --> parent --> target" line above the table
 * instead of a CPU per link, as lockdep does; the links themselves are in
 * the dependency chain the renderers print before it. Data only; the layout
 * is scenarioLines().
 */
import type { CycleLink } from './model.js';

export interface ScenarioStep {
  cpu: 0 | 1;
  /** lockdep's verbs: lock(), rlock() for a reader (an SRCU read-side critical section), sync() for synchronize_srcu(). */
  verb: 'lock' | 'rlock' | 'sync';
  lock: string;
}

export interface Scenario {
  cpus: 1 | 2;
  /** source, parent, target: printed when the cycle is longer than two links. */
  chain: [string, string, string] | null;
  steps: ScenarioStep[];
}

/** kvm->srcu held or taken as a reader (srcu_read_lock()). */
const reader = (lock: string): boolean => lock === 'kvm->srcu';

const held = (lock: string): ScenarioStep['verb'] => (reader(lock) ? 'rlock' : 'lock');
const taken = (link: CycleLink): ScenarioStep['verb'] => (link.sync ? 'sync' : held(link.inner));

export function scenarioOf(cycle: readonly CycleLink[]): Scenario {
  const first = cycle[0];
  const last = cycle[cycle.length - 1];
  if (!first || !last) return { cpus: 1, chain: null, steps: [] };
  // One link onto itself: lockdep's recursive-locking table, one CPU taking what it holds.
  if (cycle.length === 1) return { cpus: 1, chain: null, steps: [{ cpu: 0, verb: held(first.outer), lock: first.outer }, { cpu: 0, verb: taken(first), lock: first.inner }] };
  const target = first.outer;
  const source = first.inner;
  const parent = last.outer;
  return {
    cpus: 2,
    chain: cycle.length > 2 ? [source, parent, target] : null,
    steps: [
      { cpu: 0, verb: held(target), lock: target },
      { cpu: 1, verb: held(parent), lock: parent },
      { cpu: 1, verb: taken(last), lock: target },
      { cpu: 0, verb: taken(first), lock: source },
    ],
  };
}

/** The CPU1 column, where lockdep puts it. */
const COLUMN = 31;

/** The scenario as lockdep's fixed-width text: the chain line if any, the heading, the table, the verdict. */
export function scenarioLines(s: Scenario): string[] {
  const chain = s.chain ? ['Chain exists of:', `  ${s.chain.join(' --> ')}`, ''] : [];
  const header = s.cpus === 2 ? ['       CPU0                    CPU1', '       ----                    ----'] : ['       CPU0', '       ----'];
  const rows = s.steps.map((step) => `${step.cpu === 0 ? '  ' : ' '.repeat(COLUMN)}${step.verb}(${step.lock});`);
  return [...chain, ' Possible unsafe locking scenario:', '', ...header, ...rows, '', ' *** DEADLOCK ***'];
}

/**
 * lockdep's print_deadlock_scenario() for "possible recursive locking",
 * line for line: one CPU taking the held lock, then the one being acquired,
 * by lockdep's own names (`&irq->irq_lock/1`), always lock() (it prints no
 * rlock() here, whatever the side), and the hint it ends with.
 */
export function recursiveScenarioLines(held: string, acquiring: string): string[] {
  return [' Possible unsafe locking scenario:', '', '       CPU0', '       ----', `  lock(${held});`, `  lock(${acquiring});`, '', ' *** DEADLOCK ***', '', ' May be due to missing lock nesting notation'];
}
