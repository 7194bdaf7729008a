/**
 * The one "observe, then run the rules" step for one architecture, as it
 * is built (its arch/<a>/ files plus generic code). `check` (audit.ts) and
 * the review's state analysis both call it, so a rule never sees a
 * different picture of the code in the two commands.
 *
 * An exception inside it is caught and returned with the architecture:
 * one architecture's failure is reported on what it affects, and the
 * other architectures are still analysed.
 */
import type { COpsEntry } from './c/ops-tables.js';
import type { DocumentedOrder } from '../knowledge/doc/model.js';
import type { LockClass } from '../knowledge/lock-names.js';
import type { Finding, FindingKind, Severity } from './findings/model.js';
import { archOf } from './index/files.js';
import type { FunctionFacts } from './locks/model.js';
import type { ObservedEdge } from './order/model.js';
import { observeOrder } from './order/observe.js';
import { runRules } from './rules/index.js';

export interface ArchInput {
  arch: string;
  /** Every function of the state; those not built for `arch` are left out here. */
  functions: readonly FunctionFacts[];
  ops: readonly COpsEntry[];
  doc: DocumentedOrder;
  /** Every class the code of the state takes (doc-stale's view: all architectures). */
  codeClasses: Set<LockClass>;
  severities?: Partial<Record<FindingKind, Severity>>;
}

export interface ArchAnalysis {
  arch: string;
  edges: ObservedEdge[];
  findings: Finding[];
  /** Calls to functions the index does not have, summed. */
  unresolvedCalls: number;
  /** Function summaries cut at their depth limit. */
  truncatedSummaries: number;
  /** Call sites and acquisitions an invariant (knowledge/invariants.ts) left out, by invariant id. */
  ruledOut: Record<string, number>;
  /** Set when the analysis threw: what failed. Edges and findings are then empty. */
  error?: string;
}

const builtFor = (arch: string) => (file: string): boolean => {
  const a = archOf(file);
  return a === null || a === arch;
};

export function analyseArch(input: ArchInput): ArchAnalysis {
  const inArch = builtFor(input.arch);
  try {
    const order = observeOrder(
      input.functions.filter((fn) => inArch(fn.file)),
      input.ops.filter((o) => inArch(o.file)),
    );
    const findings = runRules({ doc: input.doc, observed: order.edges, arch: input.arch, codeClasses: input.codeClasses }, input.severities);
    return {
      arch: input.arch,
      edges: order.edges,
      findings,
      unresolvedCalls: [...order.index.unresolved.values()].reduce((a, b) => a + b, 0),
      truncatedSummaries: order.summaries.truncated.size,
      ruledOut: Object.fromEntries(order.summaries.ruledOut),
    };
  } catch (e) {
    return { arch: input.arch, edges: [], findings: [], unresolvedCalls: 0, truncatedSummaries: 0, ruledOut: {}, error: e instanceof Error ? e.message : String(e) };
  }
}
