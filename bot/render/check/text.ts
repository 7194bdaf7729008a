/** `check --format text`: findings by severity, then the figures. */
import type { CheckResult } from '../../../analyzers/findings/check-result.js';
import type { Finding } from '../../../analyzers/findings/model.js';
import { archGroups } from '../findings/arch-groups.js';
import { findingLines, PLAIN, type TextStyle } from '../findings/finding-text.js';
import { safeInput } from '../safe-text.js';
import { severityCounts } from '../findings/severity-counts.js';

const ORDER: Finding['severity'][] = ['error', 'warning', 'info'];

export function renderCheckText(input: CheckResult, style: TextStyle = PLAIN): string {
  // File and function names and doc lines come from the tree: no control reaches the terminal (safe-text.ts).
  const r = safeInput(input);
  const s = r.stats;
  const out: string[] = [
    `kvm-review check: ${s.tree} (${s.archs.join(', ')}) against ${r.doc.path ?? `the embedded default (${r.doc.revision ?? ''})`}`,
    '',
  ];
  // Findings that differ only in their architecture are one block, counted once (arch-groups.ts), as in the review.
  const groups = archGroups(r.findings).sort((a, b) => ORDER.indexOf(a.finding.severity) - ORDER.indexOf(b.finding.severity) || a.finding.kind.localeCompare(b.finding.kind));
  for (const g of groups) out.push(...findingLines(g.finding, style, g.archs), '');
  out.push(
    severityCounts(groups.map((g) => g.finding)),
    `indexed ${s.files} files (${(s.bytes / 1e6).toFixed(1)} MB): ${s.functions.clean} functions parsed cleanly, ${s.functions.damaged} with parse errors, ${s.functions.skipped} skipped`,
    `observed ${r.observed.length} lock-order edges (${r.observed.filter((o) => o.confidence === 'conditional').length} conditional: every site assumes something); ${s.unresolvedLocks} lock arguments without a class, ${s.unresolvedCalls} calls outside the index or through pointers (counted each time a summary follows one), ${s.truncatedSummaries} summaries cut by recursion`,
    `cache: ${s.cache.dir ? `${s.cache.hits} hits, ${s.cache.misses} misses in ${s.cache.dir}` : 'off'}; index ${s.ms.index} ms, analysis ${s.ms.analyse} ms`,
  );
  // Chains an invariant removed are not shown anywhere else: say what was relied on, and where the code establishes it.
  for (const inv of s.invariants ?? []) out.push(`  relied on: ${inv.statement} (${inv.source}); ${inv.sitesLeftOut} call sites or acquisitions left out`);
  for (const sk of s.skipped.slice(0, 10)) out.push(`  skipped ${sk.file}:${sk.line} ${sk.name ?? '(unnamed)'}: ${sk.reason}`);
  if (s.skipped.length > 10) out.push(`  ... and ${s.skipped.length - 10} more skipped (see --format json)`);
  return out.join('\n') + '\n';
}
