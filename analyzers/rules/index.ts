/**
 * The rule registry: one line per rule. The registry, not the rule, stamps
 * the kind, the severity (configurable) and the fingerprint.
 */
import { fingerprint } from '../findings/fingerprint.js';
import type { Finding, FindingKind, RawFinding, Severity } from '../findings/model.js';
import type { LockClass } from '../../knowledge/lock-names.js';
import type { FunctionFacts } from '../locks/model.js';
import type { RuleContext } from './context.js';
import { cycle } from './cycle.js';
import { docStale } from './doc-stale.js';
import { leafViolation } from './leaf-violation.js';
import { orderInversion } from './order-inversion.js';
import { srcuViolation } from './srcu-violation.js';
import { undocumentedOrder } from './undocumented-order.js';
import { RULE_META, rulePage } from './meta.js';
import { applySeverity, type SeverityConfig } from './severity.js';

export type Rule = (ctx: RuleContext) => RawFinding[];

/** Every lock class code takes, asserts or releases: what doc-stale checks the documented locks against. */
export function codeClasses(functions: readonly FunctionFacts[]): Set<LockClass> {
  const out = new Set<LockClass>();
  for (const fn of functions) {
    for (const a of fn.acquires) out.add(a.lock.class);
    for (const r of fn.requires) out.add(r.class);
    for (const r of fn.releasesCallers) out.add(r.class);
  }
  return out;
}

/** Each rule's documentation page (kept for callers; the registry in meta.ts is the source). */
export const ruleDocPath = rulePage;

/** The engine rules: one line each; title, default severity and page are in meta.ts. */
export const RULES: Record<FindingKind, { check: Rule; severity: Severity }> = {
  'order-inversion': { check: orderInversion, severity: RULE_META['order-inversion'].severity },
  'srcu-violation': { check: srcuViolation, severity: RULE_META['srcu-violation'].severity },
  cycle: { check: cycle, severity: RULE_META.cycle.severity },
  'undocumented-order': { check: undocumentedOrder, severity: RULE_META['undocumented-order'].severity },
  'leaf-violation': { check: leafViolation, severity: RULE_META['leaf-violation'].severity },
  'doc-stale': { check: docStale, severity: RULE_META['doc-stale'].severity },
};

/**
 * Each call in a chain is a branch the static walk assumed taken; past this
 * many, an error is reported as a warning asking for the path to be checked
 * (arm64's vgic_lazy_init() takes config_lock only before the vgic is set up,
 * ten calls below a guest abort).
 */
export const DEEP_CHAIN = 8;

/**
 * What the evidence a finding rests on had to assume: the first site (full-
 * confidence sites sort first, so it is conditional only when all are), or
 * each observed link of a cycle, plus a chain longer than DEEP_CHAIN.
 */
function assumptions(raw: RawFinding): string[] {
  const sites = raw.cycle ? raw.cycle.flatMap((l) => (l.site ? [l.site] : [])) : raw.sites.slice(0, 1);
  const out: string[] = [];
  for (const s of sites) for (const a of s.confidence?.assumed ?? []) if (!out.includes(a)) out.push(a);
  const depth = Math.max(0, ...sites.map((s) => s.chain.length));
  if (depth > DEEP_CHAIN) out.push(`the evidence goes through ${depth} calls`);
  return out;
}

/**
 * Run every rule: each finding gets its kind's default severity, the
 * engine's own adjustments (a deep chain lowers an error), then the
 * configured severities through the one function every command uses.
 */
export function runRules(ctx: RuleContext, severities: SeverityConfig = {}): Finding[] {
  const out: Finding[] = [];
  for (const [kind, rule] of Object.entries(RULES) as [FindingKind, (typeof RULES)[FindingKind]][]) {
    for (const raw of rule.check(ctx)) {
      // A rule's answer kept with an edge (perEdge()) comes back as the same object: so does its finding,
      // copied, so that what a caller sets on one state's finding is not on the next one's.
      const known = findingsKnown.get(raw);
      if (known?.kind === kind) {
        out.push(applySeverity({ ...known }, severities));
        continue;
      }
      let severity = rule.severity;
      const assumed = assumptions(raw);
      const finding: Finding = { ...raw, kind, severity, fingerprint: fingerprint(kind, raw) };
      // An error rests on full-confidence evidence; conditional evidence makes a warning that says what it assumed.
      if (assumed.length) {
        if (severity === 'error') {
          severity = 'warning';
          finding.severity = severity;
        }
        // Whatever its severity, a finding says what its evidence assumed.
        finding.note = `${assumed.join('; ')}; check that the path is feasible before trusting it`;
      }
      if (raw.guessed?.length) {
        const guess = `the class of ${raw.guessed.join(' and ')} comes from a variable's name, not its declared type`;
        finding.note = finding.note ? `${finding.note}; ${guess}` : guess;
      }
      findingsKnown.set(raw, { ...finding });
      out.push(applySeverity(finding, severities));
    }
  }
  return out;
}
const findingsKnown = new WeakMap<RawFinding, Finding>();
