/**
 * leaf-violation: locking.rst says "Everything else is a leaf: no other lock
 * is taken inside the critical sections"; a documented lock that no
 * statement puts outside another lock is a leaf, and the code takes a lock
 * inside it.
 */
import { edgesFor } from '../../knowledge/doc/order-graph.js';
import type { RawFinding } from '../findings/model.js';
import { isBlocking } from '../order/model.js';
import type { RuleContext } from './context.js';
import { at, documentedLocks, sitesOf, SRCU, guessedClasses } from './shared.js';

export function leafViolation(ctx: RuleContext): RawFinding[] {
  const claim = ctx.doc.leafClaim;
  if (!claim) return [];
  const outers = new Set(edgesFor(ctx.doc.edges, ctx.arch).map((e) => e.outer));
  const leaves = [...documentedLocks(ctx)].filter((l) => !outers.has(l));
  const out: RawFinding[] = [];
  for (const e of ctx.observed) {
    // kvm->srcu readers are governed by the SRCU rules, not by the leaf claim.
    if (e.outer === e.inner || !isBlocking(e) || e.outer === SRCU || !leaves.includes(e.outer)) continue;
    const sites = sitesOf(e);
    out.push({
      outer: e.outer,
      inner: e.inner,
      message: `${e.inner} is taken inside ${e.outer} at ${at(sites[0])}, but locking.rst makes ${e.outer} a leaf`,
      rule: claim,
      rulePath: [claim],
      sites,
      evidence: { against: { count: e.count, sites }, agreeing: { count: 0, sites: [] } },
      suggestion: `document "${e.outer} is taken outside ${e.inner}", or release ${e.outer} before taking ${e.inner}`,
      arch: ctx.arch,
      guessed: guessedClasses(e),
    });
  }
  return out;
}
