/**
 * Call resolution by name within the indexed files: a static function in
 * the caller's own file first, then a non-static definition. The index is
 * built per architecture (generic code plus arch/<arch>/), so the
 * kvm_arch_*() hooks resolve to one definition. A call through a function
 * table (`ops:kvm_x86_ops.vcpu_run`) resolves to every function a table
 * fills that slot with (vmx_vcpu_run and svm_vcpu_run).
 */
import { dirname } from 'node:path';
import type { COpsEntry } from '../c/ops-tables.js';
import type { FunctionFacts } from '../locks/model.js';

/** A function a table slot resolves to, and the table (struct and file of its initializer) that names it. */
export interface SlotTarget {
  fn: FunctionFacts;
  struct: string;
  /** The initializer's file: one table per struct and file. */
  table: string;
}

export class FunctionIndex {
  private readonly byName = new Map<string, FunctionFacts[]>();
  private readonly slots = new Map<string, COpsEntry[]>();
  /** Calls that named no indexed function, counted by callee name. */
  readonly unresolved = new Map<string, number>();
  /**
   * Vendor tables: for a struct whose tables live one per directory in two or
   * more directories (kvm_x86_ops in vmx/ and svm/, kvm_pmu_ops likewise),
   * directory -> the table's file. Code in such a directory is that vendor's.
   */
  private readonly vendorTables = new Map<string, Map<string, string>>();

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
    const tables = new Map<string, Map<string, Set<string>>>();
    for (const o of ops) {
      const byDir = tables.get(o.struct) ?? new Map<string, Set<string>>();
      tables.set(o.struct, byDir);
      const files = byDir.get(dirname(o.file)) ?? new Set<string>();
      byDir.set(dirname(o.file), files.add(o.file));
    }
    for (const [struct, byDir] of tables) {
      if (byDir.size < 2 || [...byDir.values()].some((f) => f.size !== 1)) continue;
      this.vendorTables.set(struct, new Map([...byDir].map(([dir, files]) => [dir, [...files][0] as string])));
    }
  }

  /** Is `struct`'s table chosen per vendor directory (so a chain keeps to one)? */
  isVendorStruct(struct: string): boolean {
    return this.vendorTables.has(struct);
  }

  /** The vendor tables whose directory holds `file`: struct -> table file (vmx/vmx.c -> kvm_x86_ops in vmx/main.c). */
  vendorTablesOf(file: string): [string, string][] {
    const dir = dirname(file);
    const out: [string, string][] = [];
    for (const [struct, byDir] of this.vendorTables) {
      const table = byDir.get(dir);
      if (table) out.push([struct, table]);
    }
    return out;
  }

  /** The definition a call resolves to; `count` false leaves `unresolved` alone (a look at the call graph, not a call followed). */
  resolve(callee: string, fromFile: string, count = true): FunctionFacts | null {
    const defs = this.byName.get(callee);
    if (!defs) {
      if (count) this.unresolved.set(callee, (this.unresolved.get(callee) ?? 0) + 1);
      return null;
    }
    const local = defs.find((d) => d.static && d.file === fromFile);
    if (local) return local;
    return defs.find((d) => !d.static) ?? null;
  }

  /** Every function a call may reach: one definition, or each implementation of a table slot. */
  resolveAll(callee: string, fromFile: string, count = true): FunctionFacts[] {
    if (!callee.startsWith('ops:')) {
      const one = this.resolve(callee, fromFile, count);
      return one ? [one] : [];
    }
    const slots = this.slots.get(callee);
    if (!slots) {
      if (count) this.unresolved.set(callee, (this.unresolved.get(callee) ?? 0) + 1);
      return [];
    }
    // The table's own file decides which static function its initializer names.
    return [...new Set(slots.map((s) => this.resolve(s.fn, s.file, count)).filter((f): f is FunctionFacts => f !== null))];
  }

  /** Each implementation of a table slot with its table; `tables` (struct -> table file) keeps a chain in its vendor's table. */
  resolveSlot(callee: string, tables: ReadonlyMap<string, string>): SlotTarget[] {
    const slots = this.slots.get(callee);
    if (!slots) {
      this.unresolved.set(callee, (this.unresolved.get(callee) ?? 0) + 1);
      return [];
    }
    const chosen = slots[0] ? tables.get(slots[0].struct) : undefined;
    const kept = chosen && slots.some((s) => s.file === chosen) ? slots.filter((s) => s.file === chosen) : slots;
    const out: SlotTarget[] = [];
    for (const s of kept) {
      const fn = this.resolve(s.fn, s.file);
      if (fn && !out.some((t) => t.fn === fn)) out.push({ fn, struct: s.struct, table: s.file });
    }
    return out;
  }

  /**
   * The call graph's strongly connected components (a table slot calls every
   * implementation): each function's component, and the components that
   * recurse (two or more functions, or one calling itself).
   */
  components(): { of: Map<FunctionFacts, number>; recursive: Set<number> } {
    const of = new Map<FunctionFacts, number>();
    const recursive = new Set<number>();
    const callees = new Map<FunctionFacts, FunctionFacts[]>();
    const next = (f: FunctionFacts): FunctionFacts[] => {
      let out = callees.get(f);
      if (!out) {
        out = [...new Set(f.calls.flatMap((c) => this.resolveAll(c.callee, f.file, false)))];
        callees.set(f, out);
      }
      return out;
    };
    // Tarjan's algorithm, iterative: kernel call chains are deep enough to matter for the JS stack.
    const low = new Map<FunctionFacts, number>();
    const num = new Map<FunctionFacts, number>();
    const onStack = new Set<FunctionFacts>();
    const stack: FunctionFacts[] = [];
    let counter = 0;
    let component = 0;
    for (const root of this.functions) {
      if (num.has(root)) continue;
      const work: [FunctionFacts, number][] = [[root, 0]];
      num.set(root, counter);
      low.set(root, counter++);
      stack.push(root);
      onStack.add(root);
      while (work.length) {
        const top = work[work.length - 1] as [FunctionFacts, number];
        const [f, i] = top;
        const out = next(f);
        if (i < out.length) {
          top[1] = i + 1;
          const g = out[i] as FunctionFacts;
          if (!num.has(g)) {
            num.set(g, counter);
            low.set(g, counter++);
            stack.push(g);
            onStack.add(g);
            work.push([g, 0]);
          } else if (onStack.has(g)) low.set(f, Math.min(low.get(f) as number, num.get(g) as number));
          continue;
        }
        work.pop();
        const parent = work[work.length - 1];
        if (parent) low.set(parent[0], Math.min(low.get(parent[0]) as number, low.get(f) as number));
        if (low.get(f) !== num.get(f)) continue;
        let size = 0;
        for (;;) {
          const g = stack.pop() as FunctionFacts;
          onStack.delete(g);
          of.set(g, component);
          size++;
          if (g === f) break;
        }
        if (size > 1 || out.includes(f)) recursive.add(component);
        component++;
      }
    }
    return { of, recursive };
  }
}
