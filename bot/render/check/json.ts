/** `check --format json`: the whole result, the contract in the README. */
import type { CheckResult } from '../../../analyzers/findings/check-result.js';

export function renderCheckJson(r: CheckResult): string {
  return JSON.stringify(r, null, 2) + '\n';
}
