/** doc-stale: a lock the document names that the indexed code never takes, asserts or releases. */
import type { RawFinding } from '../findings/model.js';
import type { RuleContext } from './context.js';
import { documentedLocks, lastAnswer } from './shared.js';

/** Locks whose name in the document is not a C expression the code can use. */
const NOT_CODE = new Set(['cpus_read_lock()']);

export function docStale(ctx: RuleContext): RawFinding[] {
  // What the answer depends on beyond the document: which of its locks the code never uses. The
  // same for every state of a review but one that adds or drops the last use of such a lock.
  const unused = [...documentedLocks(ctx)].filter((lock) => !ctx.codeClasses.has(lock) && !NOT_CODE.has(lock));
  return [...lastAnswer('doc-stale', ctx, unused, () => stale(ctx, unused))];
}

function stale(ctx: RuleContext, unused: readonly string[]): RawFinding[] {
  const out: RawFinding[] = [];
  for (const lock of unused) {
    const stmt = ctx.doc.edges.find((e) => e.outer === lock || e.inner === lock);
    const entry = ctx.doc.locks.find((l) => l.name === lock);
    const rule = stmt ? { line: stmt.line, text: stmt.text } : entry ? { line: entry.line, text: `lock table entry for ${lock}` } : null;
    out.push({
      outer: lock,
      inner: null,
      message: `locking.rst names ${lock}, but no indexed ${ctx.arch} or generic code takes it`,
      rule,
      rulePath: rule ? [rule] : [],
      sites: [],
      suggestion: `remove ${lock} from locking.rst or correct its name`,
      arch: ctx.arch,
    });
  }
  return out;
}
