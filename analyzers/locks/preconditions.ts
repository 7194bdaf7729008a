/**
 * Locks a function's callers hold: lockdep_assert_held*() and __must_hold().
 * Every caller holds the lock, so the walk starts with it held.
 */
import { lookupPrimitive } from '../../knowledge/lock-primitives.js';
import type { LockClass } from '../../knowledge/lock-names.js';
import type { CFunction } from '../c/model.js';
import type { SyntaxNode } from '../c/parser.js';
import { lockClassFromText, type LockArgs } from './lock-args.js';
import type { LockUse } from './model.js';

/**
 * The preconditions of `fn`, given its calls in source order. An assertion
 * after the function's own acquisition of the same class is an internal
 * check, not a precondition.
 */
export function preconditions(fn: CFunction, calls: readonly SyntaxNode[], args: LockArgs): LockUse[] {
  const out: LockUse[] = [];
  const firstTake = new Map<LockClass, number>();
  const asserts: { use: LockUse; at: number }[] = [];
  for (const call of calls) {
    const prim = lookupPrimitive(args.calls.of(call).name ?? '');
    if (!prim) continue;
    const use = args.use(call, prim);
    if (!use) continue;
    if (prim.op === 'assert') asserts.push({ use, at: call.startIndex });
    else if (prim.op === 'acquire' || prim.op === 'try') {
      if (!firstTake.has(use.class)) firstTake.set(use.class, call.startIndex);
    }
  }
  for (const a of asserts) {
    const taken = firstTake.get(a.use.class);
    if ((taken === undefined || taken > a.at) && !out.some((u) => u.class === a.use.class)) out.push(a.use);
  }
  for (const ann of fn.annotations) {
    if (ann.kind !== 'must_hold') continue;
    const cls = lockClassFromText(ann.expr);
    if (!out.some((u) => u.class === cls)) out.push({ class: cls, kind: 'other', mode: 'write', guessed: true, expr: ann.expr });
  }
  return out;
}
