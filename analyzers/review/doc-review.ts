/**
 * Review of a patch to locking.rst, the way Sean reviewed the 2022 SRCU
 * patch: check each new rule against the code before believing either.
 * For every rule the patch adds, count and cite the sites that follow it
 * and the ones that contradict it; flag rules no code follows, rules that
 * make the document contradict itself, and removed rules the code still
 * relies on.
 */
import type { DocumentedOrder, OrderEdge, Quote } from '../../knowledge/doc/model.js';
import { fingerprint } from '../findings/fingerprint.js';
import type { Evidence, FindingSite, RawFinding, Severity } from '../findings/model.js';
import { sitesOf } from '../rules/shared.js';
import type { StateAnalysis } from './analyse-state.js';
import type { DocReviewKind, ReviewFinding } from './model.js';

const SRCU = 'kvm->srcu';
const DOC = 'Documentation/virt/kvm/locking.rst';

function key(e: OrderEdge): string {
  return `${e.outer}\u0000${e.inner}\u0000${e.arch ?? ''}`;
}

/** Code evidence for `outer -> inner` (with kvm->srcu as the SRCU read side or synchronize_srcu()). */
function evidenceFor(e: OrderEdge, code: StateAnalysis): Evidence {
  const archs = e.arch ? [e.arch] : code.archs;
  const collect = (outer: string, inner: string, op: 'acquire' | 'sync'): { count: number; sites: FindingSite[] } => {
    const seen = new Set<string>();
    let count = 0;
    const sites: FindingSite[] = [];
    for (const a of archs) {
      for (const o of code.observed(a)) {
        if (o.outer !== outer || o.inner !== inner || o.innerOp !== op) continue;
        for (const s of sitesOf(o)) {
          const k = `${s.file}:${s.line}`;
          if (seen.has(k)) continue;
          seen.add(k);
          sites.push(s);
        }
        count = Math.max(count, o.count);
      }
    }
    return { count: Math.max(count, sites.length), sites };
  };
  const inReader = (x: string): string => `take ${x} inside a kvm->srcu read-side section`;
  const syncUnder = (x: string): string => `call synchronize_srcu(&kvm->srcu) while holding ${x}`;
  // X allowed in readers: readers taking X follow it, synchronize_srcu() under X contradicts it (and the reverse).
  if (e.srcu === 'read-side') {
    return { agreeing: { ...collect(SRCU, e.inner, 'acquire'), label: inReader(e.inner) }, against: { ...collect(e.inner, SRCU, 'sync'), label: syncUnder(e.inner) } };
  }
  if (e.srcu === 'synchronize') {
    return { agreeing: { ...collect(e.outer, SRCU, 'sync'), label: syncUnder(e.outer) }, against: { ...collect(SRCU, e.outer, 'acquire'), label: inReader(e.outer) } };
  }
  return {
    agreeing: { ...collect(e.outer, e.inner, 'acquire'), label: `take ${e.inner} inside ${e.outer}` },
    against: { ...collect(e.inner, e.outer, 'acquire'), label: `take ${e.outer} inside ${e.inner}` },
  };
}

function names(sites: FindingSite[]): string {
  const fns = [...new Set(sites.map((s) => `${s.function}()`))];
  return fns.slice(0, 3).join(', ') + (fns.length > 3 ? ', ...' : '');
}

function describe(e: OrderEdge): string {
  if (e.srcu === 'read-side') return `${e.inner} may be taken inside a kvm->srcu read-side critical section`;
  if (e.srcu === 'synchronize') return `synchronize_srcu(&kvm->srcu) is called inside ${e.outer}`;
  return `${e.outer} is taken outside ${e.inner}`;
}

export function reviewDocPatch(
  patch: { index: number; subject: string },
  before: DocumentedOrder,
  after: DocumentedOrder,
  code: StateAnalysis,
): ReviewFinding[] {
  const out: ReviewFinding[] = [];
  const add = (kind: DocReviewKind, severity: Severity, raw: RawFinding, line: number, placement: ReviewFinding['placement']): void => {
    const chain = raw.sites[0]?.chain ?? [];
    out.push({ ...raw, kind, severity, fingerprint: fingerprint(kind, raw, 'locking.rst'), patch, file: DOC, line, placement, chain });
  };
  const beforeKeys = new Set(before.edges.map(key));
  const afterKeys = new Set(after.edges.map(key));

  for (const e of after.edges) {
    if (beforeKeys.has(key(e))) continue;
    const ev = evidenceFor(e, code);
    const rule: Quote = { line: e.line, text: e.text };
    const base = { outer: e.outer, inner: e.inner, rule, rulePath: [rule], evidence: ev, arch: e.arch };
    if (ev.against.count > 0) {
      add('doc-contradicted', ev.against.count >= ev.agreeing.count ? 'error' : 'warning', {
        ...base,
        message: `the new rule "${e.text}" says ${describe(e)}; ${ev.against.count} code site${ev.against.count > 1 ? 's' : ''} do the opposite (${names(ev.against.sites)}), ${ev.agreeing.count} follow it${ev.agreeing.count ? ` (${names(ev.agreeing.sites)})` : ''}`,
        sites: ev.against.sites,
        suggestion: ev.agreeing.count
          ? `the sites that follow the new rule are the likely bug: fix ${names(ev.agreeing.sites)} instead of documenting the order`
          : 'the code uses the opposite order everywhere: document that order instead',
      }, e.line, 'added');
    } else if (ev.agreeing.count === 0) {
      add('doc-unsupported', 'warning', {
        ...base,
        message: `no code site follows the new rule "${e.text}": nothing in the indexed code ${e.srcu ? 'does this' : `takes ${e.inner} while holding ${e.outer}`}`,
        sites: [],
        suggestion: 'point to the code that needs this order in the commit message, or drop the rule',
      }, e.line, 'added');
    }
  }

  const oldProblems = new Set(before.problems.filter((p) => p.severity === 'error').map((p) => p.message));
  for (const p of after.problems) {
    if (p.severity !== 'error' || oldProblems.has(p.message)) continue;
    const line = p.lines.find((l) => after.edges.some((e) => e.line === l && !beforeKeys.has(key(e)))) ?? p.lines[0] ?? 1;
    add('doc-conflict', 'error', {
      outer: null,
      inner: null,
      message: `with this patch ${p.message}`,
      rule: null,
      rulePath: [...new Map(after.edges.filter((e) => p.lines.includes(e.line)).map((e) => [e.line, { line: e.line, text: e.text }])).values()],
      sites: [],
      suggestion: 'one of the statements in the cycle is wrong: check each against the code (see the other findings)',
      arch: null,
    }, line, 'added');
  }

  for (const e of before.edges) {
    // Only a rule the code follows can be relied on: an order, or "synchronize_srcu() runs under X".
    if (afterKeys.has(key(e)) || e.srcu === 'read-side') continue;
    const ev = evidenceFor(e, code);
    if (ev.agreeing.count === 0) continue;
    const sync = e.srcu === 'synchronize';
    const what = sync ? `call synchronize_srcu(&kvm->srcu) while holding ${e.outer}` : `take ${e.inner} inside ${e.outer}`;
    add('doc-removed', sync ? 'error' : 'warning', {
      outer: e.outer,
      inner: e.inner,
      message: sync
        ? `the patch drops ${e.outer} from the locks synchronize_srcu(&kvm->srcu) runs under, but ${ev.agreeing.count} code site${ev.agreeing.count > 1 ? 's' : ''} still ${what} (${names(ev.agreeing.sites)}): taking ${e.outer} inside a kvm->srcu reader would deadlock against them`
        : `the patch removes "${e.text}", but ${ev.agreeing.count} code site${ev.agreeing.count > 1 ? 's' : ''} still ${what} (${names(ev.agreeing.sites)})`,
      rule: { line: e.line, text: e.text },
      rulePath: [{ line: e.line, text: e.text }],
      sites: ev.agreeing.sites,
      evidence: { against: ev.agreeing, agreeing: ev.against },
      suggestion: sync
        ? `keep ${e.outer} in the rule while those sites call synchronize_srcu() under it, or change them first in the same series`
        : 'keep the rule, or change those sites in the same series',
      arch: e.arch,
    }, nearestLine(after, e.line), 'changed');
  }
  return out;
}

/** A removed statement has no post-image line: use the nearest statement after it. */
function nearestLine(after: DocumentedOrder, oldLine: number): number {
  const lines = after.edges.map((e) => e.line).sort((a, b) => a - b);
  return lines.find((l) => l >= oldLine) ?? lines.at(-1) ?? 1;
}
