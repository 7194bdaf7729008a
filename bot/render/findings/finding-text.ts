/**
 * One finding as a maintainer reads it in a terminal or a mail: the order
 * taken and the rule it breaks, the chain, the evidence, lockdep's
 * scenario table and what to do instead.
 */
import { scenarioLines, scenarioOf } from '../../../analyzers/findings/scenario.js';
import type { Finding, FindingSite } from '../../../analyzers/findings/model.js';

export interface TextStyle {
  bold(s: string): string;
  severity(sev: Finding['severity'], s: string): string;
}

export const PLAIN: TextStyle = { bold: (s) => s, severity: (_sev, s) => s };

export function chainLines(site: FindingSite, indent = '    '): string[] {
  return site.chain.map((step, i) => `${indent}${i === 0 ? '' : '-> '.padStart(3 + 2 * (i - 1) + 3)}${step.function}() ${step.file}:${step.line}`);
}

function siteList(sites: FindingSite[], count: number, max = 3): string {
  const names = [...new Set(sites.map((s) => `${s.function}()`))].slice(0, max);
  const more = count > names.length ? `, ... (${count} sites)` : '';
  return names.join(', ') + more;
}

export function findingLines(f: Finding, style: TextStyle = PLAIN): string[] {
  const out: string[] = [];
  const arch = f.arch ? ` [${f.arch}]` : '';
  out.push(`${style.severity(f.severity, f.severity)}: ${style.bold(f.kind)}${arch}: ${f.message}`);
  if (f.rulePath.length) {
    out.push('  documented:');
    for (const r of f.rulePath) out.push(`    locking.rst:${r.line}  "${r.text}"`);
  }
  const first = f.sites[0];
  if (first && first.chain.length > 1) {
    out.push('  chain:');
    out.push(...chainLines(first));
  } else if (first) {
    out.push(`  at: ${first.function}() ${first.file}:${first.line}`);
  }
  if (f.evidence) {
    const { against, agreeing } = f.evidence;
    const line = `  evidence: ${against.count} site${against.count === 1 ? '' : 's'} take${against.count === 1 ? 's' : ''} ${f.inner} inside ${f.outer} (${siteList(against.sites, against.count)})`;
    out.push(agreeing.count ? `${line}; ${agreeing.count} take it the other way (${siteList(agreeing.sites, agreeing.count)})` : `${line}; none take it the other way`);
  }
  if (f.cycle && f.cycle.length > 1 && (f.kind === 'order-inversion' || f.kind === 'srcu-violation' || f.kind === 'cycle')) {
    out.push('', '  Possible unsafe locking scenario:', '');
    out.push(...scenarioLines(scenarioOf(f.cycle)).map((l) => `  ${l}`));
  }
  out.push(`  suggestion: ${f.suggestion}`);
  return out;
}
