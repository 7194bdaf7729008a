/**
 * What a branch says about the function's parameters, and what a call
 * passes: the walk records both so that the interprocedural stage can
 * prune, per call site, the branches a constant argument decides
 * (`kvm_vcpu_reset(vcpu, true)` never runs `if (!init_event) { ... }`).
 *
 * Only parameters the body never assigns (nor takes the address of) are
 * read: their value at a branch is the caller's argument.
 */
import { invariantTested } from '../../knowledge/invariants.js';
import type { CFunction } from '../c/model.js';
import { descendantsOf } from '../c/descendants.js';
import type { SyntaxNode } from '../c/parser.js';
import type { ArgValue, ParamCond } from './model.js';
import { stripped } from './syntax.js';

/** Branch-hint wrappers that do not change a condition's value. */
const TRANSPARENT = new Set(['likely', 'unlikely', 'WARN_ON', 'WARN_ON_ONCE']);

/** A constant as written in C: a number, true/false/NULL, or an ALL_CAPS macro or enumerator. */
export function constantOf(node: SyntaxNode): string | null {
  const { node: n, type } = stripped(node);
  return constantOfStripped(n, type);
}

/** constantOf() of a node already stripped of parentheses and casts; its type and text are read once. */
function constantOfStripped(n: SyntaxNode, type: string): string | null {
  if (type === 'number_literal') return normaliseNumber(n.text);
  if (type === 'true' || type === 'false' || type === 'null') {
    const text = n.text;
    return text === 'NULL' ? 'NULL' : text;
  }
  if (type === 'identifier') {
    const text = n.text;
    if (constantName(text)) return text;
  }
  return null;
}

/** An identifier that names a constant: true/false/NULL, or an ALL_CAPS macro or enumerator. */
function constantName(text: string): boolean {
  return text === 'true' || text === 'false' || text === 'NULL' || /^[A-Z][A-Z0-9_]*$/.test(text);
}

function normaliseNumber(text: string): string {
  const v = Number(text.replace(/[uUlL]+$/, ''));
  return Number.isFinite(v) ? String(v) : text;
}

/** Parameters, by name -> index, that the body never writes: a branch on them is decided by the caller. */
export function stableParams(fn: CFunction): Map<string, number> {
  const out = new Map<string, number>();
  fn.params.forEach((p, i) => {
    if (p.name) out.set(p.name, i);
  });
  if (out.size === 0) return out;
  const written = (n: SyntaxNode | null | undefined): void => {
    const target = n ? stripped(n) : null;
    if (target?.type === 'identifier') out.delete(target.node.text);
  };
  // Once every parameter is written, the rest of the body cannot change the answer.
  for (const a of descendantsOf(fn.body, 'assignment_expression')) if (out.size) written(a.childForFieldName('left'));
  for (const u of descendantsOf(fn.body, 'update_expression')) if (out.size) written(u.childForFieldName('argument'));
  for (const p of descendantsOf(fn.body, 'pointer_expression')) {
    if (out.size && p.childForFieldName('operator')?.text === '&') written(p.childForFieldName('argument'));
  }
  return out;
}

/** What the condition being true, and being false, says about stable parameters. */
export interface CondFacts {
  onTrue: ParamCond[];
  onFalse: ParamCond[];
}

const NONE: CondFacts = { onTrue: [], onFalse: [] };

/** Operands read into a condition: a longer `a && b && ...` says nothing more (and would recurse deeper). */
const MAX_COND_DEPTH = 32;

export function conditionFacts(cond: SyntaxNode | null, params: ReadonlyMap<string, number>): CondFacts {
  if (!cond) return NONE;
  return facts(cond, params, 0);
}

function facts(n: SyntaxNode, params: ReadonlyMap<string, number>, depth: number): CondFacts {
  if (depth > MAX_COND_DEPTH) return NONE;
  const { node, type } = stripped(n);
  if (type === 'identifier') {
    const param = params.get(node.text);
    return param === undefined ? NONE : { onTrue: [{ param, op: 'true' }], onFalse: [{ param, op: 'false' }] };
  }
  if (type === 'unary_expression' && node.child(0)?.type === '!') {
    const inner = node.childForFieldName('argument');
    if (!inner) return NONE;
    const f = facts(inner, params, depth + 1);
    return { onTrue: f.onFalse, onFalse: f.onTrue };
  }
  if (type === 'call_expression') {
    const fn = node.childForFieldName('function');
    const name = fn?.type === 'identifier' ? fn.text : null;
    if (name !== null && TRANSPARENT.has(name)) {
      const args = node.childForFieldName('arguments')?.namedChildren ?? [];
      if (args.length === 1 && args[0]) return facts(args[0], params, depth + 1);
    }
    // A test of an invariant's fact (`vgic_initialized(kvm)`): decided by the chain, not by a parameter.
    const inv = name !== null ? invariantTested(name) : undefined;
    if (inv) return { onTrue: [{ param: -1, op: 'true', fact: inv.id }], onFalse: [{ param: -1, op: 'false', fact: inv.id }] };
    return NONE;
  }
  if (type === 'binary_expression') {
    const op = node.childForFieldName('operator')?.text;
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left || !right) return NONE;
    if (op === '&&') {
      // Both hold when it is true; nothing is known about which failed when it is false.
      return { onTrue: [...facts(left, params, depth + 1).onTrue, ...facts(right, params, depth + 1).onTrue], onFalse: [] };
    }
    if (op === '||') return { onTrue: [], onFalse: [...facts(left, params, depth + 1).onFalse, ...facts(right, params, depth + 1).onFalse] };
    if (op === '==' || op === '!=') {
      const eq = comparison(left, right, params) ?? comparison(right, left, params);
      if (!eq) return NONE;
      return op === '==' ? eq : { onTrue: eq.onFalse, onFalse: eq.onTrue };
    }
  }
  return NONE;
}

/** `param == CONST`: true and false facts. `p == false` is `!p`, `p == true` is `p`. */
function comparison(a: SyntaxNode, b: SyntaxNode, params: ReadonlyMap<string, number>): CondFacts | null {
  const pa = stripped(a);
  if (pa.type !== 'identifier') return null;
  const param = params.get(pa.node.text);
  const value = constantOf(b);
  if (param === undefined || value === null) return null;
  if (value === 'false' || value === '0' || value === 'NULL') return { onTrue: [{ param, op: 'false' }], onFalse: [{ param, op: 'true' }] };
  if (value === 'true') return { onTrue: [{ param, op: 'true' }], onFalse: [{ param, op: 'false' }] };
  return { onTrue: [{ param, op: 'eq', value }], onFalse: [{ param, op: 'ne', value }] };
}

/** The arguments of a call as the callee's branches can use them: constants and this function's stable parameters. */
export function argumentValues(args: readonly SyntaxNode[], params: ReadonlyMap<string, number>): ArgValue[] | undefined {
  let any = false;
  const out = args.map((a): ArgValue => {
    const { node: n, type } = stripped(a);
    // An identifier's text is read once, for both questions.
    const text = type === 'identifier' ? n.text : null;
    const c = text === null ? constantOfStripped(n, type) : constantName(text) ? text : null;
    if (c !== null) {
      any = true;
      return { const: c };
    }
    const p = text !== null ? params.get(text) : undefined;
    if (p !== undefined) {
      any = true;
      return { param: p };
    }
    return null;
  });
  return any ? out : undefined;
}

/** A switch on a stable parameter: the parameter's index. */
export function switchParam(cond: SyntaxNode | null, params: ReadonlyMap<string, number>): number | undefined {
  if (!cond) return undefined;
  const { node: n, type } = stripped(cond);
  return type === 'identifier' ? params.get(n.text) : undefined;
}

/** Keep the conditions present in every list (the join of paths). */
export function commonConds(lists: readonly (readonly ParamCond[])[]): ParamCond[] {
  const [first, ...rest] = lists;
  if (!first) return [];
  return first.filter((c) => rest.every((l) => l.some((d) => sameCond(c, d))));
}

export function sameCond(a: ParamCond, b: ParamCond): boolean {
  return a.param === b.param && a.op === b.op && a.value === b.value && a.fact === b.fact;
}
