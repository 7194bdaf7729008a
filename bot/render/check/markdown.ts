/** `check --format markdown`: the audit as a GitHub-flavoured report. */
import type { RootContent, TableRow } from 'mdast';
import { u } from 'unist-builder';
import type { CheckResult } from '../../../analyzers/findings/check-result.js';
import { archGroups } from '../findings/arch-groups.js';
import { findingNodes, type FindingMarkdownOptions } from '../findings/finding-markdown.js';
import { stringifyMarkdown } from '../markdown.js';
import { severityCounts } from '../findings/severity-counts.js';

export function renderCheckMarkdown(r: CheckResult, options: FindingMarkdownOptions = {}): string {
  // Findings that differ only in their architecture are one block, counted once (arch-groups.ts), as in the review.
  const groups = archGroups(r.findings);
  const header: RootContent[] = [
    u('heading', { depth: 2 as const }, [u('text', `kvm-review check: ${r.stats.archs.join(', ')}`)]),
    u('paragraph', [u('text', `${severityCounts(groups.map((g) => g.finding))}; ${r.observed.length} observed lock-order edges in ${r.stats.files} files.`)]),
  ];
  const rows: TableRow[] = r.observed
    .filter((o) => o.blocking)
    .sort((a, b) => b.count - a.count)
    .slice(0, 30)
    .map((o) =>
      u('tableRow', [
        u('tableCell', [u('inlineCode', o.outer)]),
        u('tableCell', [u('inlineCode', o.innerOp === 'sync' ? `synchronize_srcu(&${o.inner})` : o.inner)]),
        u('tableCell', [u('text', String(o.count))]),
        u('tableCell', [u('text', o.sites[0] ? `${o.sites[0].function}() ${o.sites[0].file}:${o.sites[0].line}` : '')]),
      ]),
    );
  const table = u('table', { align: [null, null, 'right' as const, null] }, [
    u('tableRow', [u('tableCell', [u('text', 'outer')]), u('tableCell', [u('text', 'inner')]), u('tableCell', [u('text', 'sites')]), u('tableCell', [u('text', 'e.g.')])]),
    ...rows,
  ]);
  return stringifyMarkdown(
    u('root', [
      ...header,
      ...groups.flatMap((g) => findingNodes(g.finding, options, g.archs)),
      u('heading', { depth: 3 as const }, [u('text', 'Most frequent observed orders')]),
      table,
    ]),
  );
}
