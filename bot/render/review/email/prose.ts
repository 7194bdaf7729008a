/**
 * The reply's prose: what a KVM reviewer writes under a quoted line. Each
 * finding becomes a comment (what is wrong, the rule, the chain, the
 * evidence, lockdep's scenario, what to do); what a kind shows comes from
 * the rule registry. Prose is wrapped at 72 columns; chains, rule quotes and
 * the scenario table are indented and never wrapped (a mail client that
 * reflows leaves indented lines alone too).
 */
import { scenarioLines, scenarioOf } from '../../../../analyzers/findings/scenario.js';
import type { Evidence, EvidenceSide, FindingSite } from '../../../../analyzers/findings/model.js';
import type { ReviewFinding, ReviewResult } from '../../../../analyzers/review/model.js';
import type { ChainStep } from '../../../../analyzers/order/model.js';
import { evidenceLabels, ruleMeta } from '../../../../analyzers/rules/meta.js';
import { archWords } from '../../findings/arch-groups.js';
import { assumedClause } from '../../findings/evidence-words.js';
import { chainLines, cycleLines } from '../../findings/finding-text.js';

/** Kernel mail is read in 80-column terminals; 72 leaves room for a few levels of `> ` when others reply. */
export const WIDTH = 72;
export const DOC_FILE = 'Documentation/virt/kvm/locking.rst';

/** Greedy word wrap; a word longer than the line stays whole (a path must not be cut). */
export function wrap(text: string, first = '', rest = first, width = WIDTH): string[] {
  const out: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (!empty && line.length + 1 + word.length > width) {
      out.push(line);
      line = rest + word;
    } else {
      line += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  out.push(line);
  return out;
}

/** A message as a sentence: capitalised unless it starts with an identifier (`kvm->lock`), closed with a period. */
export function sentence(s: string): string {
  const t = s.trim();
  const capital = /^[a-z]+\b(?![-(>_.])/.test(t) ? t.charAt(0).toUpperCase() + t.slice(1) : t;
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** "takes" for one site, "take" for several: the labels are written for the plural. */
function verb(label: string, count: number): string {
  if (count !== 1) return label;
  return label.replace(/^(\S+)/, (w) => (/(s|sh|ch|x|o)$/.test(w) ? `${w}es` : `${w}s`));
}

function functionNames(sites: FindingSite[], max = 4): string {
  const fns = [...new Set(sites.map((s) => `${s.function}()`))];
  return fns.slice(0, max).join(', ') + (fns.length > max ? ', ...' : '');
}

function chainSite(chain: ChainStep[]): FindingSite {
  const first = chain[0];
  return { file: first?.file ?? '', line: first?.line ?? 0, function: first?.function ?? '', chain };
}

function sameChain(a: ChainStep[], b: ChainStep[]): boolean {
  return a.length === b.length && a.every((s, i) => s.function === b[i]?.function && s.line === b[i]?.line && s.file === b[i]?.file);
}

/** One side of the evidence as a clause, and the chain of its first site when the order is taken through calls. */
function evidenceSide(side: EvidenceSide, label: string, shown: ChainStep[][]): { clause: string; chain: string[] } {
  if (side.count === 0) return { clause: `no site ${verb(label, 1)}`, chain: [] };
  const first = side.sites[0];
  const draw = first && first.chain.length > 1 && !shown.some((c) => sameChain(c, first.chain));
  const names = side.sites.length ? ` (${functionNames(side.sites)})` : '';
  const clause = `${side.count} site${side.count === 1 ? '' : 's'} ${verb(label, side.count)}${names}${assumedClause(side)}`;
  if (!draw || !first) return { clause, chain: [] };
  shown.push(first.chain);
  return { clause, chain: chainLines(first, '  ') };
}

/** Sean's "many instances one way, none the other": both sides in one paragraph, unless a chain goes under the first. */
function evidenceLines(f: ReviewFinding, evidence: Evidence, where: string, shown: ChainStep[][]): string[] {
  const labels = evidenceLabels(f);
  const a = evidenceSide(evidence.against, labels.against, shown);
  const b = evidenceSide(evidence.agreeing, labels.agreeing, shown);
  const example = (chain: string[]): string => (chain.length ? ', for example:' : '.');
  const tail = (chain: string[]): string[] => (chain.length ? ['', ...chain] : []);
  if (a.chain.length === 0) return [...wrap(`${where}${a.clause}; ${b.clause}${example(b.chain)}`), ...tail(b.chain)];
  return [...wrap(`${where}${a.clause}${example(a.chain)}`), ...tail(a.chain), '', ...wrap(sentence(b.clause).replace(/\.$/, example(b.chain))), ...tail(b.chain)];
}

/** The documented statements, each with its locking.rst line; the line just quoted is named, not repeated. */
function ruleLines(f: ReviewFinding, quotedLine: number | null): string[] {
  const seen = new Set<string>();
  const rules = (f.rulePath.length ? f.rulePath : f.rule ? [f.rule] : []).filter((r) => {
    const key = `${r.line}\u0000${r.text}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
  const isQuoted = (line: number): boolean => f.file === DOC_FILE && line === quotedLine;
  const shown = rules.filter((r) => !isQuoted(r.line));
  if (shown.length === 0) return [];
  if (rules.length === 1 && shown[0]) return [`locking.rst:${shown[0].line} says:`, '', ...wrap(`"${shown[0].text}"`, '  ')];
  const out = ['locking.rst says:', ''];
  for (const r of rules) {
    const head = `  line ${r.line}: `;
    out.push(...(isQuoted(r.line) ? [`${head}the line quoted above`] : wrap(`"${r.text}"`, head, ' '.repeat(head.length))));
  }
  return out;
}

/** The comment under the quoted line: what is wrong, the rule, the chain, the evidence, the scenario, what to do. */
/** `archs`: every architecture the comment stands for (arch-groups.ts); default the finding's own. */
export function commentLines(f: ReviewFinding, quotedLine: number | null, mode: ReviewResult['mode'], archs: readonly string[] = f.arch ? [f.arch] : []): string[] {
  const meta = ruleMeta(f.kind);
  const blocks: string[][] = [wrap(sentence(f.message))];
  const rules = ruleLines(f, quotedLine);
  if (rules.length) blocks.push(rules);
  const shown: ChainStep[][] = [];
  if (meta.cycleIsChain && f.cycle?.length) {
    blocks.push(['The dependency chain:', '', ...cycleLines(f.cycle, '  ')]);
  } else if (f.chain.length > 1) {
    shown.push(f.chain);
    blocks.push(['Call chain:', '', ...chainLines(chainSite(f.chain), '  ')]);
  }
  if (f.evidence) blocks.push(evidenceLines(f, f.evidence, mode === 'tree' ? 'In the tree, ' : 'In the hunks, ', shown));
  if (f.cycle && f.cycle.length > 1 && meta.scenario) {
    blocks.push(scenarioLines(scenarioOf(f.cycle)));
  }
  if (f.note) blocks.push(wrap(sentence(`Note: ${f.note}`)));
  blocks.push(wrap(sentence(f.suggestion)));
  blocks.push([`[${f.severity}: ${f.kind}${archs.length ? `, ${archWords(archs)} only` : ''}]`]);
  return blocks.flatMap((b, i) => (i ? ['', ...b] : b));
}
