/**
 * leaf-violation: locking.rst says "Everything else is a leaf: no other lock
 * is taken inside the critical sections"; a documented lock that no
 * statement puts outside another lock is a leaf, and the code takes locks
 * inside it.
 *
 * One finding per leaf lock, listing every lock taken inside it (`inside`,
 * with counts and sites), the way a maintainer answers "kvm_lock is no
 * leaf: the code takes A, B and C inside it" rather than once per pair.
 * The fingerprint is the leaf alone, so a lock more or less inside it is
 * the same finding, still there; the sites are every pair's, so a patch
 * adding a pair is placed on its own line.
 */
import { edgesFor } from '../../knowledge/doc/order-graph.js';
import type { LockClass } from '../../knowledge/lock-names.js';
import type { FindingSite, RawFinding } from '../findings/model.js';
import { isBlocking, type ObservedEdge } from '../order/model.js';
import type { RuleContext } from './context.js';
import { at, documentedLocks, lastAnswer, sitesOf, SRCU, guessedClasses } from './shared.js';

const isFull = (s: FindingSite): boolean => (s.confidence?.level ?? 'full') === 'full';

export function leafViolation(ctx: RuleContext): RawFinding[] {
  const claim = ctx.doc.leafClaim;
  if (!claim) return [];
  const outers = new Set(edgesFor(ctx.doc.edges, ctx.arch).map((e) => e.outer));
  const leaves = new Set([...documentedLocks(ctx)].filter((l) => !outers.has(l)));
  // kvm->srcu readers are governed by the SRCU rules, not by the leaf claim.
  const inside = ctx.observed.filter((e) => e.outer !== e.inner && isBlocking(e) && e.outer !== SRCU && leaves.has(e.outer));
  // The answer is made of these edges alone: the same edges as the state before's (an incremental
  // observe shares the edges a patch did not touch), the same answer.
  return [...lastAnswer('leaf-violation', ctx, inside, () => leafFindings(ctx, claim, inside))];
}

function leafFindings(ctx: RuleContext, claim: NonNullable<RuleContext['doc']['leafClaim']>, insideLeaves: readonly ObservedEdge[]): RawFinding[] {
  const byLeaf = new Map<LockClass, ObservedEdge[]>();
  for (const e of insideLeaves) {
    const list = byLeaf.get(e.outer);
    if (list) list.push(e);
    else byLeaf.set(e.outer, [e]);
  }
  const out: RawFinding[] = [];
  for (const [leaf, edges] of byLeaf) {
    edges.sort((a, b) => b.fullCount - a.fullCount || b.count - a.count || a.inner.localeCompare(b.inner));
    // One entry per inner lock (an acquisition and a synchronize_srcu() of the same class are one lock inside).
    const inside: { lock: LockClass; count: number; sites: FindingSite[] }[] = [];
    for (const e of edges) {
      const known = inside.find((i) => i.lock === e.inner);
      if (known) {
        known.count += e.count;
        known.sites.push(...sitesOf(e));
      } else inside.push({ lock: e.inner, count: e.count, sites: sitesOf(e) });
    }
    // Full-confidence evidence first across the pairs, so the finding's first site is its best.
    const sites = inside.flatMap((i) => i.sites).sort((a, b) => Number(isFull(b)) - Number(isFull(a)));
    const count = edges.reduce((n, e) => n + e.count, 0);
    const listed = inside.map((i) => `${i.lock} (${i.count} site${i.count > 1 ? 's' : ''}, e.g. ${at(i.sites[0])})`).join(', ');
    const names = inside.map((i) => i.lock);
    out.push({
      outer: leaf,
      inner: null,
      message: `locking.rst makes ${leaf} a leaf, but the code takes ${inside.length > 1 ? `${inside.length} locks` : 'a lock'} inside it: ${listed}`,
      rule: claim,
      rulePath: [claim],
      sites,
      evidence: { against: { count, sites }, agreeing: { count: 0, sites: [] } },
      inside,
      suggestion: `document the order of ${leaf} against ${names.join(', ')} ("${leaf} is taken outside ${names[0] ?? ''}"), or release ${leaf} before taking ${names.length > 1 ? 'them' : 'it'}`,
      arch: ctx.arch,
      guessed: guessedClasses(...edges),
    });
  }
  return out;
}
