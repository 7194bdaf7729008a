/**
 * Queries over the documented order: is A ordered before B (directly or
 * transitively, and by which statements), and which cycles does it contain.
 */
import type { LockClass } from '../lock-names.js';
import type { OrderEdge } from './model.js';

/** Edges that apply to code built for `arch`; every edge when arch is undefined. */
export function edgesFor(edges: readonly OrderEdge[], arch?: string): OrderEdge[] {
  if (arch === undefined || arch === 'all') return [...edges];
  return edges.filter((e) => e.arch === null || e.arch === arch);
}

/** Anything with an outer and an inner lock: documented statements, observed edges. */
export interface GraphEdge {
  outer: LockClass;
  inner: LockClass;
}

function adjacency<E extends GraphEdge>(edges: readonly E[]): Map<LockClass, E[]> {
  const adj = new Map<LockClass, E[]>();
  for (const e of edges) {
    const list = adj.get(e.outer);
    if (list) list.push(e);
    else adj.set(e.outer, [e]);
  }
  return adj;
}

/**
 * The shortest chain of documented statements that puts `outer` before
 * `inner`, or null when the document does not order them. A chain of one
 * statement is a direct rule.
 */
export function orderPath(edges: readonly OrderEdge[], outer: LockClass, inner: LockClass, arch?: string): OrderEdge[] | null {
  const path = knownPath(edges, outer, inner, arch);
  // A copy: the caller owns what it is given, as when each call searched afresh.
  return path && [...path];
}

/** The path orderPath() answers, as kept for the document: never to be changed by the caller. */
function knownPath(edges: readonly OrderEdge[], outer: LockClass, inner: LockClass, arch?: string): readonly OrderEdge[] | null {
  const scoped = scopedGraph(edges, arch);
  let from = scoped.paths.get(outer);
  if (!from) scoped.paths.set(outer, (from = new Map()));
  let path = from.get(inner);
  if (path === undefined) {
    path = pathIn(scoped.adj, outer, inner);
    from.set(inner, path);
  }
  return path;
}

/** One architecture's view of a documented order: its adjacency, and the paths asked for so far. */
interface ScopedGraph {
  adj: Map<LockClass, OrderEdge[]>;
  /** outer -> inner -> the path, or null when the document does not order them. */
  paths: Map<LockClass, Map<LockClass, OrderEdge[] | null>>;
}

/**
 * Per documented order (its edges array) and architecture: the rules ask for a path once or
 * twice per observed edge of every state a review analyses, against the same document. The
 * array is checked to be the one seen (length, first and last statement: the reader only
 * appends while it builds the order), so an order still being built is never answered stale.
 */
const graphs = new WeakMap<readonly OrderEdge[], { length: number; first: OrderEdge | undefined; last: OrderEdge | undefined; byArch: Map<string, ScopedGraph> }>();

function scopedGraph(edges: readonly OrderEdge[], arch: string | undefined): ScopedGraph {
  let g = graphs.get(edges);
  if (!g || g.length !== edges.length || g.first !== edges[0] || g.last !== edges[edges.length - 1]) {
    g = { length: edges.length, first: edges[0], last: edges[edges.length - 1], byArch: new Map() };
    graphs.set(edges, g);
  }
  const key = arch === undefined || arch === 'all' ? '\u0000all' : arch;
  let scoped = g.byArch.get(key);
  if (!scoped) {
    scoped = { adj: adjacency(edgesFor(edges, arch).filter((e) => e.outer !== e.inner)), paths: new Map() };
    g.byArch.set(key, scoped);
  }
  return scoped;
}

/** Shortest path of edges from `from` to `to` (self-edges ignored), or null. */
export function shortestPath<E extends GraphEdge>(edges: readonly E[], from: LockClass, to: LockClass): E[] | null {
  return pathIn(adjacency(edges.filter((e) => e.outer !== e.inner)), from, to);
}

/** Breadth-first from `outer` over an adjacency without self-edges: the first path found to `inner`. */
function pathIn<E extends GraphEdge>(adj: ReadonlyMap<LockClass, readonly E[]>, outer: LockClass, inner: LockClass): E[] | null {
  const via = new Map<LockClass, E>();
  const queue: LockClass[] = [outer];
  const seen = new Set<LockClass>([outer]);
  while (queue.length) {
    const node = queue.shift() as LockClass;
    for (const e of adj.get(node) ?? []) {
      if (seen.has(e.inner)) continue;
      seen.add(e.inner);
      via.set(e.inner, e);
      if (e.inner === inner) {
        const path: E[] = [];
        for (let cur: LockClass = inner; cur !== outer; ) {
          const step = via.get(cur) as E;
          path.unshift(step);
          cur = step.outer;
        }
        return path;
      }
      queue.push(e.inner);
    }
  }
  return null;
}

/** True when the document orders outer before inner. */
export function isOrderedBefore(edges: readonly OrderEdge[], outer: LockClass, inner: LockClass, arch?: string): boolean {
  return knownPath(edges, outer, inner, arch) !== null;
}

/**
 * One elementary cycle per strongly connected component (Tarjan), each as
 * the edges that close it. Self-edges are deliberate same-class nesting
 * (`mutex_lock_nested`, "plane 0 outside another plane") and are skipped.
 */
export function findCycles<E extends GraphEdge>(edges: readonly E[]): E[][] {
  const real = edges.filter((e) => e.outer !== e.inner);
  const adj = adjacency(real);
  const index = new Map<LockClass, number>();
  const low = new Map<LockClass, number>();
  const onStack = new Set<LockClass>();
  const stack: LockClass[] = [];
  const components: LockClass[][] = [];
  let counter = 0;

  // Iterative: a recursive Tarjan recursed once per lock along a path, and an
  // input-controlled order (a generated document, a huge tree) could overflow the stack.
  const strongConnect = (root: LockClass): void => {
    const visit = (v: LockClass): void => {
      index.set(v, counter);
      low.set(v, counter);
      counter++;
      stack.push(v);
      onStack.add(v);
    };
    visit(root);
    const work: { v: LockClass; next: number }[] = [{ v: root, next: 0 }];
    while (work.length) {
      const top = work[work.length - 1] as { v: LockClass; next: number };
      const out = adj.get(top.v) ?? [];
      const e = out[top.next];
      if (e) {
        top.next++;
        if (!index.has(e.inner)) {
          visit(e.inner);
          work.push({ v: e.inner, next: 0 });
        } else if (onStack.has(e.inner)) {
          low.set(top.v, Math.min(low.get(top.v) ?? 0, index.get(e.inner) ?? 0));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.v, Math.min(low.get(parent.v) ?? 0, low.get(top.v) ?? 0));
      if (low.get(top.v) === index.get(top.v)) {
        const comp: LockClass[] = [];
        let w: LockClass;
        do {
          w = stack.pop() as LockClass;
          onStack.delete(w);
          comp.push(w);
        } while (w !== top.v);
        if (comp.length > 1) components.push(comp);
      }
    }
  };
  for (const v of new Set(real.map((e) => e.outer))) if (!index.has(v)) strongConnect(v);

  return components.map((comp) => {
    const inComp = new Set(comp);
    const local = real.filter((e) => inComp.has(e.outer) && inComp.has(e.inner));
    const start = [...comp].sort()[0] as LockClass;
    // Shortest way out of `start` and back: start -> next, then next ... -> start.
    let best: E[] | null = null;
    for (const first of local.filter((e) => e.outer === start)) {
      const back = first.inner === start ? [] : shortestPath(local, first.inner, start);
      if (back && (!best || back.length + 1 < best.length)) best = [first, ...back];
    }
    return best ?? [];
  }).filter((c) => c.length > 0);
}
