/**
 * What primitive a lock class of a report is, and how to annotate a
 * same-class nesting of it. "possible recursive locking" has one fix per
 * primitive (mutex_lock_nested(), spin_lock_nested(), down_write_nested(),
 * none for rwlock_t's read side...), so the advice names it only when the
 * report or the code says which primitive the class is, and otherwise says
 * what is not known.
 *
 * What is read, strongest first:
 * - the stack: the primitive frame between lock_acquire() and the caller
 *   (`_raw_spin_lock_irqsave`, `mutex_lock_nested`, `down_write`);
 * - the name: kernels before 5.x name a spinlock_t by the rlock inside it;
 * - the code: the primitives the tree takes the class with (the index);
 * - lockdep's notation `{usage}-{outer:inner}`: usage bits per irq state,
 *   write then read use (a read bit that is not `.` is a read acquisition,
 *   `-`/`?` a use in interrupt context), and the wait types of
 *   include/linux/lockdep_types.h: 0 not checked (a bare lockdep_map:
 *   SRCU, percpu rwsem), 1 wait-free (RCU), 2 raw_spinlock_t, then
 *   spinlock_t/rwlock_t and the sleeping locks (mutex, rw_semaphore).
 *   Without CONFIG_PROVE_RAW_LOCK_NESTING spinlock_t is 2 like a raw one
 *   and the sleeping locks are 3; with it spinlock_t is 3 and they are 4.
 *   A 4 anywhere in the report says the option is on; otherwise a 3 or a
 *   2 is one of two things.
 */
import { listed } from '../counted.js';
import type { LockKind } from '../../knowledge/lock-primitives-model.js';
import type { LockClass } from '../../knowledge/lock-names.js';
import { annotatedAdvice, type AnnotatedInput } from './annotated-advice.js';
import type { Frame, LockLine, LockNotation, NestingAdvice, SplatPrimitive, SplatReport } from './model.js';

/** The classes' primitives as the tree takes them: kind -> one site saying so (`fn() (file:line)`). */
export type ClassKinds = ReadonlyMap<LockClass, ReadonlyMap<LockKind, string>>;

const ALL: readonly SplatPrimitive[] = ['mutex', 'spinlock', 'raw_spinlock', 'rwlock', 'rwsem', 'percpu_rwsem', 'srcu', 'rcu'];
const SLEEPING: readonly SplatPrimitive[] = ['mutex', 'rwsem', 'percpu_rwsem'];
const CONFIG: readonly SplatPrimitive[] = ['spinlock', 'rwlock'];
const READ_SIDE: readonly SplatPrimitive[] = ['rwlock', 'rwsem', 'percpu_rwsem', 'srcu', 'rcu'];
const NOT_SLEEPING: readonly SplatPrimitive[] = ['spinlock', 'raw_spinlock', 'rwlock', 'srcu', 'rcu'];

/** How the code's model names a primitive here. */
const NOUN: Record<SplatPrimitive, string> = {
  mutex: 'a mutex',
  spinlock: 'a spinlock_t',
  raw_spinlock: 'a raw_spinlock_t',
  rwlock: 'an rwlock_t',
  rwsem: 'an rw_semaphore',
  percpu_rwsem: 'a percpu_rw_semaphore',
  srcu: 'an SRCU struct',
  rcu: 'an RCU-like lockdep_map',
};

/** One thing that narrows the primitive down. */
interface Clue {
  kinds: readonly SplatPrimitive[];
  why: string;
}

/** What the stack's primitive frame says: the kinds, the call as written (`spin_lock_irqsave`) and its side. */
interface StackClue extends Clue {
  call: string;
  mode: 'read' | 'write' | null;
}

/** Frames of lockdep itself, above the primitive in every report's stack. */
const LOCKDEP_FRAME = /^(?:dump_stack\w*|dump_backtrace|show_stack|_*lock_acquire\w*|print_\w+|check_\w+|validate_chain|_*lockdep_\w+|lock_acquired|lock_contended|debug_\w+)$/;

const FRAMES: { re: RegExp; kinds: readonly SplatPrimitive[]; call: (m: RegExpExecArray) => string; mode: 'read' | 'write' | null }[] = [
  { re: /^_*mutex_lock(\w*)$/, kinds: ['mutex'], call: () => 'mutex_lock', mode: 'write' },
  // spin_lock() and raw_spin_lock() both end in _raw_spin_lock*(): the frame cannot tell spinlock_t from raw_spinlock_t.
  { re: /^_raw_spin_lock(\w*)$/, kinds: ['spinlock', 'raw_spinlock'], call: (m) => `spin_lock${m[1] ?? ''}`, mode: 'write' },
  { re: /^rt_spin_lock(\w*)$/, kinds: ['spinlock'], call: (m) => `spin_lock${m[1] ?? ''}`, mode: 'write' },
  { re: /^(?:_raw|rt)_read_lock(\w*)$/, kinds: ['rwlock'], call: (m) => `read_lock${m[1] ?? ''}`, mode: 'read' },
  { re: /^(?:_raw|rt)_write_lock(\w*)$/, kinds: ['rwlock'], call: (m) => `write_lock${m[1] ?? ''}`, mode: 'write' },
  { re: /^percpu_down_(read|write)\w*$/, kinds: ['percpu_rwsem'], call: (m) => `percpu_down_${m[1] ?? ''}`, mode: null },
  { re: /^_*down_read(\w*)$/, kinds: ['rwsem'], call: () => 'down_read', mode: 'read' },
  { re: /^_*down_write(\w*)$/, kinds: ['rwsem'], call: () => 'down_write', mode: 'write' },
  { re: /^_*srcu_read_lock\w*$|^_*synchronize_srcu\w*$/, kinds: ['srcu'], call: () => 'srcu_read_lock', mode: 'read' },
  { re: /^rcu_lock_acquire$|^rcu_read_lock\w*$/, kinds: ['rcu'], call: () => 'rcu_read_lock', mode: 'read' },
];

/** The primitive frame right under lockdep's own frames, when the stack prints one. */
export function stackClue(frames: readonly Frame[]): StackClue | null {
  for (const f of frames) {
    for (const p of FRAMES) {
      const m = p.re.exec(f.function);
      if (m) {
        const call = p.call(m).replace(/_nested$/, '');
        return { kinds: p.kinds, why: `the stack takes it in ${f.function}()`, call, mode: p.mode };
      }
    }
    if (!LOCKDEP_FRAME.test(f.function)) return null;
  }
  return null;
}

function nameClue(lockdep: string): Clue | null {
  // `&(&kvm->mmu_lock)->rlock`: lockdep named the raw lock inside a spinlock_t.
  if (/(?:->|\.)rlock(?:\/\d+)?(?:#\d+)?$/.test(lockdep)) return { kinds: ['spinlock'], why: `lockdep names the rlock inside a spinlock_t (${lockdep})` };
  return null;
}

function codeClue(cls: LockClass | null, kinds: ClassKinds | undefined): Clue | null {
  const byKind = cls ? kinds?.get(cls) : undefined;
  if (!byKind || byKind.size === 0) return null;
  const entries = [...byKind.entries()].filter((e): e is [Exclude<LockKind, 'other'>, string] => e[0] !== 'other');
  const mapped = entries.map(([k]) => k);
  if (mapped.length === 0) return null;
  const sites = entries.map(([k, site]) => `as ${NOUN[k]} in ${site}`);
  return { kinds: mapped, why: `the tree takes ${cls} ${sites.join(' and ')}` };
}

/** True when the report's notation says CONFIG_PROVE_RAW_LOCK_NESTING is on: some lock is printed with wait type 4. */
function provesRawNesting(lines: readonly LockLine[]): boolean {
  return lines.some((l) => l.notation.wait && (l.notation.wait.inner === 4 || l.notation.wait.outer === 4));
}

function notationClues(n: LockNotation, rawNesting: boolean): Clue[] {
  const out: Clue[] = [];
  const printed = `{${n.usage}}${n.wait ? `-{${n.wait.outer}:${n.wait.inner}}` : ''}`;
  const reads = [...n.usage].filter((_, i) => i % 2 === 1);
  if (reads.some((c) => c !== '.')) out.push({ kinds: READ_SIDE, why: `its usage bits ${printed} show it taken for read` });
  if (/[-?]/.test(n.usage)) out.push({ kinds: NOT_SLEEPING, why: `its usage bits ${printed} show it taken in interrupt context, so it does not sleep` });
  const w = n.wait;
  if (!w) return out;
  if (w.outer === 1) {
    out.push({ kinds: ['rcu'], why: `its wait types ${printed} are RCU's (wait-free to enter)` });
  } else if (w.inner === 0) {
    out.push({ kinds: ['srcu', 'percpu_rwsem', 'rcu'], why: `its wait types ${printed} are a bare lockdep_map's (SRCU, a percpu rwsem), not a mutex's or a spinlock's` });
  } else if (w.inner === 4) {
    out.push({ kinds: SLEEPING, why: `its wait types ${printed} are a sleeping lock's` });
  } else if (w.inner === 3) {
    out.push(
      rawNesting
        ? { kinds: CONFIG, why: `its wait types ${printed} are a spinlock_t's or rwlock_t's (the report prints {4:4} for sleeping locks, so CONFIG_PROVE_RAW_LOCK_NESTING is on)` }
        : { kinds: [...SLEEPING, ...CONFIG], why: `its wait types ${printed} are a sleeping lock's, or a spinlock_t's or rwlock_t's with CONFIG_PROVE_RAW_LOCK_NESTING` },
    );
  } else if (w.inner === 2) {
    out.push(
      rawNesting
        ? { kinds: ['raw_spinlock'], why: `its wait types ${printed} are a raw_spinlock_t's (CONFIG_PROVE_RAW_LOCK_NESTING is on: the report prints {4:4})` }
        : { kinds: ['raw_spinlock', ...CONFIG], why: `its wait types ${printed} are a spinning lock's (spinlock_t, rwlock_t or raw_spinlock_t)` },
    );
  } else if (w.inner === 1) {
    out.push({ kinds: ['rcu'], why: `its wait types ${printed} are wait-free (RCU-like)` });
  }
  return out;
}

/** The primitive the clues agree on, and what says so; a clue that contradicts the stronger ones before it is told, not used. */
function narrow(clues: readonly Clue[]): { kinds: SplatPrimitive[]; evidence: string[] } {
  let kinds = [...ALL];
  const evidence: string[] = [];
  for (const c of clues) {
    const next = kinds.filter((k) => c.kinds.includes(k));
    if (next.length === 0) {
      evidence.push(`${c.why}, which does not fit (another kernel version?)`);
      continue;
    }
    if (next.length < kinds.length || c.kinds.length === 1) evidence.push(c.why);
    kinds = next;
  }
  return { kinds, evidence };
}


/** The annotation for one primitive: a short phrase for an edge's reason, and the sentence for the report. */
function annotationFor(p: SplatPrimitive, stack: StackClue | null): { short: string; how: string } {
  const call = stack?.call ?? '';
  switch (p) {
    case 'mutex':
      return { short: 'mutex_lock_nested()', how: 'take the inner one with mutex_lock_nested(..., SINGLE_DEPTH_NESTING) (or a subclass per level)' };
    case 'spinlock':
    case 'raw_spinlock': {
      const raw = p === 'raw_spinlock' ? 'raw_' : '';
      if (/_irqsave$/.test(call)) return { short: `${raw}spin_lock_irqsave_nested()`, how: `take the inner one with ${raw}spin_lock_irqsave_nested(..., flags, SINGLE_DEPTH_NESTING)` };
      if (/_(?:irq|bh)$/.test(call)) {
        const v = /_(irq|bh)$/.exec(call)?.[1] ?? '';
        return {
          short: `${raw}spin_lock_nested()`,
          how: `there is no ${raw}spin_lock_${v}_nested(), so take the inner one with ${raw}spin_lock_nested(..., SINGLE_DEPTH_NESTING) inside the outer one's ${raw}spin_lock_${v}()`,
        };
      }
      return { short: `${raw}spin_lock_nested()`, how: `take the inner one with ${raw}spin_lock_nested(..., SINGLE_DEPTH_NESTING) (${raw}spin_lock_irqsave_nested() where it is taken with irqsave)` };
    }
    case 'rwlock':
      return stack?.mode === 'write'
        ? { short: 'write_lock_nested()', how: 'take the inner one with write_lock_nested(..., SINGLE_DEPTH_NESTING) (rwlock_t has no read_lock_nested(): inner instances taken with read_lock() need their own class, lockdep_set_class() with a separate lock_class_key)' }
        : {
            short: 'lockdep_set_class() (rwlock_t has no read_lock_nested())',
            how: 'give the inner instances their own class with lockdep_set_class() and a separate lock_class_key (rwlock_t has no read_lock_nested(); write_lock_nested() covers the write side only)',
          };
    case 'rwsem':
      if (stack?.mode === 'read') return { short: 'down_read_nested()', how: 'take the inner one with down_read_nested(..., SINGLE_DEPTH_NESTING)' };
      if (stack?.mode === 'write') return { short: 'down_write_nested()', how: 'take the inner one with down_write_nested(..., SINGLE_DEPTH_NESTING)' };
      return { short: 'down_read_nested()/down_write_nested()', how: 'take the inner one with down_write_nested() or down_read_nested() (SINGLE_DEPTH_NESTING), whichever side it is' };
    case 'percpu_rwsem':
      return { short: 'a separate lock_class_key', how: 'give the inner instance its own lock_class_key (its own percpu_init_rwsem() site, or lockdep_set_class()): a percpu_rw_semaphore has no _nested() variants' };
    case 'srcu':
      return {
        short: 'a separate lock_class_key (SRCU has no _nested())',
        how: 'SRCU readers nest freely, so this is not two readers: if it is synchronize_srcu() inside a read side of the same srcu_struct it is a real deadlock; if two srcu_structs share a class, give them their own lock_class_key (separate init_srcu_struct() sites, or lockdep_set_class())',
      };
    case 'rcu':
      return {
        short: 'a separate lock_class_key',
        how: 'an RCU-like lockdep_map has no _nested() variants: take the read side with lock_map_acquire_read() if that is what it is, or give the instances their own lock_class_key (lockdep_set_class()) or a subclass',
      };
  }
}

/** What kvm-review could not read, for the advice when the primitive is not known. */
function unknownText(lock: string, kinds: readonly SplatPrimitive[], seen: { stack: boolean; code: boolean; wait: boolean; tree: boolean }): string {
  const missing: string[] = [];
  if (!seen.stack) missing.push('the report\'s stack shows no lock primitive frame');
  if (!seen.tree) missing.push('no kernel tree was given to look it up in (--tree DIR)');
  else if (!seen.code) missing.push('the tree never takes it');
  if (!seen.wait) missing.push('the lock lines print no wait types (a kernel before 5.7)');
  const could = kinds.length < ALL.length ? ` It could be ${listed(kinds.map((k) => NOUN[k]), 'or')}.` : '';
  return `kvm-review cannot tell what kind of lock ${lock} is: ${listed(missing)}.${could}`;
}

/**
 * Advice for a same-class nesting of `lock`. `inner` and `outer` are the two
 * lock lines (the acquiring and the held one of a recursive report),
 * `frames` the stack of the inner acquisition, `all` every lock line of the
 * report (they say whether CONFIG_PROVE_RAW_LOCK_NESTING is on).
 */
export function nestingAdvice(args: {
  lock: string;
  cls: LockClass | null;
  inner: LockLine | null;
  outer: LockLine | null;
  frames: readonly Frame[];
  all: readonly LockLine[];
  kinds: ClassKinds | undefined;
  tree: boolean;
  /** Optional: the annotations the tree already has for the lock (with a tree); absent or empty, the advice asks for one. */
  annotated?: Omit<AnnotatedInput, 'lock' | 'nested'>;
}): NestingAdvice & { short: string } {
  const { lock, inner, outer } = args;
  const stack = stackClue(args.frames);
  const code = codeClue(args.cls, args.kinds);
  const rawNesting = provesRawNesting(args.all);
  const notation = [inner, outer].flatMap((l) => (l ? [l.notation] : []));
  const clues: Clue[] = [
    ...(stack ? [stack] : []),
    ...[inner, outer].flatMap((l) => (l ? [nameClue(l.lockdep)] : [])).filter((c): c is Clue => c !== null).slice(0, 1),
    ...(code ? [code] : []),
    ...(notation[0] ? notationClues(notation[0], rawNesting) : []),
  ];
  const { kinds, evidence } = narrow(clues);
  const primitive = kinds.length === 1 ? (kinds[0] ?? null) : null;

  // Two lock lines with one address are one lock taken twice: no annotation makes that safe.
  const a = inner?.notation.address;
  const b = outer?.notation.address;
  const sameInstance = a && b && a === b;
  const instances = a && b && a !== b ? `The two lock lines print different addresses (${b} held, ${a} being taken): two instances of one class. ` : '';
  if (sameInstance && primitive !== 'srcu' && primitive !== 'rcu') {
    const what = primitive ? `${lock} (${NOUN[primitive]})` : lock;
    return {
      lock,
      primitive,
      evidence,
      short: 'the same lock taken twice: a real deadlock, not an annotation',
      advice: `Both lock lines print the same address (${a}): this takes the very same ${what} twice, which is a real deadlock; no lockdep annotation fixes it, drop the inner acquisition or release the outer one first.`,
    };
  }
  // The tree already annotates it: asking for the annotation again is wrong, say what the report means instead.
  if (args.annotated) {
    const short = primitive ? annotationFor(primitive, stack).short : '';
    const done = annotatedAdvice({ ...args.annotated, lock, nested: /_nested\(\)$/.test(short) ? short : null });
    if (done) return { lock, primitive, evidence, short: done.short, advice: `${instances}${done.advice}` };
  }
  if (!primitive) {
    const seen = { stack: stack !== null, code: code !== null, wait: notation.some((n) => n.wait !== null), tree: args.tree };
    return {
      lock,
      primitive,
      evidence,
      short: 'lockdep needs the _nested() variant of its primitive (not known here) or one lock at a time',
      advice:
        `${instances}${unknownText(lock, kinds, seen)} If the nesting is deliberate, annotate the inner acquisition with the _nested() variant of the primitive that takes it ` +
        '(mutex_lock_nested(), spin_lock_nested(), down_write_nested()...; rwlock_t\'s read_lock() has none), or give instances that nest by design their own class with lockdep_set_class(); otherwise take one at a time.',
    };
  }
  const ann = annotationFor(primitive, stack);
  const why = evidence.length ? ` (${evidence.join('; ')})` : '';
  return {
    lock,
    primitive,
    evidence,
    short: `lockdep needs ${ann.short} or one lock at a time`,
    advice:
      primitive === 'srcu' || primitive === 'rcu'
        ? `${instances}${lock} is ${NOUN[primitive]}${why}. ${ann.how[0]?.toUpperCase() ?? ''}${ann.how.slice(1)}.`
        : `${instances}${lock} is ${NOUN[primitive]}${why}. If they nest by design, ${ann.how}; if the two can ever be the same object, it is a real deadlock: take one at a time.`,
  };
}

/** The acquiring and held lines of a report and every other lock line it prints. */
export function lockLines(r: SplatReport): LockLine[] {
  return [r.acquiring, r.held, ...r.heldLocks].filter((l): l is LockLine => l !== null);
}
