/**
 * The "possible unsafe locking scenario" of a cycle, as lockdep prints it:
 * one column per CPU; each CPU first takes its lock, then each waits for the
 * next CPU's lock. Data only; renderers lay it out.
 */
import type { CycleLink } from './model.js';

export interface ScenarioStep {
  cpu: number;
  text: string;
}

export interface Scenario {
  cpus: number;
  steps: ScenarioStep[];
}

function holdText(link: CycleLink): string {
  return link.outer === 'kvm->srcu' ? 'srcu_read_lock(&kvm->srcu);' : `lock(${link.outer});`;
}

function waitText(link: CycleLink): string {
  return link.sync ? 'synchronize_srcu(&kvm->srcu);' : link.inner === 'kvm->srcu' ? 'srcu_read_lock(&kvm->srcu);' : `lock(${link.inner});`;
}

export function scenarioOf(cycle: readonly CycleLink[]): Scenario {
  const steps: ScenarioStep[] = [];
  cycle.forEach((link, cpu) => steps.push({ cpu, text: holdText(link) }));
  // The first CPU waits last, as in lockdep's table.
  for (let cpu = 1; cpu < cycle.length; cpu++) steps.push({ cpu, text: waitText(cycle[cpu] as CycleLink) });
  if (cycle[0]) steps.push({ cpu: 0, text: waitText(cycle[0]) });
  return { cpus: cycle.length, steps };
}

/** The scenario as fixed-width text lines, lockdep style. */
export function scenarioLines(s: Scenario, width = 30): string[] {
  const pad = (t: string): string => t + ' '.repeat(Math.max(1, width - t.length));
  const header = Array.from({ length: s.cpus }, (_, i) => pad(`CPU${i}`)).join('').trimEnd();
  const rule = Array.from({ length: s.cpus }, () => pad('----')).join('').trimEnd();
  const rows = s.steps.map((step) => (' '.repeat(width * step.cpu) + step.text).trimEnd());
  return [`       ${header}`, `       ${rule}`, ...rows.map((r) => `  ${r}`), '', ' *** DEADLOCK ***'];
}
