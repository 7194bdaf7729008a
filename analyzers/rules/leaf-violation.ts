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
import type { LeafRule, Quote } from '../../knowledge/doc/model.js';
import { edgesFor } from '../../knowledge/doc/order-graph.js';
import { leafNoun, leafStatement } from '../../knowledge/doc/statement-text.js';
import { siteArch, spelledRule } from '../../knowledge/doc/propose.js';
import type { LockClass } from '../../knowledge/lock-names.js';
import type { FindingSite, RawFinding } from '../findings/model.js';
import { isBlocking, type ObservedEdge } from '../order/model.js';
import type { RuleContext } from './context.js';
import { at, documentedLocks, lastAnswer, sitesOf, SRCU, guessedClasses } from './shared.js';

const isFull = (s: FindingSite): boolean => (s.confidence?.level ?? 'full') === 'full';

export function leafViolation(ctx: RuleContext): RawFinding[] {
  const claim = ctx.doc.leafClaim;
  // "No other mutex should be taken inside kvm_lock": leaves the document names, for this architecture.
  const named = ctx.doc.leaves.filter((r) => r.arch === null || r.arch === ctx.arch);
  if (!claim && !named.length) return [];
  const outers = new Set(edgesFor(ctx.doc.edges, ctx.arch).map((e) => e.outer));
  const leaves = new Set(claim ? [...documentedLocks(ctx)].filter((l) => !outers.has(l)) : []);
  const breaks = (e: ObservedEdge): boolean =>
    leaves.has(e.outer) || named.some((r) => r.lock === e.outer && (r.kinds === null || r.kinds.includes(e.innerUse.kind)));
  // kvm->srcu readers are governed by the SRCU rules, not by the leaf claim.
  const inside = ctx.observed.filter((e) => e.outer !== e.inner && isBlocking(e) && e.outer !== SRCU && breaks(e));
  // The answer is made of these edges alone: the same edges as the state before's (an incremental
  // observe shares the edges a patch did not touch), the same answer.
  return [...lastAnswer('leaf-violation', ctx, inside, () => leafFindings(ctx, claim, named, leaves, inside))];
}

/** What makes `leaf` a leaf: the claim, its own statements, or both (the claim first: it forbids every lock). */
function leafRules(leaf: LockClass, claim: Quote | null, named: readonly LeafRule[], claimed: ReadonlySet<LockClass>): { rules: Quote[]; said: string; noun: string; own: LeafRule[] } {
  const own = named.filter((r) => r.lock === leaf);
  if (claim && claimed.has(leaf)) return { rules: [claim, ...own.map(quote)], said: `locking.rst makes ${leaf} a leaf`, noun: 'lock', own };
  const kinds = own.some((r) => r.kinds === null) ? null : [...new Set(own.flatMap((r) => r.kinds ?? []))];
  return { rules: own.map(quote), said: `locking.rst says ${leafStatement({ lock: leaf, kinds })}`, noun: kinds ? leafNoun(kinds) : 'lock', own };
}

const quote = (q: Quote): Quote => ({ line: q.line, text: q.text });
const plural = (noun: string): string => (noun.endsWith('x') ? `${noun}es` : `${noun}s`);

function leafFindings(ctx: RuleContext, claim: Quote | null, named: readonly LeafRule[], claimed: ReadonlySet<LockClass>, insideLeaves: readonly ObservedEdge[]): RawFinding[] {
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
    const { rules, said, noun, own } = leafRules(leaf, claim, named, claimed);
    const them = names.length > 1 ? 'them' : 'it';
    // The sentence to add is spelled as locking.rst spells the two locks (see undocumented-order.ts).
    const first = inside[0];
    const firstFull = first?.sites.filter(isFull) ?? [];
    const doc = first && spelledRule(ctx.doc, { outer: leaf, inner: first.lock, arch: siteArch(firstFull.length ? firstFull : first.sites) });
    out.push({
      outer: leaf,
      inner: null,
      message: `${said}, but the code takes ${inside.length > 1 ? `${inside.length} ${plural(noun)}` : `a ${noun}`} inside it: ${listed}`,
      rule: rules[0] ?? null,
      rulePath: rules,
      sites,
      evidence: { against: { count, sites }, agreeing: { count: 0, sites: [] } },
      inside,
      // A lock the document names as a leaf is not one to order against: the statement would contradict it.
      suggestion: own.length
        ? `release ${leaf} before taking ${them} (locking.rst forbids it at line ${own.map((r) => r.line).join(' and ')}), or change that rule in the same series`
        : `document the order of ${leaf} against ${names.join(', ')} ("${doc?.outer ?? leaf} is taken outside ${doc?.inner ?? ''}"), or release ${leaf} before taking ${them}`,
      arch: ctx.arch,
      guessed: guessedClasses(...edges),
    });
  }
  return out;
}
