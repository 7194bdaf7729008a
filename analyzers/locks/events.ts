/**
 * Recording lock events into a function's facts: one site per acquisition
 * line and one per call line. A later visit of the same line (a loop's
 * second pass) joins its state into the site, so evidence counts each line
 * once.
 */
import type { LockClass } from '../../knowledge/lock-names.js';
import { distinct, type HeldState } from './held-state.js';
import type { AcquireSite, FunctionFacts, HeldLock, LockUse } from './model.js';

export function recordAcquire(facts: FunctionFacts, lock: LockUse, op: AcquireSite['op'], line: number, state: HeldState, subclass?: number): void {
  const held = distinct(state.held);
  const same = facts.acquires.find((a) => a.line === line && a.op === op && a.lock.class === lock.class && a.subclass === subclass);
  if (same) {
    joinInto(same, held, state.dropped);
    return;
  }
  const site: AcquireSite = { lock, line, op, held, dropped: [...state.dropped] };
  if (subclass !== undefined) site.subclass = subclass;
  facts.acquires.push(site);
}

/** A call site, once per line and callee. */
export function recordCall(facts: FunctionFacts, callee: string, line: number, state: HeldState): void {
  const held = distinct(state.held);
  const same = facts.calls.find((c) => c.line === line && c.callee === callee);
  if (same) joinInto(same, held, state.dropped);
  else facts.calls.push({ callee, line, held, dropped: [...state.dropped] });
}

/** Join one more path into a recorded site: held may be held on either, dropped must be dropped on both. */
function joinInto(site: { held: HeldLock[]; dropped: LockClass[] }, held: readonly HeldLock[], dropped: readonly LockClass[]): void {
  for (const h of held) if (!site.held.some((x) => x.class === h.class)) site.held.push(h);
  site.dropped = site.dropped.filter((d) => dropped.includes(d));
}
