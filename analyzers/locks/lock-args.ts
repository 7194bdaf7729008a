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
import { CallSyntax } from './call-parts.js';
import { lockClassOf, type ClassResult, type TypeEnv } from './lock-class.js';
import type { FunctionFacts, LockUse } from './model.js';
import { stripParens } from './syntax.js';

/** Where arguments that name no class are reported. */
export type Unresolved = FunctionFacts['unresolved'];

export class LockArgs {
  /** The calls' parts, read once for the whole walk of the function (call-parts.ts). */
  readonly calls = new CallSyntax();
  /**
   * The class of each argument node the walk asked about, by `via`: the same site is asked again
   * on each pass over a loop. Kept by node object (see call-parts.ts); the env does not change
   * during the walk, so the answer does not either.
   */
  private readonly classes = new Map<SyntaxNode, Map<string | undefined, { r: ClassResult; expr: string }>>();

  constructor(
    private readonly env: TypeEnv,
    private readonly unresolved: Unresolved,
  ) {}

  /** The lock a primitive call takes, releases or asserts. */
  use(call: SyntaxNode, prim: LockPrimitive): LockUse | null {
    const parts = this.calls.of(call);
    if (typeof prim.arg === 'object') {
      return { class: prim.arg.fixed, kind: prim.kind, mode: prim.mode, guessed: false, expr: `${parts.name}()` };
    }
    const arg = parts.args[prim.arg];
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
    let byVia = this.classes.get(arg);
    if (!byVia) this.classes.set(arg, (byVia = new Map()));
    let known = byVia.get(prim.via);
    if (!known) {
      const r = lockClassOf(arg, this.env, prim.via);
      known = { r, expr: r.ok ? stripParens(arg).text : '' };
      byVia.set(prim.via, known);
    }
    const r = known.r;
    // Reported on every visit, as when each visit classified the argument again.
    if (!r.ok) {
      this.unresolved.push({ expr: r.text, line: lineOf(arg), reason: r.reason });
      return null;
    }
    return { class: r.class, kind: prim.kind, mode: prim.mode, guessed: r.guessed, expr: known.expr };
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
