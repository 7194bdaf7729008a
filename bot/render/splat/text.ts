/** `splat --format text`: a maintainer's answer to each report. */
import type { PlacedEdge, PlacedReport, SplatResult } from '../../../analyzers/splat/model.js';
import { cycleText, edgeText, KIND_TITLE, scenarioOfReport, verdictText } from './cycle.js';

function ruleText(e: PlacedEdge): string {
  if (!e.rule) return 'no rule in locking.rst';
  return `${e.rule.verdict} locking.rst:${e.rule.line}: "${e.rule.text}"`;
}

function edgeLines(e: PlacedEdge, tree: boolean): string[] {
  const out = [`#${e.n} ${edgeText(e)}${e.wrong ? '   <-- the wrong one' : ''}`];
  out.push(`    lockdep: ${e.outerLockdep} -> ${e.innerLockdep}`);
  out.push(`    rule: ${ruleText(e)}`);
  if (e.functions.length) out.push(`    in the tree: ${e.functions.map((f) => `${f.function}() (${f.file})`).join(', ')}`);
  if (e.notInTree.length) out.push(`    ${tree ? 'not in the tree' : 'stack'}: ${e.notInTree.join(', ')}`);
  out.push(`    ${e.site ? `site: ${e.reason}` : e.reason}`);
  if (e.site) {
    for (const step of e.site.chain) out.push(`      ${step.function}() ${step.line > 0 ? `${step.file}:${step.line}` : step.file}`);
    const c = e.site.commit;
    if (c) out.push(`    added by: ${c.sha.slice(0, 12)} ("${c.subject}"), ${c.author}, ${c.date.slice(0, 10)}`);
  }
  return out;
}

/** The answer to one report, as lines (the email renderer reuses it). */
export function reportLines(r: PlacedReport, index: number, total: number, tree = true): string[] {
  const w = r.report.where;
  const from = w.message ? `message ${w.message}${w.subject ? ` "${w.subject}"` : ''}, line ${w.line}` : `line ${w.line}`;
  const out = [`lockdep report ${index + 1} of ${total}: ${KIND_TITLE[r.kind]} (${from})${r.arch ? `, ${r.arch}` : ''}`];
  const cycle = cycleText(r);
  if (cycle) out.push(`  cycle: ${cycle}`);
  if (r.incomplete) out.push(`  ${r.incomplete}`);
  out.push(`  ${verdictText(r)}`, '');
  for (const e of r.edges) out.push(...edgeLines(e, tree).map((l) => `  ${l}`));
  if (r.edges.length) out.push('');
  if (r.locks.length) out.push('  lock classes:');
  for (const l of r.locks) out.push(`    ${l.lockdep}: ${l.class ?? '(none)'}; ${l.reason}`);
  const scenario = scenarioOfReport(r);
  if (scenario.length) out.push('', ...scenario);
  return out;
}

export function renderSplatText(result: SplatResult): string {
  const head = [`${result.reports.length} lockdep report${result.reports.length === 1 ? '' : 's'}; tree: ${result.tree ?? 'none'}; locking.rst: ${result.doc ?? 'embedded default'}`];
  for (const n of result.notes) head.push(`note: ${n}`);
  const body = result.reports.map((r, i) => reportLines(r, i, result.reports.length, result.tree !== null).join('\n'));
  return `${[head.join('\n'), ...body].join('\n\n')}\n`;
}
