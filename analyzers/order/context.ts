/**
 * The calling context a summary is computed in: what the call chain so far
 * fixes about the function's parameters (constant arguments) and which
 * vendor's function tables it is in. Summaries are keyed by the part of
 * the context that matters to the function.
 */
import type { ArgValue, CallSite, FunctionFacts, ParamCond } from '../locks/model.js';

export interface CallContext {
  /** Parameter index -> constant argument as written. */
  args: ReadonlyMap<number, string>;
  /** Vendor tables the chain is in: struct -> the table's file. */
  tables: ReadonlyMap<string, string>;
  /** Invariants (knowledge/invariants.ts) the chain passed below: their facts are true here. Absent: none. */
  facts?: ReadonlySet<string>;
}

export const NO_CONTEXT: CallContext = { args: new Map(), tables: new Map() };

/** The invariant whose fact makes a site with these conditions dead in `facts`, if any. */
export function deadBy(when: readonly ParamCond[] | undefined, facts: ReadonlySet<string> | undefined): string | undefined {
  if (!when || !facts?.size) return undefined;
  return when.find((c) => c.fact !== undefined && facts.has(c.fact) && c.op === 'false')?.fact;
}

/** The callee's argument constants at call site `c`, given the caller's context. */
export function argsAt(c: CallSite, ctx: CallContext): ReadonlyMap<number, string> {
  // Most calls pass no constant: they share NO_CONTEXT's empty map rather than make one each.
  if (!c.args?.length) return NO_CONTEXT.args;
  const out = new Map<number, string>();
  c.args.forEach((a: ArgValue, i) => {
    if (!a) return;
    if ('const' in a) out.set(i, a.const);
    else {
      const v = ctx.args.get(a.param);
      if (v !== undefined) out.set(i, v);
    }
  });
  return out.size ? out : NO_CONTEXT.args;
}

type Truth = boolean | undefined;

function truthOf(value: string): Truth {
  if (value === 'true') return true;
  if (value === 'false' || value === 'NULL') return false;
  const n = Number(value);
  if (/^-?\d+$/.test(value) && Number.isFinite(n)) return n !== 0;
  // An ALL_CAPS constant may be 0 (the first enumerator): unknown.
  return undefined;
}

const isNumber = (v: string): boolean => /^-?\d+$/.test(v);
const isName = (v: string): boolean => /^[A-Z][A-Z0-9_]*$/.test(v);

/**
 * False when the constant `value` makes `cond` impossible. Two different
 * numbers differ; two different ALL_CAPS names are taken to be different
 * values (distinct enumerators or MSR indexes); a name against a number is
 * not decided.
 */
export function allows(cond: ParamCond, value: string): boolean {
  switch (cond.op) {
    case 'true':
      return truthOf(value) !== false;
    case 'false':
      return truthOf(value) !== true;
    case 'eq':
      if (cond.value === value) return true;
      return !((isNumber(value) && isNumber(cond.value ?? '')) || (isName(value) && isName(cond.value ?? '')));
    case 'ne':
      return cond.value !== value;
  }
}

/** Can a site with these conditions run under `args`? */
export function feasible(when: readonly ParamCond[] | undefined, args: ReadonlyMap<number, string>): boolean {
  if (!when || args.size === 0) return true;
  return when.every((c) => {
    if (c.fact !== undefined) return true;
    const v = args.get(c.param);
    return v === undefined || allows(c, v);
  });
}

/** The parameters whose constant value can change `fn`'s summary: branched on, or passed on to a callee. */
export function relevantParams(fn: FunctionFacts): Set<number> {
  const out = new Set<number>();
  for (const s of [...fn.acquires, ...fn.calls]) for (const c of s.when ?? []) if (c.fact === undefined) out.add(c.param);
  for (const c of fn.calls) for (const a of c.args ?? []) if (a && 'param' in a) out.add(a.param);
  return out;
}

