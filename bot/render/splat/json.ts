/** `splat --format json`: exactly the issue-16 contract, projected from the result. */
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
  };
}

export function renderSplatJson(result: SplatResult): string {
  return `${JSON.stringify({ reports: result.reports.map(project) }, null, 2)}\n`;
}
