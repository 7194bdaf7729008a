/**
 * edgesKey() keeps, per architecture, the sorted entries of the last state
 * it was asked about and patches them for the next one. Whatever the
 * sequence of states (a key changed, a file added or removed, another
 * architecture's file changed, the same map changed in place), the key
 * must be the one the entries sorted afresh give. The files are a real
 * tree's indexed files; the fact keys are made up.
 */
import { describe, expect, it } from '@jest/globals';
import { edgesKey } from '../../analyzers/arch-analysis.js';
import { orderVersion, sha256 } from '../../analyzers/index/cache.js';
import { archOf, indexedFiles } from '../../analyzers/index/files.js';
import { kernelTree } from '../helpers/paths.js';

function reference(arch: string, keys: ReadonlyMap<string, string>): string {
  const inArch = (f: string): boolean => archOf(f) === null || archOf(f) === arch;
  return sha256(orderVersion(), 'edges', arch, ...[...keys].filter(([f]) => inArch(f)).map(([f, k]) => `${f}\u0000${k}`).sort());
}

describe('edgesKey() from the last state asked about', () => {
  it('equals the key sorted afresh through a sequence of states, for two architectures', async () => {
    const files = await indexedFiles(kernelTree('6.12'));
    expect(files.length).toBeGreaterThan(100);
    const x86 = files.find((f) => f.startsWith('arch/x86/')) as string;
    const arm = files.find((f) => f.startsWith('arch/arm64/')) as string;
    const generic = files.find((f) => f.startsWith('virt/kvm/')) as string;
    expect([x86, arm, generic].every(Boolean)).toBe(true);
    let keys = new Map(files.map((f, i) => [f, `k${i}`]));
    const states: Map<string, string>[] = [];
    const next = (change: (m: Map<string, string>) => void): void => {
      keys = new Map(keys);
      change(keys);
      states.push(keys);
    };
    next(() => undefined);
    next((m) => m.set(generic, 'changed'));
    next((m) => m.set(x86, 'changed'));
    next((m) => m.set(arm, 'changed'));
    next(() => undefined);
    next((m) => m.set('virt/kvm/zz-new.c', 'new'));
    next((m) => m.set('arch/arm64/kvm/aa-new.c', 'new'));
    next((m) => m.delete(generic));
    next((m) => m.set(generic, 'back'));
    next((m) => {
      // The same files, in another order.
      const all = [...m].reverse();
      m.clear();
      for (const [f, k] of all) m.set(f, k);
    });
    const seen = new Set<string>();
    for (const [i, m] of states.entries()) {
      for (const arch of ['x86', 'arm64']) {
        const got = edgesKey(arch, m);
        expect({ i, arch, got }).toEqual({ i, arch, got: reference(arch, m) });
        seen.add(got);
      }
    }
    // The keys did change along the way.
    expect(seen.size).toBeGreaterThan(8);
    // A map changed in place after it was asked about.
    const m = states[states.length - 1] as Map<string, string>;
    m.set(x86, 'in place');
    expect(edgesKey('x86', m)).toBe(reference('x86', m));
    expect(edgesKey('arm64', m)).toBe(reference('arm64', m));
  });
});
