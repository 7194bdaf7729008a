/**
 * Which builds locking.rst names a lock for. A lock named only under
 * "On x86:" (or in a lock-table entry with `:Arch: x86`) is one the
 * document gives x86 alone: check does not count it as documented in
 * another build, and a rule for another architecture naming it would
 * name a lock that architecture, as far as the document says, does not have.
 */
import { listed } from '../../analyzers/counted.js';
import type { LockClass } from '../lock-names.js';
import type { DocumentedOrder, LockEntry } from './model.js';
import { archName } from './statements.js';

/** One place the document names a lock for one architecture. */
export interface ArchMention {
  arch: string;
  /** 1-based line in locking.rst. */
  line: number;
  /** The statement, or the lock-table entry, as a reader would quote it. */
  text: string;
}

/** How the document names `lock`: for every build (generic), else for these architectures only (empty: not at all). */
export interface LockScope {
  generic: boolean;
  /** The first place each architecture's text names the lock, in line order. */
  only: ArchMention[];
}

/** The words of a lock-table `:Arch:` field naming its architectures ("x86, arm64", "x86 only"); none for every one ("any", "any (only needed on x86 though)", absent). */
function tableWords(field: string | null): string[] {
  if (field === null || /^\s*(any|all)\b/i.test(field)) return [];
  return field.split(/[\s,/()]+|\band\b|\bor\b|\bonly\b/i).filter((w) => w !== '');
}

/** The architectures of a lock-table `:Arch:` field, null for every one. */
function tableArchs(field: string | null): string[] | null {
  const words = tableWords(field);
  return words.length ? [...new Set(words.map((w) => archName(w) ?? w.toLowerCase()))] : null;
}

/**
 * The architectures an `:Arch:` field names that kvm-review knows, and the words that name none it
 * knows ("ppc64le", "sparc"): the entry documents its lock for none of the builds those may mean,
 * which the reader reports rather than drops.
 */
export function tableArchWords(field: string | null): { known: string[]; unknown: string[] } {
  const words = tableWords(field);
  return { known: words.filter((w) => archName(w) !== undefined), unknown: words.filter((w) => archName(w) === undefined) };
}

/**
 * Whether a lock-table entry documents its lock in `arch`'s build ('all': in some build): its `:Arch:`
 * names that architecture, or every one ("any", absent).
 */
export function entryDocumentsFor(entry: Pick<LockEntry, 'arch'>, arch: string): boolean {
  const archs = tableArchs(entry.arch);
  return archs === null || arch === 'all' || archs.includes(arch);
}

export function lockScope(doc: DocumentedOrder, lock: LockClass): LockScope {
  let generic = false;
  const mentions: ArchMention[] = [];
  for (const e of doc.edges) {
    if (e.outer !== lock && e.inner !== lock) continue;
    if (e.arch === null) generic = true;
    else mentions.push({ arch: e.arch, line: e.line, text: e.text });
  }
  for (const r of doc.srcu) {
    if (r.lock !== lock) continue;
    if (r.arch === null) generic = true;
    else mentions.push({ arch: r.arch, line: r.line, text: r.text });
  }
  for (const l of doc.locks) {
    if (l.name !== lock) continue;
    const archs = tableArchs(l.arch);
    if (!archs) generic = true;
    else for (const arch of archs) mentions.push({ arch, line: l.archLine ?? l.line, text: `the lock table's entry, :Arch: ${l.arch}` });
  }
  const first = new Map<string, ArchMention>();
  for (const m of mentions.sort((a, b) => a.line - b.line)) if (!first.has(m.arch)) first.set(m.arch, m);
  return { generic, only: generic ? [] : [...first.values()] };
}

/**
 * Where the document names `lock` when it names it for other architectures
 * than `arch` only, else null (named for every build, or for `arch`, or not at all).
 */
export function namedOnlyElsewhere(doc: DocumentedOrder, lock: LockClass, arch: string): ArchMention[] | null {
  const scope = lockScope(doc, lock);
  if (scope.generic || scope.only.length === 0 || scope.only.some((m) => m.arch === arch)) return null;
  return scope.only;
}

/** "only for x86 (locking.rst:54: kvm->lock is taken outside kvm->arch.config_lock)", "only for x86, arm64 and riscv (...)"; the places joined with ";". */
export function onlyForText(mentions: readonly ArchMention[]): string {
  const archs = [...new Set(mentions.map((m) => m.arch))];
  // A lock-table entry with ":Arch: x86, arm64" is one mention of each: quoted once.
  const where = [...new Set(mentions.map((m) => `locking.rst:${m.line}: ${m.text}`))].join('; ');
  return `only for ${listed(archs)} (${where})`;
}
