/**
 * How locking.rst spells a lock. The project names a lock by one canonical
 * class (`kvm->mmu_lock`, `kvm->arch.tsc_write_lock`); the document may
 * write the same lock otherwise (`kvm->arch.mmu_lock` in its order list,
 * `kvm_arch::tsc_write_lock` in its table). Text written into the document
 * uses the document's own spelling, so it reads as the rest of the file.
 */
import type { LockClass } from '../lock-names.js';
import { findLockRefs, type LockRef } from './lock-refs.js';

/** 0-based line range, both ends included: the part of the document the new text goes into. */
export interface LineRange {
  start: number;
  end: number;
}

/** The lock names of each line, per lines array: check asks for the spelling of every lock it suggests a rule on, of the same document. */
const refsByLines = new WeakMap<readonly string[], LockRef[][]>();
function lineRefs(lines: readonly string[]): LockRef[][] {
  let refs = refsByLines.get(lines);
  if (!refs || refs.length !== lines.length) refsByLines.set(lines, (refs = lines.map((l) => findLockRefs(l))));
  return refs;
}

/** How often each spelling of `lock` is written in lines[start..end] outside the `skip` ranges, in order of first use. */
function spellingCounts(lines: readonly string[], lock: LockClass, range: LineRange, skip: readonly LineRange[] = []): Map<string, number> {
  const refs = lineRefs(lines);
  const counts = new Map<string, number>();
  for (let i = Math.max(0, range.start); i <= Math.min(lines.length - 1, range.end); i++) {
    if (skip.some((r) => i >= r.start && i <= r.end)) continue;
    for (const r of refs[i] as LockRef[]) {
      if (r.canonical === lock) counts.set(r.written, (counts.get(r.written) ?? 0) + 1);
    }
  }
  return counts;
}

/** The spellings with the highest count, in order of first use. */
function most(counts: ReadonlyMap<string, number>, among?: readonly string[]): string[] {
  const names = among ?? [...counts.keys()];
  const top = Math.max(0, ...names.map((n) => counts.get(n) ?? 0));
  return top === 0 ? [] : names.filter((n) => (counts.get(n) ?? 0) === top);
}

/**
 * The spelling of `lock` the document would use at `near`: the one written
 * most in that part of the document (the list a rule goes into), else the
 * one written most in the whole document; a tie goes to the one the whole
 * document uses most, then to the one written first. The canonical name
 * when the document never names the lock. The whole document leaves out
 * the `foreign` ranges (other architectures' lists: "kvm->arch.mmu_lock"
 * under "On x86:" is no spelling for an arm64 rule) unless only they name it.
 */
export function docSpelling(lines: readonly string[], lock: LockClass, near?: LineRange, foreign: readonly LineRange[] = []): string {
  const whole = { start: 0, end: lines.length - 1 };
  const own = spellingCounts(lines, lock, whole, foreign);
  const everywhere = own.size ? own : spellingCounts(lines, lock, whole);
  let best = near ? most(spellingCounts(lines, lock, near)) : [];
  if (best.length !== 1) best = most(everywhere, best.length ? best : undefined);
  return best[0] ?? lock;
}
