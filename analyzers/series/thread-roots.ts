/**
 * Which messages share a thread, the way b4 collects one: two messages are
 * in one thread when their Message-ID, In-Reply-To and References chains
 * meet. Union-find over ids, iterative (an inbox of 100,000 replies in one
 * chain must not overflow the stack).
 */
import type { SourceMessage } from '../sources/model.js';

/** A thread number per message, in `messages` order; equal numbers share a thread. */
export function threadsOf(messages: readonly SourceMessage[]): number[] {
  const parent = new Map<string, string>();
  const find = (id: string): string => {
    let root = id;
    for (let up = parent.get(root); up !== undefined && up !== root; up = parent.get(root)) root = up;
    // Path compression, second pass: later finds are one step.
    for (let at = id; at !== root; ) {
      const next = parent.get(at) ?? root;
      parent.set(at, root);
      at = next;
    }
    return root;
  };
  const union = (a: string, b: string): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(rb, ra);
  };
  const keys = messages.map((m, i) => m.messageId ?? `#${i}`);
  for (const [i, m] of messages.entries()) {
    const own = keys[i] ?? `#${i}`;
    if (!parent.has(own)) parent.set(own, own);
    for (const id of [m.inReplyTo, ...m.references]) {
      if (id === null || id === undefined) continue;
      if (!parent.has(id)) parent.set(id, id);
      union(own, id);
    }
  }
  const numbers = new Map<string, number>();
  return keys.map((k) => {
    const root = find(k);
    const n = numbers.get(root) ?? numbers.size;
    numbers.set(root, n);
    return n;
  });
}
