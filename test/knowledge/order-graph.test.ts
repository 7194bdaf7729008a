import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { OrderEdge } from '../../knowledge/doc/model.js';
import { findCycles, isOrderedBefore, orderPath } from '../../knowledge/doc/order-graph.js';
import { readLockingDoc } from '../../knowledge/doc/reader.js';
import { corpusRevision } from '../helpers/paths.js';

const edge = (outer: string, inner: string, line: number, arch: string | null = null): OrderEdge => ({
  outer, inner, arch, line, text: `${outer} outside ${inner}`, origin: 'order-list',
});

describe('order queries', () => {
  const edges = [edge('A', 'B', 1), edge('B', 'C', 2), edge('C', 'D', 3, 'x86'), edge('B', 'E', 4, 'arm64')];

  it('finds the transitive path and the statements on it', () => {
    expect(orderPath(edges, 'A', 'C')?.map((e) => e.line)).toEqual([1, 2]);
    expect(orderPath(edges, 'C', 'A')).toBeNull();
  });

  it('honours architecture scope', () => {
    expect(isOrderedBefore(edges, 'A', 'D', 'x86')).toBe(true);
    expect(isOrderedBefore(edges, 'A', 'D', 'arm64')).toBe(false);
    expect(isOrderedBefore(edges, 'A', 'E', 'arm64')).toBe(true);
  });

  it('finds one cycle per strongly connected component and skips deliberate self-nesting', () => {
    expect(findCycles([...edges, edge('D', 'A', 5), edge('X', 'X', 6)]).map((c) => c.map((e) => e.line))).toEqual([[1, 2, 3, 5]]);
  });

  it('on the real 6.12-era text: kvm->lock before kvm->srcu through slots_lock, not the reverse', () => {
    const path = corpusRevision('24');
    const order = readLockingDoc(readFileSync(path), path);
    expect(isOrderedBefore(order.edges, 'kvm->lock', 'kvm->srcu')).toBe(true);
    expect(isOrderedBefore(order.edges, 'kvm->srcu', 'kvm->lock')).toBe(false);
    const lines = readFileSync(path, 'utf8').split('\n');
    const lineOf = (text: string): number => lines.findIndex((l) => l.includes(text)) + 1;
    expect(orderPath(order.edges, 'kvm_usage_lock', 'kvm_lock')?.map((e) => e.line)).toEqual([
      lineOf('- kvm_usage_lock is taken outside cpus_read_lock()'),
      lineOf('- cpus_read_lock() is taken outside kvm_lock'),
    ]);
  });
});
