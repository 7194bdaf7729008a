/**
 * orderPath() keeps, per documented order and architecture, the adjacency
 * and every path asked for (the rules ask once or twice per observed edge of
 * every state): its answers must be those of a fresh breadth-first search,
 * for every pair of locks of the real documents, and an order still being
 * built (the reader appends) or a path the caller changed must never make
 * a later answer stale.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { OrderEdge } from '../../knowledge/doc/model.js';
import { edgesFor, isOrderedBefore, orderPath, shortestPath } from '../../knowledge/doc/order-graph.js';
import { readLockingDoc } from '../../knowledge/doc/reader.js';
import { corpusRevision } from '../helpers/paths.js';

const edge = (outer: string, inner: string, line: number, arch: string | null = null): OrderEdge => ({
  outer, inner, arch, line, text: `${outer} outside ${inner}`, origin: 'order-list',
});

describe('orderPath() kept per document', () => {
  it.each(['1', '12', '24'])('revision %s of locking.rst: every pair, every scope, twice, as a fresh search', (rev) => {
    const path = corpusRevision(rev);
    const order = readLockingDoc(readFileSync(path), path);
    const locks = [...new Set(order.edges.flatMap((e) => [e.outer, e.inner]))];
    expect(locks.length).toBeGreaterThan(5);
    let ordered = 0;
    for (const arch of [undefined, 'x86', 'arm64', 'all']) {
      for (let round = 0; round < 2; round++) {
        for (const a of locks) {
          for (const b of locks) {
            const want = shortestPath(edgesFor(order.edges, arch), a, b);
            expect(orderPath(order.edges, a, b, arch)).toEqual(want);
            expect(isOrderedBefore(order.edges, a, b, arch)).toBe(want !== null);
            if (want) ordered++;
          }
        }
      }
    }
    expect(ordered).toBeGreaterThan(0);
  });

  it('an order that grows after a question is answered afresh', () => {
    const edges = [edge('A', 'B', 1)];
    expect(orderPath(edges, 'A', 'C')).toBeNull();
    edges.push(edge('B', 'C', 2));
    expect(orderPath(edges, 'A', 'C')?.map((e) => e.line)).toEqual([1, 2]);
    edges.splice(1, 1, edge('B', 'D', 3));
    expect(orderPath(edges, 'A', 'C')).toBeNull();
    expect(orderPath(edges, 'A', 'D')?.map((e) => e.line)).toEqual([1, 3]);
  });

  it('a path the caller changes is its own copy', () => {
    const edges = [edge('A', 'B', 1), edge('B', 'C', 2)];
    const first = orderPath(edges, 'A', 'C');
    first?.splice(0, 2);
    expect(orderPath(edges, 'A', 'C')?.map((e) => e.line)).toEqual([1, 2]);
  });
});
