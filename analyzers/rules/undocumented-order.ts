/** undocumented-order: the code nests two documented locks that the document does not order either way. */
import { isOrderedBefore } from '../../knowledge/doc/order-graph.js';
import { siteArch, spelledRule } from '../../knowledge/doc/propose.js';
import type { RawFinding } from '../findings/model.js';
import { isBlocking, type ObservedEdge } from '../order/model.js';
import type { RuleContext } from './context.js';
import { at, documentedLocks, perEdge, sitesOf, SRCU, guessedClasses } from './shared.js';

export function undocumentedOrder(ctx: RuleContext): RawFinding[] {
  const documented = documentedLocks(ctx);
  const out: RawFinding[] = [];
  for (const e of ctx.observed) {
    // Inside a kvm->srcu reader every lock the SRCU rules do not forbid is allowed: srcu-violation covers the rest.
    if (e.outer === e.inner || !isBlocking(e) || e.outer === SRCU) continue;
    if (!documented.has(e.outer) || !documented.has(e.inner)) continue;
    if (isOrderedBefore(ctx.doc.edges, e.outer, e.inner, ctx.arch) || isOrderedBefore(ctx.doc.edges, e.inner, e.outer, ctx.arch)) continue;
    out.push(perEdge('undocumented-order', ctx, e, [], () => undocumented(ctx, e)));
  }
  return out;
}

/** The finding on one edge the document does not order either way. */
function undocumented(ctx: RuleContext, e: ObservedEdge): RawFinding {
  const sites = sitesOf(e);
  // An order the code relies on is one it provably takes: sites that rest on
  // an assumption are counted apart, and an edge with only those is still
  // reported (never dropped) but the rule step lowers it below the others.
  const conditional = e.count - e.fullCount;
  const plural = (n: number): string => `${n} site${n > 1 ? 's' : ''}`;
  const counted =
    e.fullCount === 0
      ? `${e.count > 1 ? `${e.count} sites, all resting` : '1 site resting'} on an assumption`
      : conditional
        ? `${plural(e.fullCount)} (and ${conditional} more resting on an assumption)`
        : plural(e.fullCount);
  // X -> kvm->srcu is synchronize_srcu() called under X: an SRCU rule, worded as locking.rst words those.
  const sync = e.innerOp === 'sync';
  const seen = sync ? `synchronize_srcu(&${e.inner}) is called inside ${e.outer}` : `${e.inner} is taken inside ${e.outer}`;
  // The sentence to add is spelled as locking.rst spells the locks where doc --propose would put it
  // (kvm->arch.mmu_lock, kvm_arch::tsc_write_lock), so it can be copied into the file as it is.
  const full = sites.filter((s) => s.confidence?.level !== 'conditional');
  const doc = spelledRule(ctx.doc, { outer: e.outer, inner: e.inner, arch: siteArch(full.length ? full : sites) });
  return {
    outer: e.outer,
    inner: e.inner,
    message: `${seen} at ${counted}, e.g. ${at(sites[0])}; locking.rst does not ${sync ? 'say so' : 'order them'}`,
    rule: null,
    rulePath: [],
    sites,
    // Every site is listed and counted; the renderers say how many rest on an assumption.
    evidence: { against: { count: e.count, sites, ...(conditional ? { assumed: conditional } : {}) }, agreeing: { count: 0, sites: [] } },
    suggestion: sync
      ? `document "synchronize_srcu(&${doc.inner}) is called inside critical sections for ${doc.outer}" in Documentation/virt/kvm/locking.rst (so ${e.outer} must not be taken inside a ${e.inner} reader), or stop calling it there`
      : `document "${doc.outer} is taken outside ${doc.inner}" in Documentation/virt/kvm/locking.rst, or stop nesting them`,
    arch: ctx.arch,
    guessed: guessedClasses(e),
  };
}
