/**
 * Which builds a proposed rule is for, against the builds locking.rst
 * documents its locks for (knowledge/doc/lock-scope.ts).
 *
 * An architecture's rule (its sites are that architecture's code) naming a
 * lock the document gives another architecture alone is refused:
 * archMismatch(). A generic one (sites in generic code, or in several
 * architectures' code) naming a lock documented for some architectures only
 * is placed by the builds whose code takes the order: every one of them is
 * x86 (say), and the lock is documented for x86, so the rule is x86's and
 * goes under "On x86:", where the document keeps x86-only orders. The
 * lock is documented for x86 and arm64 and the builds that take the order
 * are theirs: the rule is theirs too, under "On x86 and arm64:", not in the
 * generic list, which would claim it for builds the lock is not in. Another
 * build takes it too, and the rule would name a lock the document does not
 * give that build, so it is refused the same way.
 */
import type { ObservedSummary } from '../../analyzers/findings/check-result.js';
import { lockScope, namedOnlyElsewhere, onlyForText, type ArchMention } from '../../knowledge/doc/lock-scope.js';
import type { DocumentedOrder, OrderEdge } from '../../knowledge/doc/model.js';
import { archOfFile, documentedPath, SRCU, type ProposalSite } from '../../knowledge/doc/propose.js';
import { listed } from '../../analyzers/counted.js';

type Pair = { outer: string; inner: string };

/** "e.g. virt/kvm/kvm_main.c:1234, kvm_set_memslot()", or nothing without a site. */
function example(site: ProposalSite | undefined): string {
  return site ? ` (e.g. ${site.file}:${site.line}, ${site.function}())` : '';
}

/**
 * The refusal of a rule whose architecture (`arch`, fixed by the sites) the document does not name one of
 * its locks for: check does not count that lock as documented in `arch`'s build, and the rule would name a
 * lock locking.rst gives another architecture alone. Null when both locks are named for `arch` or every build.
 * `code` says whose the code is: "arm64's" for arch/arm64/ code, "built for x86" for generic code only x86 builds.
 */
export function archMismatch(doc: DocumentedOrder, want: Pair, arch: string, site: ProposalSite | undefined, code = `${arch}'s`): string | null {
  for (const lock of [want.outer, want.inner]) {
    const elsewhere = namedOnlyElsewhere(doc, lock, arch);
    if (!elsewhere) continue;
    return (
      `${lock} is documented ${onlyForText(elsewhere)}, but the code that takes ${want.inner} inside ${want.outer} is ${code}${example(site)}: ` +
      `an "On ${arch}:" rule would name a lock locking.rst does not document for ${arch}; document ${lock} for ${arch} first ` +
      `(a lock-table entry or an "On ${arch}:" rule), or correct the architecture it is documented for`
    );
  }
  return null;
}

/** What a generic order (its sites are no one architecture's code) becomes, given the builds that take it. */
export type GenericScope =
  /** Both locks are documented for every build (or no build is known to take the order): the generic list. */
  | { kind: 'generic' }
  /**
   * Every build that takes the order is one of `archs`' and both locks are documented for each: their rule,
   * under "On x86:" or "On x86 and arm64:". In the order the document names them for the lock it limits.
   */
  | { kind: 'arch'; archs: string[] }
  /** A build that takes the order is one the document does not give one of the locks to. */
  | { kind: 'refused'; reason: string };

/** The builds whose code takes `outer -> inner` (for X -> kvm->srcu, synchronize_srcu() called under X), as check observed them. */
export function orderBuilds(observed: readonly ObservedSummary[], want: Pair): { archs: string[]; sites: ProposalSite[] } {
  const op = want.inner === SRCU ? 'sync' : 'acquire';
  const edges = observed.filter((o) => o.outer === want.outer && o.inner === want.inner && o.innerOp === op);
  return { archs: [...new Set(edges.flatMap((o) => o.archs))].sort(), sites: edges.flatMap((o) => o.sites) };
}

/**
 * The builds a generic order's rule is for: those whose code takes it (orderBuilds()) and whose statements
 * do not already order the two locks so (an "On x86:" rule documents it for x86's build: the rule arm64 code
 * needs is arm64's, not one for both). All of them when every one already does (the caller refuses it as documented).
 */
export function ruleBuilds(doc: DocumentedOrder, observed: readonly ObservedSummary[], want: Pair): string[] {
  const builds = orderBuilds(observed, want).archs;
  const open = builds.filter((b) => !documentedPath(doc, want.outer, want.inner, b));
  return open.length ? open : builds;
}

/** A site whose code every one of `archs`' builds has: generic code alone, or one of theirs; the first site else. */
function siteIn(sites: readonly ProposalSite[], archs: readonly string[]): ProposalSite | undefined {
  const fits = (s: ProposalSite): boolean =>
    [s.file, ...s.chain.map((c) => c.file)].every((f) => {
      const a = archOfFile(f);
      return a === null || archs.includes(a);
    });
  return sites.find(fits) ?? sites[0];
}

/**
 * What leaves the order undocumented in the builds `outside` (the lock is not documented for them) besides a
 * generic rule: a rule for the builds that still need it and have the lock (`open`), and what the builds that
 * state it already state (`stated`: each one's statements of the order, one rule or a chain through generic
 * ones). "an "On arm64:" rule would leave the order undocumented in that build", "the x86 rule at
 * locking.rst:53 does not cover those builds", or both in one sentence.
 */
function notCovered(open: readonly string[], stated: ReadonlyMap<string, readonly OrderEdge[]>, outside: readonly string[]): string {
  const builds = outside.length > 1 ? 'those builds' : 'that build';
  const heading = open.length ? `an "On ${listed(open)}:" rule` : '';
  const lines = [...new Set([...stated.values()].flat().map((e) => e.line))].sort((a, b) => a - b);
  const where = `locking.rst:${listed(lines.map(String))}`;
  // One rule per build reads as such; a chain (through generic statements too) is what implies the order.
  const single = [...stated.values()].every((chain) => chain.length === 1);
  const rules = `the ${listed([...stated.keys()])} ${single ? `rule${lines.length > 1 ? 's' : ''}` : 'statements'} at ${where}`;
  if (!stated.size) return `${heading} would leave the order undocumented in ${builds}`;
  if (heading) return `neither ${heading} nor ${rules} would cover ${builds}`;
  if (!single) return `${rules}, which imply the order, do not cover ${builds}`;
  return `${rules} ${lines.length > 1 ? 'do' : 'does'} not cover ${builds}`;
}

/**
 * Where a generic order's rule goes, from the builds whose code takes it (check's observed architectures;
 * those whose statements already order the two locks are left out, ruleBuilds()): see the module comment.
 * The refusal quotes one of `sites` that a build the lock is not documented for has, when there is one.
 */
export function genericScope(doc: DocumentedOrder, want: Pair, observed: readonly ObservedSummary[], sites: readonly ProposalSite[]): GenericScope {
  const taking = orderBuilds(observed, want).archs;
  const builds = ruleBuilds(doc, observed, want);
  const scopes = [want.outer, want.inner].map((lock) => ({ lock, scope: lockScope(doc, lock) }));
  const limited = scopes.filter((s) => !s.scope.generic && s.scope.only.length > 0);
  if (!limited.length || !builds.length) return { kind: 'generic' };
  for (const { lock, scope } of limited) {
    const documented = scope.only.map((m: ArchMention) => m.arch);
    const outside = builds.filter((b) => !documented.includes(b));
    if (!outside.length) continue;
    // Generic code one build alone takes the order in: refused as that architecture's rule is, though the code is not its own.
    if (taking.length === 1) return { kind: 'refused', reason: archMismatch(doc, want, outside[0] as string, siteIn(sites, outside), `built for ${outside[0]}`) as string };
    // "Too" when a build that takes the order has the lock: the refusal is for the others alone.
    const too = taking.some((b) => !outside.includes(b)) ? ' too' : '';
    // The builds that have the lock and still need the rule, in the order the document names them, and those that state it already.
    const open = [...new Set(documented)].filter((a) => builds.includes(a) && !outside.includes(a));
    const stated = new Map(taking.filter((b) => !builds.includes(b)).map((b) => [b, documentedPath(doc, want.outer, want.inner, b) ?? []] as const));
    // The heading a rule for the lock's architectures would go under: one naming them all.
    const on = `"On ${listed([...new Set(documented)])}:"`;
    return {
      kind: 'refused',
      reason:
        `${lock} is documented ${onlyForText(scope.only)}, but the code that takes ${want.inner} inside ${want.outer} is built for ${listed(outside)}${too}${example(siteIn(sites, outside))}: ` +
        `a generic rule would name a lock locking.rst does not document for ${listed(outside)}, and ${notCovered(open, stated, outside)}; ` +
        `document ${lock} for ${listed(outside)} first (a lock-table entry or a rule outside ${on}), or correct the architecture it is documented for`,
    };
  }
  // In the order the document names the builds for the (first) lock it limits: "x86, arm64" reads "On x86 and arm64:".
  const named = (limited[0] as (typeof limited)[number]).scope.only.map((m) => m.arch);
  return { kind: 'arch', archs: [...builds].sort((a, b) => named.indexOf(a) - named.indexOf(b)) };
}
