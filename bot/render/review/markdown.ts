/** `mbox --format markdown`: the review as a GitHub-flavoured comment, built as an mdast tree. */
import type { RootContent } from 'mdast';
import { u } from 'unist-builder';
import type { ReviewResult } from '../../../analyzers/review/model.js';
import { findingNodes, type FindingMarkdownOptions } from '../findings/finding-markdown.js';
import { stringifyMarkdown } from '../markdown.js';

export function renderReviewMarkdown(r: ReviewResult, options: FindingMarkdownOptions = {}): string {
  const nodes: RootContent[] = [
    u('heading', { depth: 2 as const }, [u('text', `kvm-review: ${r.series.subject} (v${r.series.version})`)]),
  ];
  if (r.degraded) nodes.push(u('blockquote', [u('paragraph', [u('strong', [u('text', 'Degraded:')]), u('text', ` ${r.degraded}`)])]));
  if (r.series.missing.length) nodes.push(u('paragraph', [u('text', `Missing from the input: patch ${r.series.missing.join(', ')} of ${r.series.total}.`)]));
  if ((r.series.others ?? []).length) {
    // Which other postings the input held, and why this one was reviewed instead.
    nodes.push(u('paragraph', [u('text', `Other series in the input, not reviewed${r.series.choice ? ` (${r.series.choice})` : ''}:`)]));
    nodes.push(
      u(
        'list',
        { ordered: false, spread: false },
        (r.series.others ?? []).map((c) => u('listItem', { spread: false }, [u('paragraph', [u('text', `${c.label}: ${c.reason}; ${c.patches.map((p) => `${p.index} ${p.status}`).join(', ')}`)])])),
      ),
    );
  }
  for (const p of r.patches) {
    nodes.push(u('heading', { depth: 3 as const }, [u('text', `${p.index}/${r.series.total}: ${p.subject.replace(/^\[[^\]]*\]\s*/, '')}`)]));
    if (p.status !== 'reviewed') nodes.push(u('paragraph', [u('emphasis', [u('text', `${p.status}: ${p.reason ?? ''}`)])]));
    if (p.status === 'reviewed' && p.findings.length === 0) nodes.push(u('paragraph', [u('text', 'No lock-order findings.')]));
    for (const f of p.findings) {
      nodes.push(u('paragraph', [u('inlineCode', `${f.file}:${f.line}`)]));
      nodes.push(...findingNodes(f, options));
    }
  }
  return stringifyMarkdown(u('root', nodes));
}
