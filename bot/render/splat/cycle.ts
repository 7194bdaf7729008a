/** What every splat renderer says the same way: lock names, the cycle, the scenario. */
import type { CycleLink } from '../../../analyzers/findings/model.js';
import { recursiveScenarioLines, scenarioLines, scenarioOf } from '../../../analyzers/findings/scenario.js';
import type { PlacedEdge, PlacedReport, SplatKind } from '../../../analyzers/splat/model.js';

export const KIND_TITLE: Record<SplatKind, string> = {
  circular: 'possible circular locking dependency',
  recursive: 'possible recursive locking',
  inconsistent: 'inconsistent lock state',
  'suspicious-rcu': 'suspicious RCU usage (SRCU)',
  'max-lock-depth': 'MAX_LOCK_DEPTH too low',
};

export function outerName(e: PlacedEdge): string {
  return e.outer ?? e.outerLockdep;
}

export function innerName(e: PlacedEdge): string {
  return e.inner ?? e.innerLockdep;
}

/** `A -> B`, with synchronize_srcu() spelled out. */
export function edgeText(e: PlacedEdge): string {
  return `${outerName(e)} -> ${innerName(e)}${e.op === 'sync' ? ' (synchronize_srcu)' : e.op === 'read' ? ' (read side)' : ''}`;
}

/** The class of a lockdep name the report names, else the name. */
function nameOf(r: PlacedReport, lockdep: string): string {
  return r.locks.find((l) => l.lockdep === lockdep)?.class ?? lockdep;
}

/** The cycle as one short chain, when the report is one; `...` where the report leaves locks out. */
export function cycleText(r: PlacedReport): string | null {
  const [first] = r.edges;
  if (r.kind !== 'circular' || !first) return null;
  // A report cut after its first lines: lockdep said the new lock already depends on the held one, not through what.
  if (!r.chain) return `${outerName(first)} -> ${innerName(first)} -> ... -> ${outerName(first)} (the report leaves out the existing chain)`;
  const out = [outerName(first)];
  r.chain.forEach((lockdep, k) => {
    const e = r.edges.find((x) => x.n === k);
    const name = lockdep === null ? '...' : `${e ? innerName(e) : nameOf(r, lockdep)}${e?.op === 'sync' ? ' (synchronize_srcu)' : ''}`;
    if (name !== '...' || out[out.length - 1] !== '...') out.push(name);
  });
  // lockdep's highest #N is the held lock; a chain that stops before it is cut.
  const top = r.chain[r.chain.length - 1];
  if (r.incomplete && (!top || top.replace(/\s+/g, '') !== r.report.held?.lockdep.replace(/\s+/g, ''))) out.push('...', outerName(first));
  return out.join(' -> ');
}

/** lockdep's "possible unsafe locking scenario" for the report's cycle, or its recursive-locking scenario. */
export function scenarioOfReport(r: PlacedReport): string[] {
  if (r.kind !== 'circular' && r.kind !== 'recursive') return [];
  // A cycle with dependencies left out has no scenario to show: it would be a different, shorter cycle.
  if (r.edges.length === 0 || r.incomplete) return [];
  // What lockdep printed for it: the held lock then the one being acquired, by lockdep's names.
  const [self] = r.edges;
  if (r.kind === 'recursive' && self) return recursiveScenarioLines(self.outerLockdep, self.innerLockdep);
  const links: CycleLink[] = r.edges.map((e) => ({ outer: outerName(e), inner: innerName(e), source: 'observed', sync: e.op === 'sync' }));
  const [only] = links;
  // "which lock already depends on the new lock": with no chain printed, the other CPU holds the new lock and wants the held one.
  if (r.kind === 'circular' && links.length === 1 && only) links.push({ outer: only.inner, inner: only.outer, source: 'observed' });
  return scenarioLines(scenarioOf(links));
}

/** What the reader should do, one sentence. */
export function verdictText(r: PlacedReport): string {
  const wrong = r.edges.find((e) => e.wrong);
  if (wrong) return `Break #${wrong.n}, ${edgeText(wrong)}: ${wrong.why ?? ''}.`;
  // Its locks not read: no verdict on what it says (not "same-class nesting", not "no dependency").
  if (r.edges.length === 0 && r.incomplete) return 'Nothing to place: the locks of this report could not be read.';
  // The annotation depends on the lock's primitive (place.ts works it out from the report and the code).
  if (r.kind === 'recursive') return r.nesting ? `Same-class nesting of ${r.nesting.lock}. ${r.nesting.advice}` : 'Same-class nesting: the locks of this report could not be read.';
  if (r.kind === 'max-lock-depth') return 'Not an ordering bug: too many locks held at once (lockdep keeps 48); take fewer or annotate a nest lock.';
  if (r.edges.length === 0) return 'No lock dependency in this report: nothing to place on the lock order.';
  return 'locking.rst does not say which of these dependencies is wrong.';
}
