/**
 * Call resolution by name within the indexed files: a static function in
 * the caller's own file first, then a non-static definition. The index is
 * built per architecture (generic code plus arch/<arch>/), so the
 * kvm_arch_*() hooks resolve to one definition. A call through a function
 * table (`ops:kvm_x86_ops.vcpu_run`) resolves to every function a table
 * fills that slot with (vmx_vcpu_run and svm_vcpu_run).
 */
import type { COpsEntry } from '../c/ops-tables.js';
import type { FunctionFacts } from '../locks/model.js';

export class FunctionIndex {
  private readonly byName = new Map<string, FunctionFacts[]>();
  private readonly slots = new Map<string, COpsEntry[]>();
  /** Calls that named no indexed function, counted by callee name. */
  readonly unresolved = new Map<string, number>();

  constructor(
    readonly functions: readonly FunctionFacts[],
    ops: readonly COpsEntry[] = [],
  ) {
    for (const f of functions) {
      const list = this.byName.get(f.name);
      if (list) list.push(f);
      else this.byName.set(f.name, [f]);
    }
    for (const o of ops) {
      const key = `ops:${o.struct}.${o.field}`;
      this.slots.set(key, [...(this.slots.get(key) ?? []), o]);
    }
  }

  resolve(callee: string, fromFile: string): FunctionFacts | null {
    const defs = this.byName.get(callee);
    if (!defs) {
      this.unresolved.set(callee, (this.unresolved.get(callee) ?? 0) + 1);
      return null;
    }
    const local = defs.find((d) => d.static && d.file === fromFile);
    if (local) return local;
    return defs.find((d) => !d.static) ?? null;
  }

  /** Every function a call may reach: one definition, or each implementation of a table slot. */
  resolveAll(callee: string, fromFile: string): FunctionFacts[] {
    if (!callee.startsWith('ops:')) {
      const one = this.resolve(callee, fromFile);
      return one ? [one] : [];
    }
    const slots = this.slots.get(callee);
    if (!slots) {
      this.unresolved.set(callee, (this.unresolved.get(callee) ?? 0) + 1);
      return [];
    }
    // The table's own file decides which static function its initializer names.
    return [...new Set(slots.map((s) => this.resolve(s.fn, s.file)).filter((f): f is FunctionFacts => f !== null))];
  }
}
