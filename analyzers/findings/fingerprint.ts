/**
 * Finding identity: rule, lock classes and direction, plus the function
 * where it applies (patch review) and the cycle's members as a set. Line
 * numbers are left out so that a rebase or v2 of a series keeps it.
 */
import { createHash } from 'node:crypto';
import type { FindingKind, RawFinding } from './model.js';

export function fingerprint(kind: FindingKind | string, f: Pick<RawFinding, 'outer' | 'inner' | 'cycle'>, scope = ''): string {
  const members = f.cycle ? [...new Set(f.cycle.map((l) => l.outer))].sort().join(',') : '';
  const text = [kind, f.outer ?? '', f.inner ?? '', members, scope].join('\u0000');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
