/**
 * The scope a locking.rst hunk does not show. Without a tree, a rule under
 * "On x86:" whose label is above the hunk's context looks like every
 * architecture's. Two things place it as a maintainer reading the patch
 * would: the hunk's header, whose text git takes from the last line above
 * the hunk that starts with a letter ("@@ -57,6 +57,8 @@ On x86:"), and the
 * rules of its context (lines the patch leaves as they are), which the
 * embedded order states for x86 when the hunk starts under an x86 label.
 * Where neither tells, or they disagree, the scope is not known, and every
 * finding on such a rule says so, naming its line.
 */
import { listed } from '../counted.js';
import type { DocumentedOrder, Quote } from '../../knowledge/doc/model.js';
import { labelScope } from '../../knowledge/doc/reader.js';
import type { Classified, Fact } from '../../knowledge/doc/statements.js';

/**
 * A scope in force above the hunk, which it does not show: 'above', what
 * its first lines are under (a label's, or their section's); 'section',
 * the section's own, once a plain paragraph ends a label's reach.
 */
export type Unseen = 'above' | 'section';

/** The scope of an unseen region: its architectures (null: every one), and what says so. */
export interface Placed {
  archs: (string | null)[];
  /** A rule of the context (its file line and text) and the embedded order's line stating it, or the label the hunk's header names. */
  by: { context: Quote; at: number } | { header: string };
}

export type Placement = Placed | { unknown: string };

/** What placement needs of a sentence read from one side of a hunk. */
export interface PlaceSentence extends Quote {
  c: Classified;
  touched: boolean;
  unseen?: Unseen;
  notRead?: string;
  example?: unknown;
}

/** The architectures the embedded order states FACT for (null: every one), with the line of the first statement; null when it does not state it. */
function stated(doc: DocumentedOrder, f: Fact): { archs: (string | null)[]; line: number } | null {
  let found: { arch: string | null; line: number }[] = [];
  // A :Comment:'s claims are no label's: they do not tell where a label's reach is.
  if (f.kind === 'order') found = doc.edges.filter((e) => e.origin !== 'srcu' && e.origin !== 'comment' && e.outer === f.outer && e.inner === f.inner);
  else if (f.kind === 'srcu') found = doc.srcu.filter((r) => r.lock === f.lock && r.allowedInReadSide === f.allowedInReadSide);
  else if (f.kind === 'context') found = doc.contexts.filter((x) => x.context === f.context && [...x.forbidden].sort().join() === [...f.forbidden].sort().join());
  else if (f.kind === 'leaf-of') found = doc.leaves.filter((l) => l.lock === f.lock && String(l.kinds) === String(f.kinds));
  const first = found[0];
  return first ? { archs: [...new Set(found.map((x) => x.arch))], line: first.line } : null;
}

const scopeName = (archs: readonly (string | null)[]): string => (archs.includes(null) ? 'every architecture' : listed(archs.map(String)));

const NO_LABEL = 'no label or section title above it is in the hunk';

/**
 * Place each unseen region of a hunk: `sides` are the sentences of its old
 * and new side, read with what their first lines are under left unseen.
 * The region above the hunk is the same on both sides (the lines above it
 * are the patch's pre-image), so evidence from either counts; on the new
 * side only a sentence the patch leaves untouched is the pre-image's.
 */
export function placeUnseen(header: string, sides: { sentences: readonly PlaceSentence[]; preImage: boolean }[], doc: DocumentedOrder): Map<Unseen, Placement> {
  type Evidence = { archs: (string | null)[]; by: Placed['by']; said: string };
  const evidence = new Map<Unseen, Evidence[]>();
  const seen = new Set<string>();
  // What the hunk's first lines are under: the label its header names, when the header's text reads as one as the reader reads labels.
  const named = headerLabel(header);
  if (named && !named.refused) evidence.set('above', [{ archs: named.archs, by: { header: named.text }, said: `the hunk's header "${named.text}": ${scopeName(named.archs)}'s` }]);
  for (const { sentences, preImage } of sides) {
    for (const s of sentences) {
      // A rule with its own scope ("On x86, ...") or one not read tells nothing about the label above.
      if (!s.unseen || !s.c.recognized || s.c.arch || s.notRead !== undefined || s.example || (!preImage && s.touched)) continue;
      // A context line is on both sides: counted once.
      const key = `${s.unseen}\u0000${s.line}\u0000${s.text}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const all = s.c.facts.flatMap((f) => stated(doc, f) ?? []);
      if (!all.length) continue;
      const archs = [...new Set(all.flatMap((x) => x.archs))].sort();
      const list = evidence.get(s.unseen) ?? [];
      list.push({ archs, by: { context: { line: s.line, text: s.text }, at: all[0]?.line ?? 0 }, said: `line ${s.line}: ${scopeName(archs)}'s in the embedded order` });
      evidence.set(s.unseen, list);
    }
  }
  const out = new Map<Unseen, Placement>();
  for (const region of ['above', 'section'] as const) {
    const list = evidence.get(region) ?? [];
    const first = list[0];
    if (!first) {
      const header = region !== 'above' ? '' : named?.refused ? `, its header names "${named.text}", which is no label kvm-review reads a scope from` : ', its header names none';
      out.set(region, { unknown: `${NO_LABEL}${header}, and its context has no rule the embedded order states to place it by` });
      continue;
    }
    const shapes = new Set(list.map((x) => x.archs.join()));
    // A rule stated both for every architecture and for x86, or two rules scoped differently: no one scope.
    const mixed = list.find((x) => x.archs.length > 1 && x.archs.includes(null));
    if (shapes.size > 1 || mixed) {
      out.set(region, { unknown: `${NO_LABEL}, and what places it disagrees (${[...new Set(list.map((x) => x.said))].join('; ')})` });
      continue;
    }
    // The header first: it is what a reader of the patch sees.
    out.set(region, { archs: first.archs, by: first.by });
  }
  return out;
}

/**
 * The label a hunk header's text is ("@@ -57,6 +57,8 @@ On x86:"), as the
 * reader reads labels, or null. One the reader reports ("On x68:", "Not on
 * x86:") is `refused`: it places nothing, as the hunk does not show it for
 * the report to be made at its line.
 */
function headerLabel(header: string): { text: string; archs: (string | null)[]; refused: boolean } | null {
  const text = header.replace(/^@@[^@]*@@\s*/, '').trim();
  if (!text) return null;
  const scope = labelScope({ kind: 'paragraph', line: 0, lines: [text], section: '' });
  if (!scope) return null;
  return { text, archs: scope.archs ?? [scope.arch], refused: scope.unknown !== undefined || scope.loose?.negated === true };
}

/**
 * What a finding on a rule whose label the hunk does not show says of its
 * scope: where the x86 it was read as comes from, or that its scope is not
 * known and what the finding then rests on (`through`: the architecture
 * whose own rule the conflict goes through, null for rules every
 * architecture has). Empty for a rule whose scope the hunk shows or that
 * the embedded order places as every architecture's.
 */
export function scopeWords(s: { line: number; placed?: Placed; scopeUnknown?: string }, through: string | null): string {
  if (s.placed && !s.placed.archs.includes(null)) {
    const { by, archs } = s.placed;
    const whose = scopeName(archs);
    const why =
      'header' in by
        ? `the hunk's header names "${by.header}", the last line above the hunk that starts with a letter`
        : `the rule of its context at line ${by.context.line} ("${by.context.text}") is ${whose}'s in the embedded order (its line ${by.at})`;
    return `. Read as ${whose}'s rule: ${NO_LABEL}, but ${why}`;
  }
  if (s.scopeUnknown === undefined) return '';
  const holds = through
    ? `, and it conflicts only through ${through}'s own rules: this holds if the rule applies on ${through}`
    : ', and it conflicts through rules every architecture has: this holds whichever architecture it is for';
  return `. Which architecture the rule at line ${s.line} is for is not known without the tree: ${s.scopeUnknown}. It was checked against the rules of every architecture${holds}`;
}
