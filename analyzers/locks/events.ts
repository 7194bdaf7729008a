/**
 * Recording lock events into a function's facts: one site per acquisition
 * line and one per call line. A later visit of the same line (a loop's
 * second pass) joins its state into the site, so evidence counts each line
 * once.
 */
import { commonConds } from './conditions.js';
import { distinct, type HeldState } from './held-state.js';
import type { AcquireSite, ArgValue, CallSite, FunctionFacts, LockUse } from './model.js';

export function recordAcquire(facts: FunctionFacts, lock: LockUse, op: AcquireSite['op'], line: number, state: HeldState, subclass?: number): void {
  const same = facts.acquires.find((a) => a.line === line && a.op === op && a.lock.class === lock.class && a.subclass === subclass);
  if (same) {
    joinInto(same, state);
    return;
  }
  const site: AcquireSite = { lock, line, op, held: distinct(state.held), dropped: [...state.dropped] };
  if (subclass !== undefined) site.subclass = subclass;
  pathFacts(site, state);
  facts.acquires.push(site);
}

/** A call site, once per line and callee. */
export function recordCall(facts: FunctionFacts, callee: string, line: number, state: HeldState, args?: ArgValue[]): void {
  const same = facts.calls.find((c) => c.line === line && c.callee === callee);
  if (same) {
    joinInto(same, state);
    return;
  }
  const site: CallSite = { callee, line, held: distinct(state.held), dropped: [...state.dropped] };
  if (args) site.args = args;
  pathFacts(site, state);
  facts.calls.push(site);
}

/** The path's conditions and earlier calls, kept only when there are any (the facts are cached as JSON). */
function pathFacts(site: AcquireSite | CallSite, state: HeldState): void {
  if (state.when.length) site.when = [...state.when];
  if (state.after.length) site.after = [...state.after];
}

/**
 * Join one more path into a recorded site: held may be held on either,
 * dropped must be dropped on both, and so must conditions and earlier calls.
 */
function joinInto(site: AcquireSite | CallSite, state: HeldState): void {
  for (const h of distinct(state.held)) if (!site.held.some((x) => x.class === h.class)) site.held.push(h);
  site.dropped = site.dropped.filter((d) => state.dropped.includes(d));
  const when = commonConds([site.when ?? [], state.when]);
  const after = (site.after ?? []).filter((c) => state.after.includes(c));
  if (when.length) site.when = when;
  else delete site.when;
  if (after.length) site.after = after;
  else delete site.after;
}
