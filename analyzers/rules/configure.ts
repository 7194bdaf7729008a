/**
 * Configured severities applied to a whole result: the step `check`,
 * `mbox`, `git`, `render` and the bot run between the engine and the
 * renderer, with the same SeverityConfig. Pure; results are copied.
 */
import type { CheckResult } from '../findings/check-result.js';
import type { ReviewResult } from '../review/model.js';
import { applySeverities, type SeverityConfig } from './severity.js';

export function configureReview(result: ReviewResult, severities: SeverityConfig): ReviewResult {
  return { ...result, patches: result.patches.map((p) => ({ ...p, findings: applySeverities(p.findings, severities) })) };
}

export function configureCheck(result: CheckResult, severities: SeverityConfig): CheckResult {
  return { ...result, findings: applySeverities(result.findings, severities) };
}
