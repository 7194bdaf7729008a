/**
 * Severities configured per kind: the one function that turns a finding's
 * level into the configured one, used by the engine (runRules), by the
 * commands on the findings of every family (the doc-review kinds too) and
 * by `render` on a saved result.
 *
 * A configured level replaces the kind's default. A finding the engine
 * moved away from the default for a reason of its own (an error lowered to
 * a warning because its chain is deep; doc-removed raised to an error
 * because synchronize_srcu() still runs under the lock) keeps that move in
 * its direction: configuration can lower a lowered finding further but not
 * lift it past the engine's doubt, and it cannot lower a raised one below
 * the engine's certainty. Applying a configuration is idempotent, and a
 * saved result can be reconfigured: the engine's level is kept in
 * `engineSeverity` once a configuration changed it.
 */
import type { Severity } from '../findings/model.js';
import { RULE_META, type RuleId } from './meta.js';

/** Per kind, the level its findings have instead of the default. */
export type SeverityConfig = Partial<Record<RuleId, Severity>>;

/** The lowest severity that makes a command exit 1; `never`: exit 0 whatever was found. */
export type FailLevel = Severity | 'never';

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];
export const FAIL_LEVELS: readonly FailLevel[] = [...SEVERITIES, 'never'];

/** What check, mbox, git and the bot all take, the same way. */
export interface SeverityOptions {
  /** Required: per-kind overrides (empty: the registry's defaults). */
  severities: SeverityConfig;
  /** Required: the lowest severity that fails the run (default `error`). */
  failOn: FailLevel;
}

export const DEFAULT_SEVERITY_OPTIONS: SeverityOptions = { severities: {}, failOn: 'error' };

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

export function severityRank(s: Severity): number {
  return RANK[s];
}

interface Levelled {
  kind: string;
  severity: Severity;
  /** Optional: the engine's level, kept when a configuration changed it. */
  engineSeverity?: Severity;
}

/** The configured level of one finding (a copy when it changes, the same object when not). */
export function applySeverity<T extends Levelled>(f: T, config: SeverityConfig): T {
  const configured = config[f.kind as RuleId];
  const engine = f.engineSeverity ?? f.severity;
  const meta = (RULE_META as Record<string, { severity: Severity } | undefined>)[f.kind];
  if (!meta) return f;
  let level = engine;
  if (configured) {
    const d = RANK[meta.severity];
    const e = RANK[engine];
    const c = RANK[configured];
    const rank = e === d ? c : e < d ? Math.min(c, e) : Math.max(c, e);
    level = SEVERITIES.find((s) => RANK[s] === rank) ?? engine;
  }
  if (level === f.severity) return f;
  const out: T = { ...f, severity: level };
  if (level === engine) delete out.engineSeverity;
  else out.engineSeverity = engine;
  return out;
}

export function applySeverities<T extends Levelled>(findings: readonly T[], config: SeverityConfig): T[] {
  return findings.map((f) => applySeverity(f, config));
}

/** Whether a finding of this level fails a run at `failOn`. */
export function fails(severity: Severity, failOn: FailLevel): boolean {
  return failOn !== 'never' && RANK[severity] >= RANK[failOn];
}
