/** `mbox --format text`: the review grouped by patch, readable like a maintainer's reply. */
import type { PatchReview, ReviewFinding, ReviewResult } from '../../../analyzers/review/model.js';
import { archGroups, printedFindings, stillPresent, type ArchGroup } from '../findings/arch-groups.js';
import { findingLines, PLAIN, type TextStyle } from '../findings/finding-text.js';
import { safeInput } from '../safe-text.js';
import { severityCounts } from '../findings/severity-counts.js';
import { counted, numbered } from '../../../analyzers/counted.js';
import { bareSubject } from '../../../analyzers/series/bare-subject.js';

function patchLabel(p: PatchReview, total: number): string {
  return `[PATCH ${p.index}/${Math.max(total, p.index)}] ${bareSubject(p.subject)}`;
}

function findingBlock(g: ArchGroup<ReviewFinding>, style: TextStyle, version: number): string[] {
  const f = g.finding;
  const lines = findingLines(f, style, g.archs);
  if (f.since !== undefined && f.since < version) lines.splice(1, 0, `  still present since v${f.since}`);
  const changed = f.file.endsWith('.rst') ? ' (where the patch removes it)' : ' (in a function the patch changes)';
  const where = `  at ${f.file}:${f.line}${f.placement === 'added' ? ' (added line)' : f.placement === 'changed' ? changed : ''}`;
  // The review's own location line replaces the engine's one-step "at:" line.
  return [lines[0] ?? '', where, ...lines.slice(1).filter((l) => !l.startsWith('  at: '))];
}

export function renderReviewText(input: ReviewResult, style: TextStyle = PLAIN): string {
  // Subjects, names, file names and doc lines come from strangers: no control reaches the terminal (safe-text.ts).
  const r = safeInput(input);
  const out: string[] = [];
  const against = r.mode === 'tree' ? `the kernel tree ${r.tree}` : 'the embedded locking.rst facts (no kernel tree)';
  out.push(`kvm-review: "${r.series.subject}" v${r.series.version}, ${r.series.total} patch${r.series.total === 1 ? '' : 'es'}, reviewed against ${against}`);
  if (r.series.choice) out.push(`series: ${r.series.choice}`);
  if (r.series.missing.length) out.push(`missing: patch${r.series.missing.length > 1 ? 'es' : ''} ${numbered(r.series.missing)} of ${r.series.total} not in the input`);
  if (r.degraded) out.push(`DEGRADED: ${r.degraded}`);
  // What is counted is what is printed: findings that differ only in their architecture are one block (arch-groups.ts).
  const printed = printedFindings(r.patches);
  const fixed = archGroups(r.fixed ?? []);
  if (r.previous) {
    const still = stillPresent(printed, r.series.version);
    out.push(`compared with v${r.previous.version}${r.previous.messageId ? ` <${r.previous.messageId}>` : ''}: ${counted(still, 'finding')} still present, ${fixed.length} fixed in v${r.series.version}${r.notCompared?.length ? `, ${r.notCompared.length} not compared (see the notes)` : ''}`);
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  out.push(...otherSeriesLines(r));
  if (r.patches.length === 0) out.push('', 'no patch in the input');
  for (const p of r.patches) {
    out.push('', `${style.bold(patchLabel(p, r.series.total))}${p.messageId ? `  <${p.messageId}>` : ''}`);
    if (p.status !== 'reviewed') out.push(`  ${statusWords(p)}: ${p.reason ?? ''}`);
    else if (p.reason) out.push(`  partial: ${p.reason}`);
    // The reader's doubts about the mail: the lines reviewed may not be the ones the author sent (absent in JSON from before: none).
    for (const w of p.warnings ?? []) out.push(`  input warning: ${w}`);
    for (const a of p.applyFailures) out.push(`  ${a.alreadyApplied ? 'already applied' : 'did not apply'}: ${a.file}${a.hunk ? ` ${a.hunk}` : ''}: ${a.reason}`);
    if (p.status === 'reviewed' && p.findings.length === 0) out.push('  no lock-order findings');
    const groups = archGroups(p.findings).sort((a, b) => a.finding.file.localeCompare(b.finding.file) || a.finding.line - b.finding.line);
    for (const g of groups) out.push(...findingBlock(g, style, r.series.version).map((l) => `  ${l}`), '');
    if (p.removedEdges.length) out.push(`  removes: ${p.removedEdges.map((e) => `${e.outer} -> ${e.inner}`).join(', ')}`);
  }
  if (r.previous && fixed.length) {
    out.push('', style.bold(`fixed in v${r.series.version} (reported on v${r.previous.version}):`));
    for (const { finding: f } of fixed) out.push(`  [${f.severity}: ${f.kind}] ${f.message} (v${r.previous.version} patch ${f.patch.index}, ${f.file}:${f.line})`);
  }
  out.push('', `${severityCounts(printed)} in ${r.patches.length} patch${r.patches.length === 1 ? '' : 'es'}${unreviewed(r.patches)}`);
  return out.join('\n') + '\n';
}

/** A patch's status as the reader says it: a patch that did not apply was not reviewed. */
function statusWords(p: PatchReview): string {
  return p.status === 'not-applied' ? 'not reviewed' : p.status;
}

/** ", 1 not reviewed" after the counts: zero findings in a patch nobody read is not a pass (absent in JSON from before: none). */
function unreviewed(patches: readonly PatchReview[]): string {
  const not = patches.filter((p) => p.status !== 'reviewed').length;
  const part = patches.filter((p) => p.status === 'reviewed' && p.reason).length;
  return `${not ? `, ${not} not reviewed` : ''}${part ? `, ${part} reviewed in part` : ''}`;
}

/** The input's other series, each with why it was not reviewed and its patches' statuses (absent in JSON from before 0.1: none). */
function otherSeriesLines(r: ReviewResult): string[] {
  if ((r.series.others ?? []).length === 0) return [];
  const out = ['', `other series in the input (--series N or --message-id ID reviews one):`];
  for (const c of r.series.others ?? []) {
    out.push(`  ${c.number}. ${c.label}: ${c.reason}`);
    for (const p of c.patches) out.push(`     ${p.subject}${p.messageId ? `  <${p.messageId}>` : ''}: ${p.status}${p.reason ? ` (${p.reason})` : ''}`);
  }
  return out;
}
