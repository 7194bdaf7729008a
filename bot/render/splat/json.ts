/** `splat --format json`: the issue-16 contract, with review's `warnings[]` per report and `notes[]` at the top, projected from the result. */
import type { PlacedReport, SplatResult } from '../../../analyzers/splat/model.js';

function project(r: PlacedReport): unknown {
  return {
    kind: r.kind,
    locks: r.locks.map((l) => ({ lockdep: l.lockdep, class: l.class })),
    edges: r.edges.map((e) => ({
      n: e.n,
      outer: e.outer,
      inner: e.inner,
      outerLockdep: e.outerLockdep,
      innerLockdep: e.innerLockdep,
      functions: e.functions.map((f) => ({ function: f.function, file: f.file })),
      notInTree: e.notInTree,
      site: e.site,
      reason: e.reason,
      rule: e.rule ? { line: e.rule.line, text: e.rule.text, verdict: e.rule.verdict } : null,
      wrong: e.wrong,
    })),
    wrongEdge: r.wrongEdge,
    // What the reader must know about this report as read (a cut chain, lock lines not read), as review's per-patch warnings[].
    warnings: r.incomplete ? [r.incomplete] : [],
  };
}

export function renderSplatJson(result: SplatResult): string {
  // notes: the input-level notes the text format prints (no tree; lockdep reports of kinds not read; --repo blame failures).
  return `${JSON.stringify({ reports: result.reports.map(project), notes: result.notes }, null, 2)}\n`;
}
