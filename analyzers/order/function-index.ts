/**
 * Call resolution by name within the indexed files: a static function in
 * the caller's own file first, then a non-static definition. The index is
 * built per architecture (generic code plus arch/<arch>/), so the
 * kvm_arch_*() hooks resolve to one definition.
 */
import type { FunctionFacts } from '../locks/model.js';

export class FunctionIndex {
  private readonly byName = new Map<string, FunctionFacts[]>();
  /** Calls that named no indexed function, counted by callee name. */
  readonly unresolved = new Map<string, number>();

  constructor(readonly functions: readonly FunctionFacts[]) {
    for (const f of functions) {
      const list = this.byName.get(f.name);
      if (list) list.push(f);
      else this.byName.set(f.name, [f]);
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
}
