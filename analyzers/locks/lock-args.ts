/**
 * Lock classes of a primitive's arguments at one site: which argument names
 * the lock (the primitive table says), its class (lock-class.ts), the
 * lockdep subclass of a _nested variant. An argument that names no class is
 * reported in the function's `unresolved` list, never dropped silently.
 */
import type { GuardPrimitive } from '../../knowledge/lock-primitives.js';
import type { LockPrimitive } from '../../knowledge/lock-primitives-model.js';
import { canonicalLock, type LockClass } from '../../knowledge/lock-names.js';
import { lineOf, type SyntaxNode } from '../c/parser.js';
import { lockClassOf, type TypeEnv } from './lock-class.js';
import type { FunctionFacts, LockUse } from './model.js';
import { callName, stripParens } from './syntax.js';

/** Where arguments that name no class are reported. */
export type Unresolved = FunctionFacts['unresolved'];

export class LockArgs {
  constructor(
    private readonly env: TypeEnv,
    private readonly unresolved: Unresolved,
  ) {}

  /** The lock a primitive call takes, releases or asserts. */
  use(call: SyntaxNode, prim: LockPrimitive): LockUse | null {
    if (typeof prim.arg === 'object') {
      return { class: prim.arg.fixed, kind: prim.kind, mode: prim.mode, guessed: false, expr: `${callName(call)}()` };
    }
    const arg = call.childForFieldName('arguments')?.namedChildren[prim.arg];
    if (!arg) {
      this.unresolved.push({ expr: call.text.slice(0, 80), line: lineOf(call), reason: `no argument ${prim.arg} for ${prim.name}` });
      return null;
    }
    return this.classify(arg, prim);
  }

  /** The lock of `guard(T)(&x)` or `scoped_guard(T, &x)`: `lockArgs` are the arguments after the guard type. */
  guardUse(prim: GuardPrimitive, lockArgs: SyntaxNode[], call: SyntaxNode): LockUse | null {
    if (typeof prim.arg === 'object') return { class: prim.arg.fixed, kind: prim.kind, mode: prim.mode, guessed: false, expr: `${prim.guardType}` };
    const arg = lockArgs[prim.arg];
    if (!arg) {
      this.unresolved.push({ expr: call.text.slice(0, 80), line: lineOf(call), reason: `no lock argument for guard type ${prim.guardType}` });
      return null;
    }
    return this.classify(arg, prim);
  }

  private classify(arg: SyntaxNode, prim: LockPrimitive): LockUse | null {
    const r = lockClassOf(arg, this.env, prim.via);
    if (!r.ok) {
      this.unresolved.push({ expr: r.text, line: lineOf(arg), reason: r.reason });
      return null;
    }
    return { class: r.class, kind: prim.kind, mode: prim.mode, guessed: r.guessed, expr: stripParens(arg).text };
  }
}

/** lockdep subclass of a _nested call's subclass argument. */
export function subclassOf(node: SyntaxNode | undefined): number {
  const n = Number.parseInt(node?.text ?? '', 10);
  // Named subclasses (SINGLE_DEPTH_NESTING, a role enum) are non-zero by construction.
  return Number.isNaN(n) ? 1 : n;
}

/** `&kvm->lock`, `kvm->mmu_lock` in an annotation: the class as written, canonical spelling. */
export function lockClassFromText(expr: string): LockClass {
  return canonicalLock(expr);
}
