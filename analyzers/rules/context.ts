/** What every rule sees: the documented order, the observed order, and the architecture under review. */
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import type { LockClass } from '../../knowledge/lock-names.js';
import type { ObservedEdge } from '../order/model.js';

export interface RuleContext {
  doc: DocumentedOrder;
  /** Observed edges of code built for `arch`. */
  observed: readonly ObservedEdge[];
  /** The architecture under review (`x86`, `arm64`, ...). */
  arch: string;
  /** Every lock class the indexed code acquires, asserts or releases. */
  codeClasses: ReadonlySet<LockClass>;
}
