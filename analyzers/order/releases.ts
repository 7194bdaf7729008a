/**
 * Which caller-held classes each function releases for its callers: those it
 * unlocks without taking them (kvm_swap_active_memslots() drops
 * kvm->slots_arch_lock), and those a callee it calls on every path out
 * releases (kvm_activate_memslot() calls kvm_swap_active_memslots(), and
 * kvm_create_memslot() calls kvm_activate_memslot()). An `after` entry naming
 * alternatives (each branch its callee) releases a class when each of them
 * does. A function that takes the class itself may return holding it
 * (kvm_invalidate_memslot() takes it back): it releases nothing of it.
 *
 * The least fixpoint over the whole index, so what a function releases does
 * not depend on the order functions are looked at.
 */
import type { LockClass } from '../../knowledge/lock-names.js';
import { ALTERNATIVE } from '../locks/held-state.js';
import type { FunctionFacts } from '../locks/model.js';
import type { FunctionIndex } from './function-index.js';

const NONE: readonly LockClass[] = [];

export class CallerReleases {
  private readonly released = new Map<FunctionFacts, readonly LockClass[]>();
  /** Names with a definition that releases something: most sites follow no such call. */
  private readonly names = new Set<string>();
  /**
   * mayRelease() of the alternatives entries asked once the fixpoint is reached: releasedBefore() asks
   * it for every site, and splitting "a|b" each time doubled its cost. Null while `names` still grows.
   */
  private either: Map<string, boolean> | null = null;

  constructor(private readonly index: FunctionIndex) {
    for (const f of index.functions) {
      const own = f.releasesCallers.map((u) => u.class).filter((cls) => !takes(f, cls));
      if (own.length) this.set(f, [...new Set(own)]);
    }
    const through = index.functions.filter((f) => f.exitAfter?.length);
    for (let changed = this.released.size > 0; changed; ) {
      changed = false;
      for (const f of through) {
        const before = this.released.get(f) ?? NONE;
        const more = (f.exitAfter ?? []).flatMap((entry) => this.ofEntry(entry, f.file)).filter((cls) => !before.includes(cls) && !takes(f, cls));
        if (more.length === 0) continue;
        this.set(f, [...new Set([...before, ...more])]);
        changed = true;
      }
    }
    this.either = new Map();
  }

  private set(f: FunctionFacts, classes: readonly LockClass[]): void {
    this.released.set(f, classes);
    this.names.add(f.name);
  }

  /** Whether the `after` entry may release anything (a cheap test before ofEntry()). */
  mayRelease(entry: string): boolean {
    if (!entry.includes(ALTERNATIVE)) return this.names.has(entry);
    let known = this.either?.get(entry);
    if (known === undefined) {
      known = entry.split(ALTERNATIVE).every((n) => this.names.has(n));
      this.either?.set(entry, known);
    }
    return known;
  }

  /** Classes released by the call (or, for alternatives, each call) an `after` entry names, called from `fromFile`. */
  ofEntry(entry: string, fromFile: string): readonly LockClass[] {
    if (!this.mayRelease(entry)) return NONE;
    let out: readonly LockClass[] | null = null;
    for (const name of entry.split(ALTERNATIVE)) {
      const f = this.index.resolve(name, fromFile, false);
      const rel = f ? (this.released.get(f) ?? NONE) : NONE;
      out = out === null ? rel : out.filter((cls) => rel.includes(cls));
      if (out.length === 0) return NONE;
    }
    return out ?? NONE;
  }
}

function takes(f: FunctionFacts, cls: LockClass): boolean {
  return f.acquires.some((a) => a.lock.class === cls);
}
