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
import type { LockKind } from '../lock-primitives-model.js';
import { heldTogetherReason } from './held-together.js';
import { findLockRefs, findUnreadableLockNames } from './lock-refs.js';

/** What one sentence states. */
export type Fact =
  | { kind: 'order'; outer: LockClass; inner: LockClass; condition?: string }
  | { kind: 'srcu'; lock: LockClass; allowedInReadSide: boolean; condition?: string }
  | { kind: 'context'; context: string; forbidden: LockClass[]; condition?: string }
  | { kind: 'caution'; outer: LockClass; inner: LockClass; condition?: string }
  | { kind: 'type'; lock: LockClass; type: string }
  | { kind: 'leaf' }
  /** "No other mutex should be taken inside A": A is a leaf, for locks of `kinds` (null: every lock). */
  | { kind: 'leaf-of'; lock: LockClass; kinds: LockKind[] | null; condition?: string }
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
  /**
   * Lock names the sentence writes but its facts do not use (a lock in an
   * aside or a trailing clause, a name that is not read as a lock). When
   * set, the sentence is reported as not understood even if some of its
   * facts were read: a rule never loses a lock without a word.
   */
  unread?: string[];
  /** Why the sentence was not (fully) understood, for the report. */
  reason?: string;
  /**
   * The word of an inline "On x68, ..." that names no architecture kvm-review
   * knows: the facts are scoped to it (`arch` is it, lower-cased), and the
   * reader reports the sentence, so the rule is neither lost nor made generic.
   */
  unknownArch?: string;
}

const LIST = String.raw`§\d+(?:(?:,\s*|,?\s+(?:and|or)\s+)§\d+)*`;
const ONE = String.raw`§\d+`;
const READ_SIDE = String.raw`inside an? (${ONE}) read-side critical section`;
/** "Neither A nor B", "Neither A, B nor C": the locks a prohibition is about. */
const NEITHER = String.raw`Neither (§\d+(?:,\s*§\d+)*,?\s+nor\s+§\d+)`;

const ORDERING_WORDS = /\b(?:taken|take|taking|acquir\w*|held|holding|nest\w*|inside|outside|under|release[sd]?|SYNC|order\w*|before|after)\b/;

interface Pattern {
  re: RegExp;
  facts(m: RegExpExecArray, locks: LockClass[], ctx: SentenceContext): Fact[] | null;
  /** Locks the wording names and reads without stating a rule about them ("Unlike A, B is released before ..."). */
  mentions?(m: RegExpExecArray, locks: LockClass[]): LockClass[];
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

/** The kinds a leaf rule's noun names: "mutex" and "mutexes" are mutexes, "lock" is every lock. */
const LEAF_NOUN = String.raw`(mutex(?:es)?|spinlocks?|rwlocks?|(?:rw )?semaphores?|locks?)`;

function leafKinds(noun: string | undefined): LockKind[] | null {
  const n = (noun ?? '').toLowerCase();
  if (n.startsWith('mutex')) return ['mutex'];
  if (n.startsWith('spinlock')) return ['spinlock', 'raw_spinlock'];
  if (n.startsWith('rwlock')) return ['rwlock'];
  if (n.includes('semaphore')) return ['rwsem', 'percpu_rwsem'];
  return null;
}

const PATTERNS: Pattern[] = [
  {
    // "A is taken outside B", "A is taken outside B and C, though ...",
    // "A is an rwlock and is taken outside B and C", "A is taken outside of B, e.g. ..."
    re: new RegExp(`^(${LIST}) (?:is|are) (?:an? [\\w ]+? and is )?(?:taken|acquired) outside (?:of )?(${LIST})(?:,.*)?$`),
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
    re: new RegExp(`^(${LIST}) (?:is|are) (?:taken|acquired|nested) (?:inside|under|within) (?:of )?(${ONE})(?:,? and cannot be taken without already holding ${ONE}\\b.*|, therefore SYNC cannot be called inside an? ${ONE} critical section)?$`),
    facts: (m, locks) => {
      const inner = listOf(m[1], locks);
      const outer = one(m[2], locks);
      if (outer === SRCU) return srcuRules(inner, true);
      return orders([outer], inner);
    },
  },
  {
    // "A is taken inside B and C" (a list of locks completing "A is taken inside:"): each nesting it states, B -> A
    // and C -> A. Only the plain wording; kvm->srcu among them is a reader and a lock in one breath, left reported.
    re: new RegExp(`^(${LIST}) (?:is|are) (?:taken|acquired|nested) (?:inside|under|within) (?:of )?(${LIST})$`),
    facts: (m, locks) => {
      const outer = listOf(m[2], locks);
      return outer.includes(SRCU) ? null : orders(outer, listOf(m[1], locks));
    },
  },
  {
    // "A nests inside B", "A and B nest under C": B is held when A is taken
    re: new RegExp(`^(${LIST}) nests? (?:inside|under|within) (?:of )?(${ONE})$`),
    facts: (m, locks) => orders([one(m[2], locks)], listOf(m[1], locks)),
  },
  {
    // "A is taken while holding B", "A and B are only acquired while B is held"
    re: new RegExp(`^(${LIST}) (?:is|are|must be|may be|can be|can only be|is only|are only) (?:taken|acquired) (?:only )?while (?:holding (${ONE})|(${ONE}) is held)$`),
    facts: (m, locks) => orders([one(m[2] ?? m[3], locks)], listOf(m[1], locks)),
  },
  {
    // "A must not be taken while holding B", "A cannot be taken inside B": B -> A is forbidden, so
    // where both are held A was taken first (A -> B). Inside kvm->srcu: A is forbidden in readers.
    re: new RegExp(`^(${LIST}) (?:must not|must never|should not|should never|cannot|can not|may not) be (?:taken|acquired) (?:while holding (${ONE})|while (${ONE}) is held|(?:inside|under|within) (?:of )?(${ONE}))$`),
    facts: (m, locks) => {
      const held = one(m[2] ?? m[3] ?? m[4], locks);
      if (held === SRCU) return srcuRules(listOf(m[1], locks), false);
      return orders(listOf(m[1], locks), [held]);
    },
  },
  {
    // "Neither A nor B may be taken while holding C" is "A must not ..." for each of them: A -> C, B -> C.
    // Only the modal wording, a rule: "Neither A nor B is taken inside C" states a fact and orders nothing.
    re: new RegExp(`^${NEITHER} (?:may|must|can|should)(?: ever)? be (?:taken|acquired) (?:while holding (${ONE})|while (${ONE}) is held|(?:inside|under|within) (?:of )?(${ONE})|${READ_SIDE})$`),
    facts: (m, locks) => {
      const held = one(m[2] ?? m[3] ?? m[4] ?? m[5], locks);
      if (held === SRCU) return srcuRules(listOf(m[1], locks), false);
      // A read-side critical section of anything but kvm->srcu is no rule kvm-review has.
      if (m[5]) return null;
      return orders(listOf(m[1], locks), [held]);
    },
  },
  {
    // "A must be taken before B": A is the outer lock
    re: new RegExp(`^(${LIST}) (?:must|should) (?:always )?be (?:taken|acquired) before (${LIST})$`),
    facts: (m, locks) => orders(listOf(m[1], locks), listOf(m[2], locks)),
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
    // "B is released before synchronize_srcu()" is read; the rule it implies is the next sentence's.
    mentions: (m, locks) => [one(m[2], locks)],
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
    // "In particular no other mutex should be taken inside kvm_lock, and the amount of code ... should be limited"
    re: new RegExp(`^(?:In particular,? )?no (?:other )?${LEAF_NOUN} (?:should|must|may|can) be (?:taken|acquired) (?:inside|under|within) (${ONE})(?:,.*)?$`, 'i'),
    facts: (m, locks) => [{ kind: 'leaf-of', lock: one(m[2], locks), kinds: leafKinds(m[1]) }],
  },
  {
    // In lock X's comment: "Do not take any mutex inside."
    re: new RegExp(`^Do not take any (?:other )?${LEAF_NOUN} inside(?: it)?$`, 'i'),
    facts: (m, _locks, ctx) => (ctx.commentOf ? [{ kind: 'leaf-of', lock: ctx.commentOf.lock, kinds: leafKinds(m[1]) }] : null),
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
    // In lock X's comment: "many operations need to take A when <what X protects>" (vendor_module_lock's "...
    // need to take cpu_hotplug_lock when loading a vendor module"): A is taken while X is held, X -> A.
    re: new RegExp(`^(?:many |some |most |other )?(?:operations|callers|paths|code paths) (?:need|needs|have|has) to (?:take|acquire) (${ONE}) (?:when|while) (.+?)(?:, (?:e\\.g\\.|for example) .*)?$`),
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

/**
 * The words of an architecture heading, "On x86:" or "On x86 and arm64:" ("On x86, arm64 and riscv:"),
 * as written; null for any other line. The reader scopes the rules under it to each of them, and
 * `doc --propose` finds or writes the heading of a rule for those architectures with it.
 */
export function onHeadingWords(line: string): string[] | null {
  const on = /^On (\w+(?:(?:,\s*|,?\s+and\s+)\w+)*):$/.exec(line.trim());
  // ", and" before ",": "On riscv, arm64, and x86:" names x86, not "and x86".
  return on ? (on[1] ?? '').split(/,?\s+and\s+|,\s*/) : null;
}

/** An architecture label written other than as onHeadingWords() reads it: "On x86 only:", "**On x86:**", "On x86 (VMX only):". */
export interface LooseArchLabel {
  /** The architectures it names, canonical. */
  archs: string[];
  /** "On x86 only:", or emphasised: nothing of it is left unread. */
  exact: boolean;
  /** It says where the rules do not hold ("not", "except", "other than"): not read as a scope. */
  negated: boolean;
}

/**
 * A one-line label ending in ':' that names no lock and names architectures
 * kvm-review knows, in any wording; null for any other line. Such a line was
 * read as prose, and every rule under it as every architecture's.
 */
export function looseArchLabel(line: string): LooseArchLabel | null {
  // "**On x86:**", "*On x86*:": emphasis is markup.
  let text = line.trim().replace(/^(\*{1,2})([^*]+)\1(:?)$/, '$2$3').trim();
  // "On x86" with no colon (a line of its own, a section title) is the label as well.
  if (/^On \w+(?:(?:,\s*|,?\s+and\s+)\w+)*(?: only)?$/.test(text)) text += ':';
  if (!text.endsWith(':') || text.endsWith('::') || findLockRefs(text).length) return null;
  const archs = [...new Set((text.slice(0, -1).match(/\w+/g) ?? []).flatMap((w) => archName(w) ?? []))];
  if (!archs.length) return null;
  // "On x86 only:" is the heading with "only": its words split as the heading's are.
  const words = onHeadingWords(text.replace(/ only:$/, ':'));
  const exact = !!words && words.every((w) => archName(w));
  const negated = /\b(?:not|except|other than|besides|excluding|but)\b|\bnon-/i.test(text);
  return { archs, exact, negated };
}

/** The architectures archName() knows, for messages: "x86 (x86_64), arm64 (aarch64), arm, ...". */
export function knownArchs(): string {
  const spellings = new Map<string, string[]>();
  for (const [word, arch] of Object.entries(ARCH_NAMES)) if (word !== arch) spellings.set(arch, [...(spellings.get(arch) ?? []), word]);
  const archs = [...new Set(Object.values(ARCH_NAMES))];
  return archs.map((a) => (spellings.get(a) ? `${a} (${spellings.get(a)?.join(', ')})` : a)).join(', ');
}

/**
 * kvm->srcu in a generic ordering wording ("kvm->srcu is taken outside A",
 * "A nests under kvm->srcu") is a read side: A taken inside it is the SRCU
 * rule "A may be taken inside a reader", as "A is taken inside kvm->srcu"
 * reads. The other way round, a reader entered while A is held, orders
 * nothing (srcu_read_lock() never waits); only synchronize_srcu() under A
 * does, and an order edge A -> kvm->srcu means that to every rule. Those
 * locks are returned so the sentence is reported rather than misread.
 */
function srcuAsReadSide(facts: Fact[]): { facts: Fact[]; readerUnder: LockClass[] } {
  const readerUnder: LockClass[] = [];
  const out = facts.flatMap((f): Fact[] => {
    if (f.kind !== 'order' || f.outer === f.inner) return [f];
    if (f.outer === SRCU) return [{ kind: 'srcu', lock: f.inner, allowedInReadSide: true, ...(f.condition ? { condition: f.condition } : {}) }];
    if (f.inner === SRCU) readerUnder.push(f.outer);
    return [f];
  });
  return { facts: out, readerUnder };
}

/** Try every pattern on one template: the facts, and the locks read without a fact. */
function matchPatterns(template: string, locks: LockClass[], ctx: SentenceContext): { facts: Fact[]; mentioned: LockClass[] } | null {
  for (const p of PATTERNS) {
    const m = p.re.exec(template);
    if (!m) continue;
    const facts = p.facts(m, locks, ctx);
    if (facts) return { facts, mentioned: p.mentions?.(m, locks) ?? [] };
  }
  return null;
}

const QUALIFIER = String.raw`(?:only )?(?:when|if|unless|except)\b`;
/** "A is taken outside B when ...", "..., except during ...": the base and the qualifier. */
const TRAILING = new RegExp(`^(.+?)(?:,\\s*|\\s+)(${QUALIFIER}.*)$`, 'i');
/** "When ..., A is taken outside B". */
const LEADING = new RegExp(`^(${QUALIFIER}[^,]*), (.+)$`, 'i');
/** An example is not a condition: "..., e.g. when ...". */
const EXAMPLE = /(?:\be\.g\.|\bi\.e\.|\bfor example|\bsuch as),?$/i;

/** The readings of a template to try, most specific first: qualifier split off, whole, leading qualifier. */
function readings(template: string): { text: string; condition?: string }[] {
  const out: { text: string; condition?: string }[] = [];
  const trailing = TRAILING.exec(template);
  // The qualifier belongs to the rule only when nothing but the rule comes before it: a comma
  // there continues a list of locks ("A, B and C when ..."), anything else is a clause of its own.
  if (trailing?.[1] && trailing[2] && !EXAMPLE.test(trailing[1]) && /^[^,]*(?:,\s*§\d+[^,]*)*$/.test(trailing[1])) {
    out.push({ text: trailing[1], condition: trailing[2] });
  }
  out.push({ text: template });
  const leading = LEADING.exec(template);
  if (leading?.[1] && leading[2]) out.push({ text: leading[2], condition: leading[1] });
  return out;
}

/**
 * Parenthesised asides ("(see kvm_vm_ioctl_create_vcpu())") say why, not
 * what: read the sentence without them. An aside opens after white space;
 * "f()" and "cpus_read_lock()" are names, not asides. Parentheses nest.
 */
function withoutAsides(template: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < template.length; i++) {
    const ch = template[i] ?? '';
    if (ch === '(' && (depth > 0 || i === 0 || /\s/.test(template[i - 1] ?? ''))) {
      // A sentence that is only an aside, "(to be written)", is read as it is.
      if (depth === 0 && i === 0) return template;
      depth++;
      continue;
    }
    if (depth > 0) {
      if (ch === '(') depth++;
      else if (ch === ')') depth--;
      continue;
    }
    out += ch;
  }
  // An aside left open is not an aside: read the sentence as written.
  return depth > 0 ? template : out.replace(/\s+/g, ' ').replace(/\s+([,.;:])/g, '$1').trim();
}

/**
 * Parenthesised asides that name an architecture: "(arm64 only)", "(on x86)" scope the rule
 * (`arch`); any other wording naming one ("(not on x86)") is returned in `unread`, to be
 * reported, since reading past it would make the rule every architecture's.
 */
function archAsides(template: string): { arch?: string; unread: string[] } {
  const out: { arch?: string; unread: string[] } = { unread: [] };
  for (const m of template.matchAll(/(?:^|\s)\(([^()]*)\)/g)) {
    const aside = m[1] ?? '';
    const named = (aside.match(/\w+/g) ?? []).filter((w) => archName(w));
    if (!named.length) continue;
    const only = /^(?:on |for )?(\w+)(?: only)?$/i.exec(aside.trim());
    const arch = only && archName(only[1] ?? '');
    if (arch && (out.arch === undefined || out.arch === arch)) out.arch = arch;
    else out.unread.push(`(${aside})`);
  }
  return out;
}

function withCondition(facts: Fact[], condition: string | undefined): Fact[] {
  if (!condition) return facts;
  return facts.map((f) => (f.kind === 'order' || f.kind === 'srcu' || f.kind === 'context' || f.kind === 'caution' || f.kind === 'leaf-of' ? { ...f, condition } : f));
}

/** Locks the facts of a sentence use (kvm->srcu is implied by every SRCU rule). */
function usedLocks(facts: Fact[]): Set<LockClass> {
  const used = new Set<LockClass>();
  for (const f of facts) {
    if (f.kind === 'order' || f.kind === 'caution') [f.outer, f.inner].forEach((l) => used.add(l));
    if (f.kind === 'srcu') [f.lock, SRCU].forEach((l) => used.add(l));
    if (f.kind === 'context') f.forbidden.forEach((l) => used.add(l));
    if (f.kind === 'type' || f.kind === 'leaf-of') used.add(f.lock);
  }
  return used;
}

/** Facts that state a rule, as opposed to advice or a lock's type. */
export const RULE_FACTS: ReadonlySet<Fact['kind']> = new Set<Fact['kind']>(['order', 'srcu', 'context', 'caution', 'leaf-of']);

/** Facts that carry an architecture. */
export const ARCH_FACTS = new Set<Fact['kind']>(['order', 'srcu', 'context', 'leaf-of']);

/**
 * "S1, and S2" (", and S3" ...), each clause a rule of its own: all are
 * read. Without this, a wording whose tail is free text ("A is taken outside
 * B, e.g. ...") reads S1 and passes over S2, a rule lost without a word when
 * S2's locks are S1's too (vendor_module_lock's comment: "kvm_lock is taken
 * in notifiers ... while cpu_hotplug_lock is held ..., and many operations
 * need to take cpu_hotplug_lock when loading a vendor module"). Only when
 * every clause reads whole, every lock it names used and no architecture
 * of its own; else null, and the sentence is read as one.
 */
function clauses(text: string, ctx: SentenceContext): Classified | null {
  const pieces = text.split(', and ');
  if (pieces.length < 2) return null;
  const whole = (c: Classified): boolean => c.recognized && !c.unread?.length && !c.arch && c.facts.some((f) => RULE_FACTS.has(f.kind));
  const parts: Classified[] = [];
  // Each clause is the fewest pieces that read whole (a clause's own ", and" stays in it: "A, and B are taken ..."),
  // read as one sentence, never split again: tried every way, "S1, and S2, and S3" is exponential.
  for (let i = 0; i < pieces.length; ) {
    let read: Classified | null = null;
    let j = i;
    for (; j < pieces.length && !read; j++) {
      const clause = pieces.slice(i, j + 1).join(', and ');
      // A clause ends outside any aside.
      if ((clause.match(/\(/g) ?? []).length !== (clause.match(/\)/g) ?? []).length) continue;
      const c = classifySentence(clause, ctx, false);
      if (whole(c)) read = c;
    }
    if (!read) return null;
    parts.push(read);
    i = j;
  }
  if (parts.length < 2) return null;
  return { facts: parts.flatMap((c) => c.facts), recognized: true, orderingLike: true, subject: [...new Set(parts.flatMap((c) => c.subject))] };
}

/** Classify one sentence. */
export function classify(sentence: string, ctx: SentenceContext): Classified {
  return classifySentence(sentence, ctx, true);
}

/** classify(), with SPLIT: whether "S1, and S2" may be read as two rules (not for a clause of one). */
function classifySentence(sentence: string, ctx: SentenceContext, split: boolean): Classified {
  let text = sentence;
  let arch: string | undefined;
  const inline = /^On (\w+), (.*)$/.exec(text);
  if (inline && archName(inline[1] ?? '')) {
    arch = archName(inline[1] ?? '');
    text = inline[2] ?? '';
  } else if (inline) {
    // "On x68, A is taken outside B": a rule for an architecture not known here (a typo, a
    // removed port) is read as that word's, and said so, rather than as a rule for every one.
    const rest = classifySentence(inline[2] ?? '', ctx, split);
    const word = inline[1] ?? '';
    if (rest.recognized && !rest.arch && rest.facts.some((f) => ARCH_FACTS.has(f.kind))) return { ...rest, arch: word.toLowerCase(), unknownArch: word };
  }
  text = text.replace(/^For (?:spinlocks|mutexes), /, '');
  text = text.replace(/synchronize_srcu(?:_expedited)?\([^)]*\)/g, 'SYNC');
  const joined = split ? clauses(text, ctx) : null;
  if (joined) return { ...joined, ...(arch ? { arch } : {}) };

  const refs = findLockRefs(text);
  const unreadable = findUnreadableLockNames(text);
  const locks = refs.map((r) => r.canonical);
  let template = '';
  let at = 0;
  refs.forEach((r, idx) => {
    template += text.slice(at, r.index) + `§${idx}`;
    at = r.index + r.written.length;
  });
  template += text.slice(at);

  const named = locks.length + unreadable.length;
  const orderingLike = (named > 0 && ORDERING_WORDS.test(template)) || named > 1;
  const bare = withoutAsides(template);
  const asides = archAsides(template);
  if (asides.arch && arch && asides.arch !== arch) asides.unread.push(`On ${arch}, ... (${asides.arch})`);
  else if (asides.arch) arch = asides.arch;
  for (const r of readings(bare)) {
    const found = matchPatterns(r.text, locks, ctx);
    if (!found) continue;
    const { facts, readerUnder } = srcuAsReadSide(withCondition(found.facts, r.condition));
    if (readerUnder.length) {
      const held = readerUnder.join(', ');
      const reason = `reads as a kvm->srcu read-side section entered while holding ${held}, which orders nothing; only synchronize_srcu() called under ${held} would, so no rule was read`;
      return { facts: [], arch, recognized: false, orderingLike, subject: locks, reason };
    }
    const subject = facts.flatMap((f) => (f.kind === 'srcu' ? [f.lock] : []));
    const result: Classified = { facts, arch, recognized: true, orderingLike, subject: subject.length ? subject : locks };
    // A rule must account for every lock the sentence names, asides and trailing clauses included.
    if (facts.some((f) => RULE_FACTS.has(f.kind))) {
      const used = usedLocks(facts);
      found.mentioned.forEach((l) => used.add(l));
      const unread = [...new Set([...refs.filter((x) => !used.has(x.canonical)).map((x) => x.written), ...unreadable])];
      const reasons: string[] = [];
      if (unread.length) reasons.push(`names ${unread.join(', ')}, which the rule as read does not use`);
      if (asides.unread.length) reasons.push(`${asides.unread.join(', ')} names an architecture in a way not read: the rule is read as ${arch ?? 'every architecture'}'s`);
      if (reasons.length) {
        result.unread = [...unread, ...asides.unread];
        result.reason = reasons.join('; ');
      }
    }
    return result;
  }
  const reason = unreadable.length ? `lock name${unreadable.length > 1 ? 's' : ''} not understood: ${unreadable.join(', ')}` : (heldTogetherReason(text) ?? 'wording not understood');
  return { facts: [], arch, recognized: false, orderingLike, subject: locks, reason };
}
