/**
 * How a side of the evidence is counted in words, shared by every renderer
 * so the text, the mail, markdown and SARIF count the same sites.
 */
import type { EvidenceSide } from '../../../analyzers/findings/model.js';

/** ", 1 of them resting on an assumption" after a site count ("" when every site takes the order outright). */
export function assumedClause(side: EvidenceSide): string {
  const n = side.assumed ?? 0;
  if (n === 0) return '';
  if (n >= side.count) return side.count === 1 ? ', resting on an assumption' : ', all resting on an assumption';
  return `, ${n} of them resting on an assumption`;
}
