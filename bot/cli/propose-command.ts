/** `kvm-review doc --propose`: the locking.rst patch that documents an order the code relies on. */
import { readFileSync } from 'node:fs';
import { auditTree } from '../../analyzers/audit.js';
import type { ObservedSummary } from '../../analyzers/findings/check-result.js';
import { loadDocumentedOrder } from '../../knowledge/doc/load.js';
import type { DocumentedOrder, OrderEdge } from '../../knowledge/doc/model.js';
import { lockScope, onlyForText } from '../../knowledge/doc/lock-scope.js';
import { formatPatch, parseIdentity } from '../../knowledge/doc/propose-mail.js';
import { docArchs, documentedPath, insertRule, ProposalError, proposalCycle, rankCandidates, ruleArchs, ruleBullet, rulePlace, siteArch, spelledLocks, type Candidate, type ProposalSite, type ProposalCycle } from '../../knowledge/doc/propose.js';
import { canonicalLock } from '../../knowledge/lock-names.js';
import type { Io } from './doc-command.js';
import { EXIT, InputError, type ExitCode } from './exit-codes.js';
import { archMismatch, genericScope } from './propose-scope.js';
import { resolveTree } from './tree-option.js';

export interface ProposeOptions {
  tree?: string;
  /** "A -> B": the order to document; default the candidate most sites rely on. */
  edge?: string;
  format: 'patch' | 'text';
  /** "NAME <EMAIL>": From: and Signed-off-by:. */
  signoff?: string;
  cacheDir?: string;
  cache: boolean;
}

function parseEdge(edge: string): { outer: string; inner: string } {
  const m = /^\s*(\S.*?)\s*->\s*(\S.*?)\s*$/.exec(edge);
  if (!m) throw new InputError(`--edge "${edge}": expected "OUTER -> INNER", e.g. "vcpu->mutex -> kvm->slots_lock"`);
  // "vcpu->mutex -> kvm->slots_lock": the separator is the arrow with spaces around it.
  const spaced = edge.trim().split(/\s+->\s+/);
  if (spaced.length > 2) throw new InputError(`--edge "${edge}": one order, two locks ("OUTER -> INNER"), not a chain of ${spaced.length}`);
  if (spaced.length === 2) {
    const [outer, inner] = spaced.map((n) => canonicalLock(n)) as [string, string];
    if (outer === inner) throw new InputError(`--edge "${edge}": both sides are ${outer}; an order is between two locks`);
    return { outer, inner };
  }
  // One lock ("kvm->lock"), or two with the arrow between them unspaced: either way the arrow between two locks is missing.
  throw new InputError(`--edge "${edge}": no " -> " between two locks; give "OUTER -> INNER", spaces around the arrow (a lock's own "->" has none), e.g. "vcpu->mutex -> kvm->slots_lock"`);
}

/** The locks the document names, as check counts them for undocumented orders: in a rule, an SRCU rule or the lock table. */
function documentedLocks(doc: DocumentedOrder): Set<string> {
  const out = new Set<string>();
  for (const e of doc.edges) out.add(e.outer).add(e.inner);
  for (const r of doc.srcu) out.add(r.lock);
  for (const l of doc.locks) out.add(l.name);
  return out;
}

/** The candidates, `chosen` starred, and the rule it gets where insertRule() puts it (not when the document has no place for it: `placeable` false). */
function candidateLines(all: readonly Candidate[], chosen: Candidate | undefined, text: string, placeable = true): string[] {
  const out = ['Undocumented orders between documented locks, by the sites that rely on them:'];
  for (const c of all) {
    const n = c.count ?? c.sites.length;
    out.push(`${c === chosen ? '*' : ' '} ${String(n).padStart(3)} site${n === 1 ? ' ' : 's'}  ${c.outer} -> ${c.inner}${c.arch ? `  [${ruleArchs(c)?.join(', ')}]` : ''}${c.atLeast ? '  (at least)' : ''}`);
  }
  if (chosen && placeable) out.push('', `Proposed (${rulePlace(text, chosen)}):`, ...ruleBullet(chosen.outer, chosen.inner, spelledLocks(text, chosen)).map((l) => `  ${l}`));
  return out;
}

/** An order not proposed: the sites' architecture (null: generic code, built for several; "x86, arm64": a rule for both) is not one the document names one of its locks for. */
interface ScopedOut {
  outer: string;
  inner: string;
  arch: string | null;
  count: number;
  reason: string;
}

/**
 * The orders the code of one architecture provably relies on between locks locking.rst names, one of them
 * only for other architectures: archMismatch() refuses each, as it refuses such an --edge; and the generic
 * orders genericScope() refuses (taken in a build the lock is not documented for) that are no candidate either. check does not
 * count that lock as documented in the build, so these are no candidates; without --edge they are said,
 * not left out silently. A candidate that fails the same check (none, while check and this agree) is one too.
 */
function scopedOut(doc: DocumentedOrder, observed: readonly ObservedSummary[], candidates: readonly Candidate[]): ScopedOut[] {
  const out: ScopedOut[] = [];
  const named = (lock: string): boolean => {
    const scope = lockScope(doc, lock);
    return scope.generic || scope.only.length > 0;
  };
  for (const c of candidates) {
    const archs = ruleArchs(c);
    // A rule for several architectures names locks documented for each of them: placed() saw to it; checked all the same.
    const reason = archs ? (archs.map((a) => archMismatch(doc, c, a, c.sites[0])).find((r) => r !== null) ?? null) : refusedGeneric(doc, c, observed, c.sites);
    if (reason) out.push({ outer: c.outer, inner: c.inner, arch: archs?.join(', ') ?? null, count: c.count ?? c.sites.length, reason });
  }
  for (const o of observed) {
    if (o.innerOp !== 'acquire' || !o.blocking || o.outer === o.inner || o.outer === 'kvm->srcu' || !named(o.outer) || !named(o.inner)) continue;
    if (candidates.some((c) => c.outer === o.outer && c.inner === o.inner)) continue;
    // A rule is proposed only for what the code provably does.
    const full = o.sites.filter((site) => site.confidence?.level !== 'conditional');
    if (!full.length) continue;
    const arch = siteArch(full);
    if (arch) {
      if (documentedPath(doc, o.outer, o.inner, arch) || documentedPath(doc, o.inner, o.outer, arch)) continue;
      const reason = archMismatch(doc, o, arch, full[0]);
      if (reason) out.push({ outer: o.outer, inner: o.inner, arch, count: o.fullCount, reason });
      continue;
    }
    // Generic code: no candidate when the builds that have the lock state the order already and the others do not
    // count the lock as documented. Refused as --edge refuses it; an order documented the other way round somewhere is
    // an inversion check reports, not this.
    if (documentedPath(doc, o.outer, o.inner, null) || [null, ...docArchs(doc)].some((a) => documentedPath(doc, o.inner, o.outer, a))) continue;
    const reason = refusedGeneric(doc, o, observed, full);
    if (reason) out.push({ outer: o.outer, inner: o.inner, arch: null, count: o.fullCount, reason });
  }
  return out.sort((a, b) => b.count - a.count || a.outer.localeCompare(b.outer) || a.inner.localeCompare(b.inner));
}

/** Why a generic order is not proposed: a build whose code takes it is one the document does not give one of its locks to (propose-scope.ts); null else. */
function refusedGeneric(doc: DocumentedOrder, want: { outer: string; inner: string }, observed: readonly ObservedSummary[], sites: readonly ProposalSite[]): string | null {
  const placed = genericScope(doc, want, observed, sites);
  return placed.kind === 'refused' ? placed.reason : null;
}

/** A candidate for `archs`: one architecture's rule, or several's ("On x86 and arm64:"). */
function forArchs(c: Candidate, archs: readonly string[]): Candidate {
  return { ...c, arch: archs[0] ?? null, ...(archs.length > 1 ? { archs: [...archs] } : {}) };
}

/**
 * A generic candidate whose every build is one of the architectures the document gives one of its
 * locks to is their rule: it goes under "On <arch>:" ("On x86 and arm64:") and is checked in those builds alone.
 */
function placed(doc: DocumentedOrder, c: Candidate, observed: readonly ObservedSummary[]): Candidate {
  if (c.arch !== null) return c;
  const scope = genericScope(doc, c, observed, c.sites);
  return scope.kind === 'arch' ? forArchs(c, scope.archs) : c;
}

function scopedOutLines(skipped: readonly ScopedOut[]): string[] {
  if (!skipped.length) return [];
  const out = ['', "Not proposed, a lock locking.rst documents only for another architecture than the code's:"];
  for (const s of skipped) out.push(`  ${String(s.count).padStart(3)} site${s.count === 1 ? ' ' : 's'}  ${s.outer} -> ${s.inner}${s.arch ? `  [${s.arch}]` : ''}: ${s.reason}`);
  return out;
}

/** The refusal of a rule the document already states, for every build (arch null) or for `arch`'s: the statement, or every statement of the chain that implies it. */
function refuseDocumented(want: { outer: string; inner: string }, arch: string | null, stated: readonly OrderEdge[], io: Io): ExitCode {
  const where = arch ? ` on ${arch}` : '';
  if (stated.length === 1) throw new InputError(`${want.outer} -> ${want.inner} is already documented${where}: locking.rst:${stated[0]?.line}: ${stated[0]?.text}`);
  // Implied through other locks: every statement of the chain, or the refusal quotes a rule about another pair.
  io.stderr(`kvm-review: ${want.outer} -> ${want.inner} is already documented${where}, through ${stated.length} statements:\n`);
  io.stderr(`  order: ${[want.outer, ...stated.map((e) => e.inner)].join(' -> ')}\n`);
  for (const e of stated) io.stderr(`  locking.rst:${e.line}: ${e.text}  (${e.outer} -> ${e.inner}${e.arch ? `, ${e.arch}` : ''})\n`);
  return EXIT.usage;
}

/** The refusal of a rule that would make the document cyclic: the cycle, in which build, and the statements that close it. */
function refuseCycle(cycle: ProposalCycle, io: Io): ExitCode {
  const where = cycle.arch ? ` on ${cycle.arch}` : '';
  io.stderr(`kvm-review: ${cycle.outer} -> ${cycle.inner} would make locking.rst cyclic${where}; these statements already put ${cycle.inner} outside ${cycle.outer}:\n`);
  io.stderr(`  cycle: ${[cycle.outer, cycle.inner, ...cycle.closing.map((e) => e.inner)].join(' -> ')}\n`);
  for (const e of cycle.closing) io.stderr(`  locking.rst:${e.line}: ${e.text}  (${e.outer} -> ${e.inner}${e.arch ? `, ${e.arch}` : ''})\n`);
  return EXIT.usage;
}

export async function runPropose(options: ProposeOptions, io: Io): Promise<ExitCode> {
  // A malformed identity is refused before the tree is read: it would be the patch's author and its Signed-off-by:.
  if (options.signoff !== undefined) {
    const id = parseIdentity(options.signoff);
    if (typeof id === 'string') throw new InputError(`--signoff ${JSON.stringify(options.signoff)}: ${id}`);
  }
  const tree = resolveTree(options.tree, io.cwd);
  const doc = loadDocumentedOrder({ tree, cwd: io.cwd });
  const path = doc.source.path as string;
  const text = readFileSync(path, 'utf8');
  if (text.includes('\r\n')) throw new InputError(`${path}: CRLF line endings; a patch would rewrite every line`);
  const want = options.edge ? parseEdge(options.edge) : null;
  if (want) {
    // A rule is proposed only between locks locking.rst documents: a lock it does not name is a typo or a new lock for the lock table first.
    const known = documentedLocks(doc);
    const unknown = [want.outer, want.inner].filter((l) => !known.has(l));
    if (unknown.length) {
      throw new InputError(
        `--edge "${options.edge}": ${unknown.join(' and ')} ${unknown.length > 1 ? 'are' : 'is'} not named in ${path} (no rule, SRCU rule or lock-table entry); ` +
          `a rule is proposed only between the locks it documents (kvm-review doc --tree ${tree} lists them)`,
      );
    }
    // Two locks the document gives two different architectures alone are never held together in one build.
    const [outerScope, innerScope] = [lockScope(doc, want.outer), lockScope(doc, want.inner)];
    const shared = outerScope.only.some((o) => innerScope.only.some((i) => i.arch === o.arch));
    if (!outerScope.generic && !innerScope.generic && outerScope.only.length && innerScope.only.length && !shared) {
      throw new InputError(
        `--edge "${options.edge}": ${want.outer} is documented ${onlyForText(outerScope.only)} and ${want.inner} ${onlyForText(innerScope.only)}; ` +
          'no build has both, so there is no order between them to document',
      );
    }
    // The cycle check comes first: a rule the generic statements contradict is refused whatever the code does.
    // One only an architecture's statements contradict waits for the sites: it may be another architecture's rule.
    const cycle = proposalCycle(doc, want.outer, want.inner, null);
    if (cycle?.arch === null) return refuseCycle(cycle, io);
    // Documented by the generic statements: in every build, whatever code relies on it. One architecture's
    // statements document it for that build only: which build the rule is for is known from the sites.
    const stated = documentedPath(doc, want.outer, want.inner, null);
    if (stated) return refuseDocumented(want, null, stated, io);
  }
  const result = await auditTree(tree, { arch: 'all', doc, cache: { dir: options.cacheDir, disabled: !options.cache } });
  // Each candidate is checked in the builds its rule would apply to: its architecture's, or every one for a generic rule.
  const ranked = rankCandidates(result.findings)
    .map((c) => placed(doc, c, result.observed))
    .map((c) => ({ candidate: c, cycle: proposalCycle(doc, c.outer, c.inner, ruleArchs(c)) }));
  const wanted = want ? ranked.find((r) => r.candidate.outer === want.outer && r.candidate.inner === want.inner) : undefined;
  if (wanted?.cycle) return refuseCycle(wanted.cycle, io);
  const all = ranked
    .filter((r) => !r.cycle)
    .map(({ candidate: c }) => ({ ...c, against: result.observed.find((o) => o.outer === c.inner && o.inner === c.outer && o.innerOp === 'acquire')?.fullCount ?? 0 }));
  // Without --edge, the top candidate is one the same architecture check as --edge's lets through; what it stops is said.
  const skipped = want ? [] : scopedOut(doc, result.observed, all);
  const proposable = all.filter((c) => !skipped.some((s) => s.outer === c.outer && s.inner === c.inner));
  const chosen = want ? all.find((c) => c.outer === want.outer && c.inner === want.inner) : proposable[0];
  if (want) {
    // The rule's architecture is its sites': a candidate's, or, when the order is no candidate (check does not count a lock
    // named only for another architecture as documented in this build), the sites of the order as observed.
    const seen = chosen ? undefined : result.observed.find((o) => o.outer === want.outer && o.inner === want.inner && o.innerOp === 'acquire');
    const sites: ProposalSite[] = chosen?.sites ?? seen?.sites ?? [];
    // Generic code: the rule is for the builds that take the order (placed() did this for a candidate).
    const generic = chosen?.arch === null || (!chosen && sites.length > 0 && siteArch(sites) === null) ? genericScope(doc, want, result.observed, sites) : null;
    const archs = generic ? (generic.kind === 'arch' ? generic.archs : null) : chosen ? ruleArchs(chosen) : sites.length && siteArch(sites) ? [siteArch(sites) as string] : null;
    const mismatch = generic?.kind === 'refused' ? generic.reason : (archs?.map((a) => archMismatch(doc, want, a, sites[0])).find((r) => r !== null) ?? null);
    if (mismatch) throw new InputError(mismatch);
    // The rule's builds already have the order (an architecture's rule for its own code), or, with no
    // candidate, the builds whose code takes it: say which architecture documents it, not "no site".
    const scoped = chosen ? (ruleArchs(chosen) ?? []) : docArchs(doc);
    for (const arch of scoped) {
      const path = documentedPath(doc, want.outer, want.inner, arch);
      if (path) return refuseDocumented(want, arch, path, io);
    }
  }
  const onlyConditional = want && !chosen ? result.observed.find((o) => o.outer === want.outer && o.inner === want.inner && o.innerOp === 'acquire' && o.fullCount === 0) : undefined;
  if (onlyConditional) {
    const assumed = [...new Set(onlyConditional.sites.flatMap((s) => s.confidence?.assumed ?? []))].join('; ');
    throw new InputError(`every site in ${tree} that takes ${want?.inner} inside ${want?.outer} rests on an assumption (${assumed || 'a path not proven feasible'}): a rule is proposed only for what the code provably does`);
  }
  if (want && !chosen) {
    throw new InputError(`no site in ${tree} takes ${want.inner} inside ${want.outer} (between documented locks): there is nothing to document`);
  }
  // Both formats refuse a rule the document has no place for: the text would otherwise name a heading the patch never writes.
  let after: string | null = null;
  let refused: InputError | null = null;
  try {
    after = chosen ? insertRule(text, doc, chosen) : null;
  } catch (e) {
    if (!(e instanceof ProposalError)) throw e;
    refused = new InputError(`${path}: ${e.message}`);
  }
  if (options.format === 'text') {
    io.stdout(`${[...candidateLines(proposable, chosen, text, !refused), ...scopedOutLines(skipped)].join('\n')}\n`);
    if (refused) throw refused;
    return EXIT.ok;
  }
  for (const s of skipped) io.stderr(`kvm-review: not proposing ${s.outer} -> ${s.inner}${s.arch ? ` (${s.arch})` : ''}: ${s.reason}\n`);
  if (refused) throw refused;
  if (!chosen || after === null) {
    io.stderr('kvm-review: locking.rst orders every pair of documented locks the code nests: nothing to propose\n');
    return EXIT.ok;
  }
  io.stdout(formatPatch(text, after, chosen, { signoff: options.signoff }));
  return EXIT.ok;
}
