/**
 * Consistency of the document with itself: a cycle in the stated order, a
 * lock both allowed and forbidden inside an SRCU reader, locks in the order
 * but not in the table (or the other way round), one lock under two names.
 */
import type { LockClass } from '../lock-names.js';
import type { DocProblem, DocumentedOrder, OrderEdge } from './model.js';
import { findCycles, edgesFor } from './order-graph.js';

function describeEdge(e: OrderEdge): string {
  if (e.srcu === 'synchronize') return `synchronize_srcu(&kvm->srcu) is called under ${e.outer} (line ${e.line})`;
  if (e.srcu === 'read-side') return `${e.inner} is taken inside a kvm->srcu reader (line ${e.line})`;
  return `${e.outer} -> ${e.inner} (line ${e.line})`;
}

function cycleProblems(order: DocumentedOrder): DocProblem[] {
  const archs = new Set<string | undefined>([undefined]);
  for (const e of order.edges) if (e.arch) archs.add(e.arch);
  const seen = new Set<string>();
  const problems: DocProblem[] = [];
  for (const arch of archs) {
    const scoped = arch === undefined ? order.edges.filter((e) => e.arch === null) : edgesFor(order.edges, arch);
    for (const cycle of findCycles(scoped)) {
      // An edge's architecture is part of the key: a rule under "On x86 and arm64:" closes one cycle on each,
      // while a cycle of generic rules, found again in each architecture's scope, is one.
      const key = cycle.map((e) => `${e.outer}>${e.inner}@${e.arch ?? ''}`).sort().join('|');
      if (seen.has(key)) continue;
      seen.add(key);
      const locks = [...cycle.map((e) => e.outer), cycle[0]?.outer ?? ''];
      problems.push({
        kind: 'cycle',
        severity: 'error',
        message: `the documented order is cyclic${arch ? ` on ${arch}` : ''}: ${locks.join(' -> ')}; ${cycle.map(describeEdge).join('; ')}`,
        lines: [...new Set(cycle.map((e) => e.line))].sort((a, b) => a - b),
        ...(arch ? { arch } : {}),
      });
    }
  }
  return problems;
}

function srcuConflicts(order: DocumentedOrder): DocProblem[] {
  const out: DocProblem[] = [];
  const byLock = new Map<LockClass, typeof order.srcu>();
  for (const r of order.srcu) byLock.set(r.lock, [...(byLock.get(r.lock) ?? []), r]);
  for (const [lock, rules] of byLock) {
    const allowed = rules.filter((r) => r.allowedInReadSide);
    const forbidden = rules.filter((r) => !r.allowedInReadSide);
    if (allowed.length && forbidden.length) {
      out.push({
        kind: 'srcu-conflict',
        severity: 'error',
        message: `${lock} is both allowed (line ${allowed[0]?.line}) and forbidden (line ${forbidden[0]?.line}) inside a kvm->srcu read-side critical section`,
        lines: [...allowed, ...forbidden].map((r) => r.line),
      });
    }
  }
  return out;
}

function tableProblems(order: DocumentedOrder): DocProblem[] {
  const out: DocProblem[] = [];
  const inTable = new Set(order.locks.map((l) => l.name));
  const ordered = new Map<LockClass, number>();
  const mention = (lock: LockClass, line: number): void => {
    if (!ordered.has(lock)) ordered.set(lock, line);
  };
  for (const e of order.edges) {
    mention(e.outer, e.line);
    mention(e.inner, e.line);
  }
  for (const c of order.contexts) for (const l of c.forbidden) mention(l, c.line);
  for (const [lock, line] of ordered) {
    if (inTable.has(lock)) continue;
    out.push({ kind: 'not-in-table', severity: 'info', message: `${lock} is ordered but has no entry in the lock table`, lines: [line] });
  }
  for (const entry of order.locks) {
    if (ordered.has(entry.name)) continue;
    out.push({
      kind: 'not-ordered',
      severity: 'info',
      message: `${entry.name} is in the lock table but no statement orders it${order.leafClaim ? '; the leaf claim makes it a leaf' : ''}`,
      lines: [entry.line],
    });
  }
  return out;
}

function nameProblems(written: ReadonlyMap<LockClass, ReadonlySet<string>>): DocProblem[] {
  const out: DocProblem[] = [];
  for (const [canonical, spellings] of written) {
    if (spellings.size < 2) continue;
    out.push({
      kind: 'two-names',
      severity: 'warning',
      message: `one lock under ${spellings.size} names: ${[...spellings].join(', ')} (class ${canonical})`,
      lines: [],
    });
  }
  return out;
}

export function checkConsistency(
  order: DocumentedOrder,
  written: ReadonlyMap<LockClass, ReadonlySet<string>>,
  noOrderLine: number | null,
): DocProblem[] {
  const problems = [...cycleProblems(order), ...srcuConflicts(order), ...tableProblems(order), ...nameProblems(written)];
  if (noOrderLine !== null && order.edges.length === 0) {
    problems.push({ kind: 'no-order', severity: 'info', message: 'the acquisition order is not written ("to be written")', lines: [noOrderLine] });
  }
  return problems;
}
