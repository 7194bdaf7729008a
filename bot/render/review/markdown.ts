/** `mbox --format markdown`: the review as a GitHub-flavoured comment, built as an mdast tree. */
import type { RootContent } from 'mdast';
import { u } from 'unist-builder';
import type { ReviewResult } from '../../../analyzers/review/model.js';
import { archGroups, printedFindings, stillPresent } from '../findings/arch-groups.js';
import { findingNodes, type FindingMarkdownOptions } from '../findings/finding-markdown.js';
import { stringifyMarkdown } from '../markdown.js';
import { counted, numbered } from '../../../analyzers/counted.js';
import { bareSubject } from '../../../analyzers/series/bare-subject.js';

export function renderReviewMarkdown(r: ReviewResult, options: FindingMarkdownOptions = {}): string {
  const nodes: RootContent[] = [
    u('heading', { depth: 2 as const }, [u('text', `kvm-review: ${r.series.subject} (v${r.series.version})`)]),
  ];
  if (r.degraded) nodes.push(u('blockquote', [u('paragraph', [u('strong', [u('text', 'Degraded:')]), u('text', ` ${r.degraded}`)])]));
  // What is counted is what is printed: findings that differ only in their architecture are one block (arch-groups.ts).
  const fixed = archGroups(r.fixed ?? []);
  if (r.previous) {
    const still = stillPresent(printedFindings(r.patches), r.series.version);
    nodes.push(u('paragraph', [u('text', `Compared with v${r.previous.version}${r.previous.messageId ? ` <${r.previous.messageId}>` : ''}: ${counted(still, 'finding')} still present, ${fixed.length} fixed in v${r.series.version}${r.notCompared?.length ? `, ${r.notCompared.length} not compared (see the notes)` : ''}.`)]));
  }
  if (r.series.missing.length) nodes.push(u('paragraph', [u('text', `Missing from the input: patch${r.series.missing.length > 1 ? 'es' : ''} ${numbered(r.series.missing)} of ${r.series.total}.`)]));
  // Input-level notes (the reader's warnings, messages that were not patches, files not indexed), as the text format prints them.
  if (r.notes.length) nodes.push(u('paragraph', [u('text', 'Notes:')]), u('list', { ordered: false, spread: false }, r.notes.map((n) => u('listItem', { spread: false }, [u('paragraph', [u('text', n)])]))));
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
    nodes.push(u('heading', { depth: 3 as const }, [u('text', `${p.index}/${r.series.total}: ${bareSubject(p.subject)}`)]));
    if (p.status !== 'reviewed') nodes.push(u('paragraph', [u('emphasis', [u('text', `${p.status === 'not-applied' ? 'not reviewed' : p.status}: ${p.reason ?? ''}`)])]));
    // What was not reviewed of a reviewed patch (a failed hunk, a binary change): "no findings" alone would overstate it.
    else if (p.reason) nodes.push(u('paragraph', [u('emphasis', [u('text', `partial: ${p.reason}`)])]));
    // The reader's doubts about the mail: the lines reviewed may not be the ones the author sent (absent in JSON from before: none).
    const warnings = p.warnings ?? [];
    if (warnings.length) {
      nodes.push(u('paragraph', [u('strong', [u('text', `Input warning${warnings.length > 1 ? 's' : ''}:`)])]));
      nodes.push(u('list', { ordered: false, spread: false }, warnings.map((w) => u('listItem', { spread: false }, [u('paragraph', [u('text', w)])]))));
    }
    // Each hunk that did not land, and where the tree already has the ones it has: what "not reviewed" and "partial" stand on.
    if (p.applyFailures.length) {
      nodes.push(
        u(
          'list',
          { ordered: false, spread: false },
          p.applyFailures.map((a) => u('listItem', { spread: false }, [u('paragraph', [u('text', `${a.alreadyApplied ? 'Already applied' : 'Did not apply'}: `), u('inlineCode', a.hunk ? `${a.file} ${a.hunk}` : a.file), u('text', `: ${a.reason}`)])])),
        ),
      );
    }
    if (p.status === 'reviewed' && p.findings.length === 0) nodes.push(u('paragraph', [u('text', 'No lock-order findings.')]));
    for (const { finding: f, archs } of archGroups(p.findings)) {
      const since = f.since !== undefined && f.since < r.series.version ? [u('text', ` (still present since v${f.since})`)] : [];
      nodes.push(u('paragraph', [u('inlineCode', `${f.file}:${f.line}`), ...since]));
      nodes.push(...findingNodes(f, options, archs));
    }
  }
  if (r.previous && fixed.length) {
    nodes.push(u('heading', { depth: 3 as const }, [u('text', `Fixed in v${r.series.version} (reported on v${r.previous.version})`)]));
    nodes.push(u('list', { ordered: false, spread: false }, fixed.map(({ finding: f }) => u('listItem', { spread: false }, [u('paragraph', [u('text', `${f.severity}: ${f.kind}: ${f.message} (v${r.previous?.version ?? ''} patch ${f.patch.index}, `), u('inlineCode', `${f.file}:${f.line}`), u('text', ')')])]))));
  }
  return stringifyMarkdown(u('root', nodes));
}
