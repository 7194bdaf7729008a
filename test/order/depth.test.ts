import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
/**
 * Input-controlled depth (issue 11 §2, the walk's part): thousands of nested
 * blocks, very long call chains and a very long order cycle neither overflow
 * the stack nor pass silently. Inputs are generated here.
 */
import { describe, expect, it } from '@jest/globals';
import { parseFile } from '../../analyzers/c/parse-file.js';
import { mergeStructTypes } from '../../analyzers/c/struct-types.js';
import { indexTree, typeEnv } from '../../analyzers/index/index-tree.js';
import type { FunctionFacts } from '../../analyzers/locks/model.js';
import { MAX_NESTING, walkFunction } from '../../analyzers/locks/walk.js';
import { observeOrder } from '../../analyzers/order/observe.js';
import { MAX_DEPTH } from '../../analyzers/order/reach.js';
import { findCycles } from '../../knowledge/doc/order-graph.js';

/** A function whose lock sits inside `n` nested `if` blocks, and a shallow one after it. */
function nested(n: number): string {
  return [
    'void demo_deep(struct kvm *kvm, int x)',
    '{',
    'if (x) {'.repeat(n),
    '\tmutex_lock(&kvm->lock);',
    '\tmutex_unlock(&kvm->lock);',
    '}'.repeat(n),
    '}',
    '',
    'void demo_shallow(struct kvm *kvm)',
    '{',
    '\tmutex_lock(&kvm->slots_lock);',
    '\tmutex_unlock(&kvm->slots_lock);',
    '}',
    '',
  ].join('\n');
}

async function walk(path: string, text: string): Promise<FunctionFacts[]> {
  const parsed = await parseFile(path, text);
  try {
    return parsed.functions.map((f) => walkFunction(f, typeEnv(f, mergeStructTypes([]), null)));
  } finally {
    parsed.dispose();
  }
}

describe('nesting', () => {
  it('5000 nested blocks: the function is not analysed, with the reason; the rest of the file is', async () => {
    const [deep, shallow] = await walk('virt/kvm/deep.c', nested(5000));
    expect(deep?.notAnalysed).toMatch(new RegExp(`nested more than ${MAX_NESTING} deep`));
    expect(deep?.acquires).toEqual([]);
    expect(shallow?.notAnalysed).toBeUndefined();
    expect(shallow?.acquires.map((a) => a.lock.class)).toEqual(['kvm->slots_lock']);
  });

  it('just under the limit is walked in full (each nested `if {` is two statement levels)', async () => {
    const [deep] = await walk('virt/kvm/deep.c', nested(MAX_NESTING / 2 - 5));
    expect(deep?.notAnalysed).toBeUndefined();
    expect(deep?.acquires.map((a) => a.lock.class)).toEqual(['kvm->lock']);
  });

  it('the index reports the function as skipped, not as clean', async () => {
    const text = nested(5000);
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-depth-'));
    mkdirSync(join(dir, 'virt', 'kvm'), { recursive: true });
    writeFileSync(join(dir, 'virt', 'kvm', 'deep.c'), text);
    const index = await indexTree(dir, { cache: { disabled: true }, files: ['virt/kvm/deep.c'] });
    rmSync(dir, { recursive: true, force: true });
    const [file] = index.files;
    expect(file?.functions.map((f) => f.name)).toEqual(['demo_shallow']);
    expect(file?.skipped).toEqual([{ name: 'demo_deep', line: 1, reason: expect.stringMatching(/^not analysed: statements nested more than/) }]);
    expect(file?.clean).toBe(1);
  });

  it('a condition of 5000 operands is read without recursing through all of them', async () => {
    const cond = Array.from({ length: 5000 }, (_, i) => `x${i}`).join(' && ');
    const text = `void demo_cond(struct kvm *kvm, bool x0)\n{\n\tif (${cond})\n\t\tmutex_lock(&kvm->lock);\n}\n`;
    const [fn] = await walk('virt/kvm/cond.c', text);
    expect(fn?.notAnalysed).toBeUndefined();
    expect(fn?.acquires.map((a) => a.lock.class)).toEqual(['kvm->lock']);
  });
});

describe('call chains', () => {
  it('a 3000-function call chain: summaries stop at MAX_DEPTH and count the cut, the stack holds', async () => {
    const n = 3000;
    const fns = Array.from({ length: n }, (_, i) =>
      i === n - 1
        ? `void demo_f${i}(struct kvm *kvm)\n{\n\tmutex_lock(&kvm->slots_lock);\n\tmutex_unlock(&kvm->slots_lock);\n}\n`
        : `void demo_f${i}(struct kvm *kvm)\n{\n\tdemo_f${i + 1}(kvm);\n}\n`,
    );
    const caller = 'void demo_top(struct kvm *kvm)\n{\n\tmutex_lock(&kvm->lock);\n\tdemo_f0(kvm);\n\tmutex_unlock(&kvm->lock);\n}\n';
    const order = observeOrder(await walk('virt/kvm/chain.c', [...fns, caller].join('\n')));
    expect(order.summaries.truncated.size).toBeGreaterThan(0);
    // Within the depth bound the edge is found; past it, it is counted as truncated instead.
    const short = observeOrder(await walk('virt/kvm/chain.c', [...fns.slice(n - MAX_DEPTH), caller.replace('demo_f0', `demo_f${n - MAX_DEPTH}`)].join('\n')));
    expect(short.edges.map((e) => `${e.outer} -> ${e.inner}`)).toContain('kvm->lock -> kvm->slots_lock');
  });
});

describe('the order graph', () => {
  it('a cycle through 30,000 locks is found without recursion', () => {
    const n = 30_000;
    const edges = Array.from({ length: n }, (_, i) => ({ outer: `lock${i}`, inner: `lock${(i + 1) % n}` }));
    const cycles = findCycles(edges);
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toHaveLength(n);
  });
});
