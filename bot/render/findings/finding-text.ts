/**
 * One finding as a maintainer reads it in a terminal or a mail: the order
 * taken and the rule it breaks, the chain, the evidence, lockdep's
 * scenario table and what to do instead.
 */
import { scenarioLines, scenarioOf } from '../../../analyzers/findings/scenario.js';
import type { AnyFinding, CycleLink, Finding, FindingSite } from '../../../analyzers/findings/model.js';
import { evidenceLabels, ruleMeta } from '../../../analyzers/rules/meta.js';
import { archList } from './arch-groups.js';
import { assumedClause } from './evidence-words.js';

export interface TextStyle {
  bold(s: string): string;
  severity(sev: Finding['severity'], s: string): string;
}

export const PLAIN: TextStyle = { bold: (s) => s, severity: (_sev, s) => s };

/** A call chain the way KVM commit messages draw one: each callee under its caller. */
export function chainLines(site: FindingSite, indent = '    '): string[] {
  return site.chain.map((step, i) => {
    const where = step.line > 0 ? `${step.file}:${step.line}` : step.file;
    return `${indent}${i === 0 ? '' : `${'   '.repeat(i - 1)}-> `}${step.function}() ${where}`;
  });
}

/** How the site was reached, when the engine said: "through 3 calls, 1 through a function table (...); conditional: ...". */
export function reachedLine(site: FindingSite | undefined, indent = '    ', sync = false): string[] {
  const c = site?.confidence;
  if (!c) return [];
  // synchronize_srcu() is called, not taken.
  const how = c.calls === 0 ? (sync ? 'called right there' : 'taken right there') : `reached through ${c.calls} call${c.calls === 1 ? '' : 's'}`;
  const table = c.indirect.length ? `, ${c.indirect.length} through a function table (${c.indirect.join(', ')})` : '';
  const cond = c.level === 'conditional' ? `; conditional: ${c.assumed.join('; ')}` : '';
  return [`${indent}${how}${table}${cond}`];
}

/** Each link of a cycle: the statement that documents it or the code that takes it. */
export function cycleLines(cycle: readonly CycleLink[], indent = '    '): string[] {
  const out: string[] = [];
  cycle.forEach((link, i) => {
    const inner = link.sync ? `synchronize_srcu(&${link.inner})` : link.inner;
    out.push(`${indent}#${i} ${link.outer} -> ${inner}`);
    if (link.rule) out.push(`${indent}     documented, locking.rst:${link.rule.line}  "${link.rule.text}"`);
    else if (link.site) out.push(...chainLines(link.site, `${indent}     `), ...reachedLine(link.site, `${indent}     `, link.sync === true));
  });
  return out;
}

function siteList(sites: FindingSite[], count: number, max = 3): string {
  const names = [...new Set(sites.map((s) => `${s.function}()`))].slice(0, max);
  const more = count > names.length ? `, ... (${count} sites)` : '';
  return names.join(', ') + more;
}

/** The labels are written for several sites ("take X inside Y"); one site "takes". */
export function singular(label: string): string {
  return label.replace(/^(\S+)/, (w) => (/(s|sh|ch|x|o)$/.test(w) ? `${w}es` : `${w}s`));
}

/** `archs`: every architecture the printed finding stands for (arch-groups.ts); default its own. */
export function findingLines(f: AnyFinding, style: TextStyle = PLAIN, archs: readonly string[] = f.arch ? [f.arch] : []): string[] {
  const meta = ruleMeta(f.kind);
  const out: string[] = [];
  const arch = archs.length ? ` [${archList(archs)}]` : '';
  out.push(`${style.severity(f.severity, f.severity)}: ${style.bold(f.kind)}${arch}: ${f.message}`);
  if (f.rulePath.length) {
    out.push('  documented:');
    for (const r of f.rulePath) out.push(`    locking.rst:${r.line}  "${r.text}"`);
  }
  const first = f.sites[0];
  if (meta.cycleIsChain && f.cycle) {
    out.push('  the dependency chain:');
    out.push(...cycleLines(f.cycle));
  } else if (first && first.chain.length > 1) {
    out.push('  chain:');
    out.push(...chainLines(first), ...reachedLine(first));
  } else if (first) {
    out.push(`  at: ${first.function}() ${first.file}:${first.line}`);
  }
  if (f.evidence) {
    const { against, agreeing } = f.evidence;
    const labels = evidenceLabels(f);
    const plural = (n: number): string => `${n} site${n === 1 ? '' : 's'}`;
    const what = (count: number, label: string): string => (count === 1 ? singular(label) : label);
    const line = `  evidence: ${plural(against.count)} ${what(against.count, labels.against)} (${siteList(against.sites, against.count)})${assumedClause(against)}`;
    out.push(agreeing.count ? `${line}; ${plural(agreeing.count)} ${what(agreeing.count, labels.agreeing)} (${siteList(agreeing.sites, agreeing.count)})` : `${line}; none ${labels.agreeing}`);
  }
  if (f.cycle && f.cycle.length > 1 && meta.scenario) {
    out.push('', ...scenarioLines(scenarioOf(f.cycle)).map((l) => (l ? `  ${l}` : l)));
  }
  if (f.note) out.push(`  note: ${f.note}`);
  out.push(`  suggestion: ${f.suggestion}`);
  return out;
}
