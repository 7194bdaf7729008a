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
  /**
   * Per name, what resolve() answers: the first static definition in each file that has one, and
   * the first non-static definition (a call is resolved for every call site of every state).
   */
  private readonly answers = new Map<string, { statics: Map<string, FunctionFacts> | null; global: FunctionFacts | null }>();
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
      let answer = this.answers.get(f.name);
      if (!answer) this.answers.set(f.name, (answer = { statics: null, global: null }));
      if (!f.static) answer.global ??= f;
      else {
        answer.statics ??= new Map();
        if (!answer.statics.has(f.file)) answer.statics.set(f.file, f);
      }
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
    const answer = this.answers.get(callee);
    if (!answer) {
      if (count) this.unresolved.set(callee, (this.unresolved.get(callee) ?? 0) + 1);
      return null;
    }
    return answer.statics?.get(fromFile) ?? answer.global;
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
   * implementation), found from `root` on first asking: fn's component, and
   * whether it recurses (two or more functions, or one calling itself).
   * Only the part of the graph below the roots asked about is walked, so an
   * incremental analysis that follows a few functions pays for what they reach.
   */
  componentOf(root: FunctionFacts): { id: number; recursive: boolean } {
    const known = this.scc.of.get(root);
    if (known !== undefined) return { id: known, recursive: this.scc.recursive.has(known) };
    const st = this.scc;
    const next = (f: FunctionFacts): FunctionFacts[] => {
      let out = st.callees.get(f);
      if (!out) {
        const set = new Set<FunctionFacts>();
        for (const c of f.calls) for (const g of this.resolveAll(c.callee, f.file, false)) set.add(g);
        out = [...set];
        st.callees.set(f, out);
      }
      return out;
    };
    // Tarjan's algorithm, iterative: kernel call chains are deep enough to matter for the JS stack.
    const visit = (f: FunctionFacts): void => {
      st.num.set(f, st.counter);
      st.low.set(f, st.counter++);
      st.stack.push(f);
      st.onStack.add(f);
    };
    const work: [FunctionFacts, number][] = [[root, 0]];
    visit(root);
    while (work.length) {
      const top = work[work.length - 1] as [FunctionFacts, number];
      const [f, i] = top;
      const out = next(f);
      if (i < out.length) {
        top[1] = i + 1;
        const g = out[i] as FunctionFacts;
        if (!st.num.has(g)) {
          visit(g);
          work.push([g, 0]);
        } else if (st.onStack.has(g)) st.low.set(f, Math.min(st.low.get(f) as number, st.num.get(g) as number));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) st.low.set(parent[0], Math.min(st.low.get(parent[0]) as number, st.low.get(f) as number));
      if (st.low.get(f) !== st.num.get(f)) continue;
      let size = 0;
      for (;;) {
        const g = st.stack.pop() as FunctionFacts;
        st.onStack.delete(g);
        st.of.set(g, st.component);
        size++;
        if (g === f) break;
      }
      if (size > 1 || out.includes(f)) st.recursive.add(st.component);
      st.component++;
    }
    const id = st.of.get(root) as number;
    return { id, recursive: st.recursive.has(id) };
  }

  /** Tarjan's state, kept across roots: a component found once is final. */
  private readonly scc = {
    of: new Map<FunctionFacts, number>(),
    recursive: new Set<number>(),
    callees: new Map<FunctionFacts, FunctionFacts[]>(),
    num: new Map<FunctionFacts, number>(),
    low: new Map<FunctionFacts, number>(),
    onStack: new Set<FunctionFacts>(),
    stack: [] as FunctionFacts[],
    counter: 0,
    component: 0,
  };
}
