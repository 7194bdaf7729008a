/**
 * Review of a patch to locking.rst, the way Sean reviewed the 2022 SRCU
 * patch: check each new rule against the code before believing either.
 * For every rule the patch adds, count and cite the sites that follow it
 * and the ones that contradict it; flag rules no code follows, rules that
 * make the document contradict itself, and removed rules the code still
 * relies on. A patch to the document is never answered with silence: a
 * new line that reads like a rule but was not understood is reported, and
 * a new rule that reverses the documented order is a conflict whatever
 * its wording.
 */
import type { DocumentedOrder, LeafRule, OrderEdge, Quote, Unrecognized } from '../../knowledge/doc/model.js';
import { leafStatement } from '../../knowledge/doc/statement-text.js';
import { documentedKinds, leafContradictions } from '../../knowledge/doc/lock-kinds.js';
import { isBlocking } from '../order/model.js';
import { orderPath } from '../../knowledge/doc/order-graph.js';
import { fingerprint } from '../findings/fingerprint.js';
import type { DocumentFinding } from '../findings/check-result.js';
import type { Evidence, FindingSite, RawFinding, Severity } from '../findings/model.js';
import { sitesOf } from '../rules/shared.js';
import { listed } from '../counted.js';
import type { StateAnalysis } from './analyse-state.js';
import type { DocReviewKind, ReviewFinding } from './model.js';
import type { FunctionChange } from './series-changes.js';

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
        // Evidence for or against a rule is what the code provably does: a
        // site that rests on an assumption (a last reference dropped) is not counted.
        for (const s of sitesOf(o)) {
          if (s.confidence?.level === 'conditional') continue;
          const k = `${s.file}:${s.line}`;
          if (seen.has(k)) continue;
          seen.add(k);
          sites.push(s);
        }
        count = Math.max(count, o.fullCount);
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

const leafKey = (r: LeafRule): string => `${r.lock}\u0000${r.kinds?.join(',') ?? '*'}\u0000${r.arch ?? ''}`;

/** The code sites that take, inside leaf rule `r`'s lock, a lock of a kind it forbids (proven sites only, as evidenceFor()). */
function insideLeaf(r: LeafRule, code: StateAnalysis): { count: number; sites: { site: FindingSite; inner: string }[] } {
  const seen = new Set<string>();
  const sites: { site: FindingSite; inner: string }[] = [];
  for (const a of r.arch ? [r.arch] : code.archs) {
    for (const o of code.observed(a)) {
      if (o.outer !== r.lock || o.inner === r.lock || !isBlocking(o) || (r.kinds !== null && !r.kinds.includes(o.innerUse.kind))) continue;
      for (const site of sitesOf(o)) {
        if (site.confidence?.level === 'conditional') continue;
        const k = `${site.file}:${site.line}`;
        if (seen.has(k)) continue;
        seen.add(k);
        sites.push({ site, inner: o.inner });
      }
    }
  }
  return { count: sites.length, sites };
}

function names(sites: FindingSite[]): string {
  const fns = [...new Set(sites.map((s) => `${s.function}()`))];
  return fns.slice(0, 3).join(', ') + (fns.length > 3 ? ', ...' : '');
}

/** A locking.rst finding's fingerprint: a rule scoped to several architectures is one finding on each, each its own. */
export function docFingerprint(kind: string, raw: Pick<RawFinding, 'outer' | 'inner' | 'cycle'>, arch: string | null): string {
  return fingerprint(kind, raw, arch ? `locking.rst\u0000${arch}` : 'locking.rst');
}

/**
 * The doc-conflict of a new leaf rule the document itself contradicts: `stated`, the orders it states that
 * take a lock of a forbidden kind inside the leaf, quoted. `holder` says whose they are ("the document
 * still", "the embedded order"), `lineOf` how a quoted line is named.
 */
export function leafConflict(r: LeafRule, stated: readonly OrderEdge[], holder: string, lineOf: (line: number) => string): RawFinding {
  const quoted = [...new Map(stated.map((e) => [e.line, { line: e.line, text: e.text }])).values()];
  return {
    outer: r.lock,
    inner: null,
    message: `the new rule "${r.text}" says ${leafStatement(r)}, but ${holder} takes ${listed([...new Set(stated.map((e) => e.inner))])} inside ${r.lock} (${quoted.map((q) => `${lineOf(q.line)}: "${q.text}"`).join('; ')}): the two cannot both hold`,
    rule: { line: r.line, text: r.text },
    rulePath: [{ line: r.line, text: r.text }, ...quoted],
    sites: [],
    suggestion: 'remove or reword the older statement in the same patch, or drop the new rule',
    arch: r.arch ?? stated.find((e) => e.arch)?.arch ?? null,
  };
}

/** A rule in words, SRCU rules as the document states them. */
export function describe(e: OrderEdge): string {
  if (e.srcu === 'read-side') return `${e.inner} may be taken inside a kvm->srcu read-side critical section`;
  if (e.srcu === 'synchronize') return `synchronize_srcu(&kvm->srcu) is called inside ${e.outer}`;
  return `${e.outer} is taken outside ${e.inner}${e.condition ? ` (${e.condition})` : ''}`;
}

/**
 * What to do about the code sites inside a new leaf rule's lock: the author's
 * own series may already change their functions (`changes`: those of this
 * patch and the ones before it), and then the answer is about that change.
 */
function leafSuggestion(r: LeafRule, against: { site: FindingSite; inner: string }[], patch: number, series: SeriesChanges): string {
  const who = (k: number): string => (k === patch ? 'this patch' : `patch ${k}/${series.total}`);
  const untouched: { site: FindingSite; inner: string }[] = [];
  const changed = new Map<string, { fn: string; inner: string[]; by: FunctionChange[] }>();
  for (const x of against) {
    const by = series.changes.filter((c) => c.file === x.site.file && c.fn === x.site.function && c.patch <= patch);
    if (!by.length) {
      untouched.push(x);
      continue;
    }
    const k = `${x.site.file}\u0000${x.site.function}`;
    const had = changed.get(k) ?? { fn: x.site.function, inner: [], by };
    if (!had.inner.includes(x.inner)) had.inner.push(x.inner);
    changed.set(k, had);
  }
  const parts: string[] = [];
  if (untouched.length) {
    const takes = [...new Set(untouched.map((x) => x.inner))];
    parts.push(`change ${names(untouched.map((x) => x.site))} to release ${r.lock} before taking ${takes.length > 1 ? 'those locks' : takes[0]}, in this series before this patch`);
  }
  for (const c of changed.values()) {
    const patches = [...new Set(c.by.map((b) => b.patch))];
    const by = patches.length > 1 ? `patches ${listed(patches.map((k) => who(k).replace(/^patch /, '')))} change` : `${who(patches[0] as number)} changes`;
    const notApplied = [...new Set(c.by.filter((b) => !b.applied).map((b) => b.patch))];
    const hunk = patches.length > 1 ? `a hunk of ${listed(notApplied.map((k) => who(k).replace(/^patch /, '')))} there` : 'that hunk';
    parts.push(
      notApplied.length
        ? `${by} ${c.fn}(), but ${hunk} did not apply to this tree: the finding holds against ${c.fn}() as the tree has it; check the rule again once that change applies`
        : `${by} ${c.fn}(), and with that change it still takes ${listed(c.inner)} inside ${r.lock}: make it release ${r.lock} first`,
    );
  }
  return `${parts.join('; ')}, or drop the rule`;
}

/** The series around the patch reviewed: M of [PATCH k/M] and the functions its patches change. */
export interface SeriesChanges {
  total: number;
  changes: readonly FunctionChange[];
}

export function reviewDocPatch(
  patch: { index: number; subject: string },
  before: DocumentedOrder,
  after: DocumentedOrder,
  code: StateAnalysis,
  series: SeriesChanges = { total: 1, changes: [] },
): ReviewFinding[] {
  const out: ReviewFinding[] = [];
  // `arch`: the rule's architecture, when it has one ("On x86 and arm64:" makes one rule per architecture, each its own finding, fingerprint included).
  const add = (kind: DocReviewKind, severity: Severity, raw: RawFinding, line: number, placement: ReviewFinding['placement'], arch: string | null = null): void => {
    const chain = raw.sites[0]?.chain ?? [];
    out.push({ ...raw, kind, severity, fingerprint: docFingerprint(kind, raw, arch), patch, file: DOC, line, placement, chain });
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
        message: `the new rule "${e.text}" says ${describe(e)}; ${ev.against.count} code site${ev.against.count > 1 ? 's do' : ' does'} the opposite (${names(ev.against.sites)}), ${ev.agreeing.count} follow it${ev.agreeing.count ? ` (${names(ev.agreeing.sites)})` : ''}`,
        sites: ev.against.sites,
        suggestion: ev.agreeing.count
          ? `the sites that follow the new rule are the likely bug: fix ${names(ev.agreeing.sites)} instead of documenting the order`
          : 'the code uses the opposite order everywhere: document that order instead',
      }, e.line, 'added', e.arch);
    } else if (ev.agreeing.count === 0) {
      add('doc-unsupported', 'warning', {
        ...base,
        message: `no code site follows the new rule "${e.text}": nothing in the indexed code ${e.srcu ? 'does this' : `takes ${e.inner} while holding ${e.outer}`}`,
        sites: [],
        suggestion: 'point to the code that needs this order in the commit message, or drop the rule',
      }, e.line, 'added', e.arch);
    }
  }

  // A lock the patch makes a leaf ("no other mutex should be taken inside kvm_lock"): the code that takes one inside it.
  const leafKeys = new Set(before.leaves.map(leafKey));
  for (const r of after.leaves) {
    if (leafKeys.has(leafKey(r))) continue;
    leafKeys.add(leafKey(r));
    // The document itself still takes such a lock inside it: it would say both.
    const stated = leafContradictions(r, after.edges, documentedKinds(after));
    if (stated.length) add('doc-conflict', 'error', leafConflict(r, stated, 'the document still', (line) => `line ${line}`), r.line, 'added', r.arch);
    const against = insideLeaf(r, code);
    if (!against.count) continue;
    const rule: Quote = { line: r.line, text: r.text };
    add('doc-contradicted', 'error', {
      outer: r.lock,
      inner: null,
      message: `the new rule "${r.text}" says ${leafStatement(r)}; ${against.count} code site${against.count > 1 ? 's do' : ' does'} (${against.sites.slice(0, 3).map((x) => `${x.site.function}() takes ${x.inner}`).join(', ')}${against.sites.length > 3 ? ', ...' : ''})`,
      rule,
      rulePath: [rule],
      sites: against.sites.map((x) => x.site),
      suggestion: leafSuggestion(r, against.sites, patch.index, series),
      arch: r.arch,
    }, r.line, 'added', r.arch);
  }

  out.push(...unrecognizedLines(before, after).map((u) => ({ ...u, patch })));
  const reversals = reversedRules(before, after, beforeKeys);
  for (const r of reversals) {
    const { edge: e, old, kept } = r;
    const said = old.map((o) => `line ${o.line}: "${o.text}"`).join('; ');
    add('doc-conflict', kept ? 'error' : 'warning', {
      outer: e.outer,
      inner: e.inner,
      message: kept
        ? `the new rule "${e.text}" says ${describe(e)}, but the document still orders ${e.inner} before ${e.outer} (${said}): the two cannot both hold`
        : `the new rule "${e.text}" reverses the documented order (before this patch, ${said}); every site that follows the old order now contradicts the document`,
      rule: { line: e.line, text: e.text },
      // rulePath is read as places in the patched file (text, SARIF locations): a flip's old
      // statements are gone from it, so they are quoted in the message only, labelled as such.
      rulePath: [{ line: e.line, text: e.text }, ...(kept ? old : [])],
      sites: [],
      suggestion: kept
        ? 'remove or reword the older statement in the same patch, or drop the new rule'
        : 'say in the commit message why the order is reversed, and change the code that takes the locks the old way in the same series',
      arch: e.arch,
    }, e.line, 'added', e.arch);
  }
  const reversalLines = new Set(reversals.map((r) => r.edge.line));

  // Problem messages quote line numbers, which any edit above them moves: compare them without.
  const shape = (m: string): string => m.replace(/\bline \d+/g, 'line');
  const oldProblems = new Set(before.problems.filter((p) => p.severity === 'error').map((p) => shape(p.message)));
  for (const p of after.problems) {
    if (p.severity !== 'error' || oldProblems.has(shape(p.message))) continue;
    // A cycle made by reversing a rule is already reported on the new rule's line.
    if (p.kind === 'cycle' && p.lines.some((l) => reversalLines.has(l))) continue;
    const line = p.lines.find((l) => after.edges.some((e) => e.line === l && !beforeKeys.has(key(e)))) ?? p.lines[0] ?? 1;
    add('doc-conflict', 'error', {
      outer: null,
      inner: null,
      message: `with this patch ${p.message}`,
      rule: null,
      rulePath: [...new Map(after.edges.filter((e) => p.lines.includes(e.line)).map((e) => [e.line, { line: e.line, text: e.text }])).values()],
      sites: [],
      suggestion: 'one of the statements in the cycle is wrong: check each against the code (see the other findings)',
      // A cycle through an architecture's own rules is that architecture's: one finding on each it closes on.
      arch: p.arch ?? null,
    }, line, 'added', p.arch ?? null);
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
        ? `the patch drops ${e.outer} from the locks synchronize_srcu(&kvm->srcu) runs under, but ${ev.agreeing.count} code site${ev.agreeing.count > 1 ? 's' : ''} still ${ev.agreeing.count > 1 ? what : what.replace(/^(take|call)\b/, '$1s')} (${names(ev.agreeing.sites)}): taking ${e.outer} inside a kvm->srcu reader would deadlock against them`
        : `the patch removes "${e.text}", but ${ev.agreeing.count} code site${ev.agreeing.count > 1 ? 's' : ''} still ${ev.agreeing.count > 1 ? what : what.replace(/^(take|call)\b/, '$1s')} (${names(ev.agreeing.sites)})`,
      rule: { line: e.line, text: e.text },
      rulePath: [{ line: e.line, text: e.text }],
      sites: ev.agreeing.sites,
      evidence: { against: ev.agreeing, agreeing: ev.against },
      suggestion: sync
        ? `keep ${e.outer} in the rule while those sites call synchronize_srcu() under it, or change them first in the same series`
        : 'keep the rule, or change those sites in the same series',
      arch: e.arch,
    }, nearestLine(after, e.line), 'changed', e.arch);
  }
  return out;
}

/** A new statement whose edge an older statement orders the other way. */
interface Reversal {
  edge: OrderEdge;
  /**
   * The statements that order inner before outer: in the patched document (its line numbers)
   * when kept, in the document before the patch when flipped.
   */
  old: Quote[];
  /** True when the document after the patch still says so (a contradiction), false when the patch replaced them (a flip). */
  kept: boolean;
}

function reversedRules(before: DocumentedOrder, after: DocumentedOrder, beforeKeys: Set<string>): Reversal[] {
  const out: Reversal[] = [];
  const seen = new Set<string>();
  for (const e of after.edges) {
    // Same-class nesting ("plane 0 outside another plane") reverses nothing.
    if (beforeKeys.has(key(e)) || e.outer === e.inner) continue;
    const arch = e.arch ?? undefined;
    // A rule the old document states directly, in whatever words. A reversal through a chain
    // of rules is reported as the cycle it makes, which quotes every statement of the chain.
    const path = orderPath(before.edges, e.inner, e.outer, arch);
    if (path?.length !== 1) continue;
    // One finding per statement, pair and architecture, not one per derived SRCU edge of the same
    // sentence; a rule under "On x86 and arm64:" reverses the old one on each architecture it names.
    const id = `${e.line}\u0000${e.outer}\u0000${e.inner}\u0000${e.arch ?? ''}`;
    if (seen.has(id)) continue;
    seen.add(id);
    // What is quoted must be where the reader finds it: the patched file's own statements
    // when the document still says so, the pre-image only for the order the patch replaced.
    const still = orderPath(after.edges.filter((x) => x !== e), e.inner, e.outer, arch);
    const quoted = still ?? path;
    out.push({ edge: e, old: [...new Map(quoted.map((p) => [p.line, { line: p.line, text: p.text }])).values()], kept: still !== null });
  }
  return out;
}

/** Statement text as compared across the patch: white space folded. */
function statement(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Lines the patch adds or changes that read like ordering rules the reader
 * did not understand: each gets a warning, so a new wording is never
 * answered with "no findings". Sentences already there before are not the
 * patch's doing.
 */
function unrecognizedLines(before: DocumentedOrder, after: DocumentedOrder): Omit<ReviewFinding, 'patch'>[] {
  const old = new Set(before.unrecognized.map((u) => statement(u.text)));
  return after.unrecognized.filter((u) => !old.has(statement(u.text))).map((u) => unrecognizedFinding(u, 'added'));
}

/** The doc-unrecognized finding for one sentence of locking.rst, placed in a patch. */
export function unrecognizedFinding(u: Unrecognized, placement: ReviewFinding['placement']): Omit<ReviewFinding, 'patch'> {
  return { ...unrecognizedInDocument(u), placement, chain: [] };
}

/** The doc-unrecognized finding for one sentence of locking.rst, placed in the document. */
function unrecognizedInDocument(u: Unrecognized): DocumentFinding {
  const raw: RawFinding = {
    outer: null,
    inner: null,
    message: u.example
      ? `this reads as an example scenario (lines ${u.line}-${u.example.endLine}, ${u.example.steps} step${u.example.steps > 1 ? 's' : ''}), not as rules: "${u.text}". kvm-review does not check an example's steps against the code; a rule it illustrates is checked where it is stated`
      : u.scopedTo
      ? `this rule is read as ${u.scopedTo.archs.join(' and ')}'s (${u.reason ?? ''}): "${u.text}". ` +
        `${u.scopedTo.unknown.map((w) => w.toLowerCase()).join(' and ')} code is checked only in a tree with ${u.scopedTo.unknown.map((w) => `arch/${w.toLowerCase()}/kvm`).join(' or ')}; ` +
        'if the label is a typo, the rule is not checked where it was meant to be'
      : `this reads like a lock-ordering rule, but kvm-review did not understand it (${u.reason ?? 'wording not understood'}): "${u.text}". It is not checked against the code, and the documented order does not include it`,
    rule: { line: u.line, text: u.text },
    rulePath: [{ line: u.line, text: u.text }],
    sites: [],
    suggestion: u.example
      ? 'nothing to change if the example only illustrates a rule stated elsewhere; state any order it relies on as a rule ("A is taken outside B")'
      : u.scopedTo
      ? 'name the architecture as its directory under arch/ does ("On x86:", "On arm64:"), or as "aarch64" or "x86_64"'
      : 'write each rule as "A is taken outside B" (a condition may follow: "... when ..."), one lock name per lock',
    arch: null,
  };
  return {
    ...raw,
    kind: 'doc-unrecognized',
    // An example was recognised as one: said once, for the record, not as something to fix.
    severity: u.example ? 'info' : 'warning',
    fingerprint: fingerprint('doc-unrecognized', raw, `locking.rst\u0000${statement(u.text)}`),
    file: DOC,
    line: u.line,
  };
}

/**
 * What `check` says about the tree's locking.rst itself, beside the audit of
 * its code: a sentence that reads like a rule but was not understood is one
 * doc-unrecognized finding (the audit ran without it), and each error the
 * document's own consistency check found (a cycle, a lock both allowed and
 * forbidden inside a kvm->srcu reader) is a doc-conflict, quoting the
 * statements involved. Nothing the reader could not use is dropped silently.
 */
export function documentFindings(doc: DocumentedOrder): DocumentFinding[] {
  const out: DocumentFinding[] = doc.unrecognized.map(unrecognizedInDocument);
  const quotes = [...doc.edges, ...doc.srcu];
  for (const p of doc.problems) {
    if (p.severity !== 'error') continue;
    const rulePath = [...new Map(quotes.filter((q) => p.lines.includes(q.line)).map((q) => [q.line, { line: q.line, text: q.text }])).values()].sort((a, b) => a.line - b.line);
    const raw: RawFinding = {
      outer: null,
      inner: null,
      message: `locking.rst contradicts itself: ${p.message}`,
      rule: rulePath[0] ?? null,
      rulePath,
      sites: [],
      suggestion: 'one of the statements is wrong: check each against the code (the other findings give the evidence), and correct the document',
      arch: null,
    };
    // Problem messages quote line numbers, which any edit above them moves: the identity leaves them out.
    out.push({ ...raw, kind: 'doc-conflict', severity: 'error', fingerprint: fingerprint('doc-conflict', raw, `locking.rst\u0000${p.kind}\u0000${p.message.replace(/\bline \d+/g, 'line')}`), file: DOC, line: p.lines[0] ?? 1 });
  }
  return out;
}

/** A removed statement has no post-image line: use the nearest statement after it. */
function nearestLine(after: DocumentedOrder, oldLine: number): number {
  const lines = after.edges.map((e) => e.line).sort((a, b) => a - b);
  return lines.find((l) => l >= oldLine) ?? lines.at(-1) ?? 1;
}
