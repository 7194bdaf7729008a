/**
 * The rule registry: one line per rule. The registry, not the rule, stamps
 * the kind, the severity (configurable) and the fingerprint.
 */
import { fingerprint } from '../findings/fingerprint.js';
import type { Finding, FindingKind, RawFinding, Severity } from '../findings/model.js';
import type { RuleContext } from './context.js';
import { cycle } from './cycle.js';
import { docStale } from './doc-stale.js';
import { leafViolation } from './leaf-violation.js';
import { orderInversion } from './order-inversion.js';
import { srcuViolation } from './srcu-violation.js';
import { undocumentedOrder } from './undocumented-order.js';

export type Rule = (ctx: RuleContext) => RawFinding[];

export const RULES: Record<FindingKind, { check: Rule; severity: Severity }> = {
  'order-inversion': { check: orderInversion, severity: 'error' },
  'srcu-violation': { check: srcuViolation, severity: 'error' },
  cycle: { check: cycle, severity: 'error' },
  'undocumented-order': { check: undocumentedOrder, severity: 'info' },
  'leaf-violation': { check: leafViolation, severity: 'warning' },
  'doc-stale': { check: docStale, severity: 'warning' },
};

export function runRules(ctx: RuleContext, severities: Partial<Record<FindingKind, Severity>> = {}): Finding[] {
  const out: Finding[] = [];
  for (const [kind, rule] of Object.entries(RULES) as [FindingKind, (typeof RULES)[FindingKind]][]) {
    for (const raw of rule.check(ctx)) {
      out.push({ ...raw, kind, severity: severities[kind] ?? rule.severity, fingerprint: fingerprint(kind, raw) });
    }
  }
  return out;
}
