/**
 * srcu-violation: a lock taken inside a kvm->srcu read-side critical
 * section while synchronize_srcu(&kvm->srcu) is called under that lock
 * (documented, or seen in the code). The reader waits for the lock, the
 * lock holder waits for the reader.
 */
import type { RawFinding } from '../findings/model.js';
import type { ObservedEdge } from '../order/model.js';
import type { RuleContext } from './context.js';
import { at, observedEdge, perEdge, sitesOf, SRCU, guessedClasses } from './shared.js';

type SrcuRule = RuleContext['doc']['srcu'][number];

export function srcuViolation(ctx: RuleContext): RawFinding[] {
  const out: RawFinding[] = [];
  for (const e of ctx.observed) {
    if (e.outer !== SRCU || e.innerOp !== 'acquire' || e.inner === SRCU) continue;
    if (e.outerUse.mode !== 'read') continue;
    const documented = ctx.doc.srcu.find((r) => r.lock === e.inner && !r.allowedInReadSide && (r.arch === null || r.arch === ctx.arch));
    const syncUnder = observedEdge(ctx, e.inner, SRCU, 'sync');
    if (!documented && !syncUnder) continue;
    out.push(perEdge('srcu-violation', ctx, e, [documented, syncUnder], () => violation(ctx, e, documented, syncUnder)));
  }
  return out;
}

/** The finding on one edge into a reader: the lock is documented, or seen, to be held around synchronize_srcu(). */
function violation(ctx: RuleContext, e: ObservedEdge, documented: SrcuRule | undefined, syncUnder: ObservedEdge | undefined): RawFinding {
  const sites = sitesOf(e);
  const why = documented
    ? `synchronize_srcu(&kvm->srcu) is documented to be called inside ${e.inner}`
    : `synchronize_srcu(&kvm->srcu) is called inside ${e.inner} at ${at(syncUnder ? sitesOf(syncUnder)[0] : undefined)}`;
  return {
    outer: SRCU,
    inner: e.inner,
    message: `${e.inner} is taken inside a kvm->srcu read-side critical section at ${at(sites[0])}; ${why}, so it must not be taken inside a reader`,
    rule: documented ? { line: documented.line, text: documented.text } : null,
    rulePath: documented ? [{ line: documented.line, text: documented.text }] : [],
    sites,
    evidence: {
      against: { count: e.count, sites },
      agreeing: { count: syncUnder?.count ?? 0, sites: syncUnder ? sitesOf(syncUnder) : [] },
    },
    cycle: [
      { outer: SRCU, inner: e.inner, source: 'observed', ...(sites[0] ? { site: sites[0] } : {}) },
      documented
        ? { outer: e.inner, inner: SRCU, source: 'documented', sync: true, rule: { line: documented.line, text: documented.text } }
        : { outer: e.inner, inner: SRCU, source: 'observed', sync: true, ...(syncUnder?.sites[0] ? { site: sitesOf(syncUnder)[0] } : {}) },
    ],
    suggestion: `take ${e.inner} before entering the kvm->srcu read-side section (or drop the SRCU read lock around it); if synchronize_srcu() is the new part, use call_srcu()`,
    arch: ctx.arch,
    guessed: guessedClasses(e),
  };
}
