/**
 * Ordering statements of locking.rst, one sentence at a time.
 *
 * Lock names are first replaced by placeholders (§0, §1, ...) and
 * `synchronize_srcu(...)` by SYNC, so each wording the document has used
 * from 2016 to 2026 is one small pattern over the template. A sentence that
 * names a lock and uses ordering vocabulary but matches no pattern is
 * "unrecognised": the caller reports it, never drops it.
 */
import type { LockClass } from '../lock-names.js';
import { findLockRefs } from './lock-refs.js';

/** What one sentence states. */
export type Fact =
  | { kind: 'order'; outer: LockClass; inner: LockClass; condition?: string }
  | { kind: 'srcu'; lock: LockClass; allowedInReadSide: boolean }
  | { kind: 'context'; context: string; forbidden: LockClass[] }
  | { kind: 'caution'; outer: LockClass; inner: LockClass }
  | { kind: 'type'; lock: LockClass; type: string }
  | { kind: 'leaf' }
  | { kind: 'no-order' }
  /** Understood, states no fact: advice such as "use call_srcu". */
  | { kind: 'advice' };

/** What the classifier knows beyond the sentence itself. */
export interface SentenceContext {
  /** Locks the previous sentence was about, for "These locks ..." and "It ...". */
  subject: LockClass[];
  /** When reading a lock's :Comment:, that lock and the data it protects. */
  commentOf?: { lock: LockClass; protects: string[] };
}

export interface Classified {
  facts: Fact[];
  /** Architecture named inline ("On x86, ..."), else undefined. */
  arch?: string;
  /** True when the sentence matched a known wording. */
  recognized: boolean;
  /** True when it names a lock and speaks of taking, holding or ordering. */
  orderingLike: boolean;
  /** Locks this sentence is about, for the next sentence's pronouns. */
  subject: LockClass[];
}

const LIST = String.raw`§\d+(?:(?:,\s*|,?\s+(?:and|or)\s+)§\d+)*`;
const ONE = String.raw`§\d+`;
const READ_SIDE = String.raw`inside an? (${ONE}) read-side critical section`;

const ORDERING_WORDS = /\b(?:taken|take|taking|acquir\w*|held|holding|nest\w*|inside|outside|release[sd]?|SYNC|order\w*)\b/;

interface Pattern {
  re: RegExp;
  facts(m: RegExpExecArray, locks: LockClass[], ctx: SentenceContext): Fact[] | null;
}

function listOf(group: string | undefined, locks: LockClass[]): LockClass[] {
  if (!group) return [];
  return [...group.matchAll(/§(\d+)/g)].map((m) => locks[Number(m[1])] ?? '?');
}

function one(group: string | undefined, locks: LockClass[]): LockClass {
  return listOf(group, locks)[0] ?? '?';
}

const SRCU = 'kvm->srcu';

function orders(outer: LockClass[], inner: LockClass[]): Fact[] {
  return outer.flatMap((o) => inner.map((i): Fact => ({ kind: 'order', outer: o, inner: i })));
}

function srcuRules(locks: LockClass[], allowedInReadSide: boolean): Fact[] {
  return locks.map((lock): Fact => ({ kind: 'srcu', lock, allowedInReadSide }));
}

/** Resolve "These locks", "They", "It" to the previous sentence's locks. */
function subjectOf(group: string | undefined, locks: LockClass[], ctx: SentenceContext): LockClass[] {
  if (group && /^(?:These locks|They|It)$/.test(group)) return ctx.subject;
  return listOf(group, locks);
}

const PATTERNS: Pattern[] = [
  {
    // "A is taken outside B", "A is taken outside B and C, though ...",
    // "A is an rwlock and is taken outside B and C", "A is taken outside of B, e.g. ..."
    re: new RegExp(`^(${LIST}) (?:is|are) (?:an? [\\w ]+? and is )?taken outside (?:of )?(${LIST})(?:,.*)?$`),
    facts: (m, locks) => orders(listOf(m[1], locks), listOf(m[2], locks)),
  },
  {
    // "when VMs have multiple planes, vcpu->mutex for plane 0 can taken outside vcpu->mutex for the same id and another plane"
    re: new RegExp(`^when (.+?), (${ONE}) for (.+?) can (?:be )?taken outside (${ONE}) for (.+)$`),
    facts: (m, locks) => [
      {
        kind: 'order',
        outer: one(m[2], locks),
        inner: one(m[4], locks),
        condition: `when ${m[1]}: ${m[3]} outside ${m[5]}`,
      },
    ],
  },
  {
    // "A and B are taken inside C, and cannot be taken without already holding C (...)",
    // "kvm->lock is taken inside kvm->srcu, therefore SYNC cannot be called inside a kvm->lock critical section"
    re: new RegExp(`^(${LIST}) (?:is|are) taken inside (${ONE})(?:,? and cannot be taken without already holding ${ONE}\\b.*|, therefore SYNC cannot be called inside an? ${ONE} critical section)?$`),
    facts: (m, locks) => {
      const inner = listOf(m[1], locks);
      const outer = one(m[2], locks);
      if (outer === SRCU) return srcuRules(inner, true);
      return orders([outer], inner);
    },
  },
  {
    // "critical sections for A and B must also take C"
    re: new RegExp(`^critical sections for (${LIST}) must also take (${ONE})$`),
    facts: (m, locks) => orders([one(m[2], locks)], listOf(m[1], locks)),
  },
  {
    // "kvm->arch.mmu_lock is an rwlock"
    re: new RegExp(`^(${ONE}) is an? (rwlock|mutex|spinlock|raw spinlock|rw semaphore|srcu lock)$`),
    facts: (m, locks) => [{ kind: 'type', lock: one(m[1], locks), type: m[2] ?? '' }],
  },
  {
    // "SYNC is called inside critical sections for A, B and C",
    // "SYNC is called inside the A critical section, therefore A cannot be taken inside a kvm->srcu read-side critical section"
    re: new RegExp(`^SYNC is called (?:inside|within) (?:critical sections for |the )(${LIST})(?: critical sections?)?(?:, therefore (?:${LIST}) cannot be taken ${READ_SIDE})?$`),
    facts: (m, locks) => srcuRules(listOf(m[1], locks), false),
  },
  {
    // "These locks cannot be taken inside a kvm->srcu read-side critical section"
    re: new RegExp(`^(These locks|They|${LIST}) (?:cannot|must not) be taken ${READ_SIDE}$`),
    facts: (m, locks, ctx) => srcuRules(subjectOf(m[1], locks, ctx), false),
  },
  {
    // "Unlike A, B is released before SYNC", "B instead is released before the call to SYNC",
    // "Instead, B is released before the call to SYNC and can be taken inside a kvm->srcu read-side critical section"
    re: new RegExp(`^(?:Unlike (${ONE}), )?(?:Instead, )?(${ONE}) (?:instead )?is released before (?:the call to )?SYNC( and can be taken ${READ_SIDE})?$`),
    facts: (m, locks) => [
      ...(m[1] ? srcuRules([one(m[1], locks)], false) : []),
      ...(m[3] ? srcuRules([one(m[2], locks)], true) : []),
    ],
  },
  {
    // "It can therefore be taken inside a kvm->srcu read-side critical section, for example while processing a vmexit",
    // "Therefore A can be taken inside a kvm->srcu read-side critical section, while B cannot"
    re: new RegExp(`^(?:Therefore )?(It|They|${LIST}) can (?:therefore )?be taken ${READ_SIDE}(?:, while (${LIST}) cannot)?(?:, for example .*)?$`),
    facts: (m, locks, ctx) => [
      ...srcuRules(subjectOf(m[1], locks, ctx), true),
      ...srcuRules(listOf(m[3], locks), false),
    ],
  },
  {
    re: /^Everything else is a leaf\b.*$/,
    facts: () => [{ kind: 'leaf' }],
  },
  {
    // "..., so MMU notifiers must not take either A or B"
    re: new RegExp(`^(?:.*?,? so )?([^§,]+?) must not take (?:either )?(${LIST})$`),
    facts: (m, locks) => [{ kind: 'context', context: (m[1] ?? '').trim(), forbidden: listOf(m[2], locks) }],
  },
  {
    // "A is taken in notifiers, e.g. f(), that may be invoked while B is held, ..."
    re: new RegExp(`^(${ONE}) is taken in .+? while (${ONE}) is held\\b.*$`),
    facts: (m, locks) => orders([one(m[2], locks)], [one(m[1], locks)]),
  },
  {
    // "Taking A outside of B is problematic, despite that being the official ordering, as ..."
    re: new RegExp(`^Taking (${ONE}) outside (?:of )?(${ONE}) is problematic, despite that being the official ordering\\b.*$`),
    facts: (m, locks) => [
      { kind: 'order', outer: one(m[1], locks), inner: one(m[2], locks) },
      { kind: 'caution', outer: one(m[1], locks), inner: one(m[2], locks) },
    ],
  },
  {
    // In lock X's comment: "Exists to allow taking A while <data X protects> is protected"
    re: new RegExp(`^Exists to allow taking (${ONE}) while ([\\w>-]+) is protected\\b.*$`),
    facts: (m, locks, ctx) => {
      const owner = ctx.commentOf;
      if (!owner || !owner.protects.some((p) => p.includes(m[2] ?? '\0'))) return null;
      return orders([owner.lock], [one(m[1], locks)]);
    },
  },
  {
    // "Exists because using kvm_lock leads to deadlock (see earlier comment on ...)": the rationale of a leaf lock.
    re: new RegExp(`^Exists because using ${ONE} leads to deadlock\\b.*$`),
    facts: () => [{ kind: 'advice' }],
  },
  {
    re: /^If you cannot delay the call until after .* is released, use call_srcu$/,
    facts: () => [{ kind: 'advice' }],
  },
  {
    re: /^\(to be written\)$/,
    facts: () => [{ kind: 'no-order' }],
  },
];

const ARCH_NAMES: Record<string, string> = {
  x86: 'x86', x86_64: 'x86', aarch64: 'arm64', arm64: 'arm64', arm: 'arm',
  s390: 's390', powerpc: 'powerpc', ppc: 'powerpc', riscv: 'riscv', loongarch: 'loongarch', mips: 'mips',
};

/** Canonical architecture directory name for "x86", "aarch64", ...; undefined when unknown. */
export function archName(word: string): string | undefined {
  return ARCH_NAMES[word.toLowerCase()];
}

/** Classify one sentence. */
export function classify(sentence: string, ctx: SentenceContext): Classified {
  let text = sentence;
  let arch: string | undefined;
  const inline = /^On (\w+), (.*)$/.exec(text);
  if (inline && archName(inline[1] ?? '')) {
    arch = archName(inline[1] ?? '');
    text = inline[2] ?? '';
  }
  text = text.replace(/^For (?:spinlocks|mutexes), /, '');
  text = text.replace(/synchronize_srcu(?:_expedited)?\([^)]*\)/g, 'SYNC');

  const refs = findLockRefs(text);
  const locks = refs.map((r) => r.canonical);
  let template = '';
  let at = 0;
  refs.forEach((r, idx) => {
    template += text.slice(at, r.index) + `§${idx}`;
    at = r.index + r.written.length;
  });
  template += text.slice(at);

  const orderingLike = (locks.length > 0 && ORDERING_WORDS.test(template)) || locks.length > 1;
  for (const p of PATTERNS) {
    const m = p.re.exec(template);
    if (!m) continue;
    const facts = p.facts(m, locks, ctx);
    if (!facts) continue;
    const subject = facts.flatMap((f) => (f.kind === 'srcu' ? [f.lock] : []));
    return { facts, arch, recognized: true, orderingLike, subject: subject.length ? subject : locks };
  }
  return { facts: [], arch, recognized: false, orderingLike, subject: locks };
}
