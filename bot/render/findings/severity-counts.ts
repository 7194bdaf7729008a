import { counted } from '../../../analyzers/counted.js';
import type { Finding } from '../../../analyzers/findings/model.js';

/** "1 error, 8 warnings, 38 info": a summary line's counts, each noun agreeing with its number. */
export function severityCounts(findings: readonly Pick<Finding, 'severity'>[]): string {
  const n = (sev: Finding['severity']): number => findings.filter((f) => f.severity === sev).length;
  return `${counted(n('error'), 'error')}, ${counted(n('warning'), 'warning')}, ${n('info')} info`;
}
