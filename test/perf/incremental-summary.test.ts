/**
 * The incremental observe follows a changed function's callers only when its
 * summary may differ beyond its lines. What a function holds at a call is part
 * of its summary only through the classes a callee drops: an assert of a class
 * no callee drops leaves every caller's events as they were (moved), while an
 * assert of a class the callee drops changes an edge of a caller two calls up.
 * Small C files written here, walked as the index walks them.
 */
import { describe, expect, it } from '@jest/globals';
import { parseFile } from '../../analyzers/c/parse-file.js';
import { mergeStructTypes } from '../../analyzers/c/struct-types.js';
import { typeEnv } from '../../analyzers/index/index-tree.js';
import type { FunctionFacts } from '../../analyzers/locks/model.js';
import { walkFunction } from '../../analyzers/locks/walk.js';
import { observeIncrementally, type ObservedCode } from '../../analyzers/order/incremental.js';
import { edgeKey } from '../../analyzers/order/model.js';
import { observeOrder } from '../../analyzers/order/observe.js';

const FILE = 'virt/kvm/demo.c';

/** drop() takes kvm->mmu_lock, then releases the caller's kvm->lock before taking kvm->slots_lock; middle() calls it; top() holds kvm->lock around middle(). */
function source(assert: string | null): string {
  return [
    'static void drop(struct kvm *kvm)',
    '{',
    '\twrite_lock(&kvm->mmu_lock);',
    '\twrite_unlock(&kvm->mmu_lock);',
    '\tmutex_unlock(&kvm->lock);',
    '\tmutex_lock(&kvm->slots_lock);',
    '\tmutex_unlock(&kvm->slots_lock);',
    '}',
    '',
    'static void middle(struct kvm *kvm)',
    '{',
    ...(assert ? [`\tlockdep_assert_held(${assert});`] : []),
    '\tdrop(kvm);',
    '}',
    '',
    'static void top(struct kvm *kvm)',
    '{',
    '\tmutex_lock(&kvm->lock);',
    '\tmiddle(kvm);',
    '\tmutex_unlock(&kvm->lock);',
    '}',
    '',
  ].join('\n');
}

async function walkAt(file: string, text: string): Promise<FunctionFacts[]> {
  const parsed = await parseFile(file, text);
  try {
    return parsed.functions.map((f) => walkFunction(f, typeEnv(f, mergeStructTypes([]), null)));
  } finally {
    parsed.dispose();
  }
}

const walk = (text: string): Promise<FunctionFacts[]> => walkAt(FILE, text);

/** `functions` observed in full, and as the state before a patch (its events and memoised summaries). */
function observed(functions: FunctionFacts[]): { order: ReturnType<typeof observeOrder>; base: ObservedCode } {
  const order = observeOrder(functions);
  return { order, base: { functions, ops: [], events: order.events, depthCut: false, memo: order.summaries.memoised } };
}

async function observedBefore(): Promise<ObservedCode> {
  return observed(await walk(source(null))).base;
}

/** `after` observed incrementally from `base` (FILE patched) and in full, to compare the two. */
function bothWays(base: ObservedCode, after: FunctionFacts[]): { inc: ReturnType<typeof observeIncrementally>; full: ReturnType<typeof observeOrder> } {
  return { inc: observeIncrementally(base, after, [], new Set([FILE])), full: observeOrder(after) };
}

/** Edge keys with each site's function, line and chain lines. */
const sitesOf = (edges: ReturnType<typeof observeOrder>['edges']): string[] =>
  edges.flatMap((e) => e.sites.map((s) => `${edgeKey(e.outer, e.inner, e.innerOp)} ${s.function}:${s.line} ${s.chain.map((c) => `${c.function}:${c.line}`).join(' ')}`)).sort();

/** wrapper() above inner(), which the patch may give a lock pair; outer(), in another file, holds kvm->lock around wrapper(). */
function layered(pair: boolean): { patched: string; other: string } {
  return {
    patched: [
      'void wrapper(struct kvm *kvm)',
      '{',
      '\tinner(kvm);',
      '}',
      '',
      'void inner(struct kvm *kvm)',
      '{',
      ...(pair ? ['\tmutex_lock(&kvm->slots_lock);', '\tmutex_unlock(&kvm->slots_lock);'] : []),
      '\tkvm_vcpu_kick(NULL);',
      '}',
      '',
    ].join('\n'),
    other: ['static void outer(struct kvm *kvm)', '{', '\tmutex_lock(&kvm->lock);', '\twrapper(kvm);', '\tmutex_unlock(&kvm->lock);', '}', ''].join('\n'),
  };
}

describe('summaries kept from the state before', () => {
  it('a function above the change that calls it (unchanged, unmoved) has its summary computed again: a caller in another file gains the edge', async () => {
    const other = 'virt/kvm/other.c';
    const state = async (pair: boolean): Promise<FunctionFacts[]> => [...(await walkAt(FILE, layered(pair).patched)), ...(await walkAt(other, layered(pair).other))];
    const functions = await state(false);
    const { order, base } = observed(functions);
    const after = await state(true);
    const { inc, full } = bothWays(base, after);
    const edge = (edges: typeof full.edges): string[] => sitesOf(edges).filter((x) => x.startsWith(edgeKey('kvm->lock', 'kvm->slots_lock', 'acquire')));
    expect(edge(order.edges)).toEqual([]);
    expect(edge(full.edges)).toHaveLength(1);
    expect(inc.ok).toBe(true);
    if (!inc.ok) return;
    expect(sitesOf(inc.edges)).toEqual(sitesOf(full.edges));
  });
});

describe('a changed function whose summary is the same but for its lines', () => {
  it('an assert of a class no callee drops: the function alone is computed again, its caller keeps its events, moved', async () => {
    const base = await observedBefore();
    const after = await walk(source('&kvm->slots_arch_lock'));
    const { inc, full } = bothWays(base, after);
    expect(inc.ok).toBe(true);
    if (!inc.ok) return;
    expect(inc.recomputed).toBe(1);
    expect(sitesOf(inc.edges)).toEqual(sitesOf(full.edges));
    // top()'s kvm->lock -> kvm->mmu_lock edge moved one line down with the assert above it.
    const call = source('&kvm->slots_arch_lock').split('\n').lastIndexOf('\tmiddle(kvm);') + 1;
    expect(sitesOf(observeOrder(base.functions).edges).filter((s) => s.includes(`top:${call - 1} `))).toHaveLength(1);
    expect(sitesOf(inc.edges).filter((s) => s.includes(`top:${call} `))).toHaveLength(1);
  });

  it('an assert of the class the callee drops: the caller two calls up gains an edge, and the incremental step finds it', async () => {
    const base = await observedBefore();
    const after = await walk(source('&kvm->lock'));
    const { inc, full } = bothWays(base, after);
    const topEdge = (edges: typeof full.edges): boolean => edges.some((e) => e.outer === 'kvm->lock' && e.inner === 'kvm->slots_lock' && e.sites.some((s) => s.function === 'top'));
    // Before the assert, drop() released top()'s kvm->lock: no edge from top().
    expect(topEdge(observeOrder(base.functions).edges)).toBe(false);
    expect(topEdge(full.edges)).toBe(true);
    expect(inc.ok).toBe(true);
    if (!inc.ok) return;
    expect(inc.recomputed).toBeGreaterThan(1);
    expect(sitesOf(inc.edges)).toEqual(sitesOf(full.edges));
  });
});

/**
 * swap() may release its caller's kvm->slots_arch_lock; activate() calls it on every path (on each
 * branch, one of two callees); commit() holds the lock around activate() and then takes kvm->mmu_lock.
 * Whether the edge exists depends on a release two calls below the site, in another file.
 */
function releasedBelow(release: boolean): { patched: string; other: string } {
  return {
    patched: ['void swap(struct kvm *kvm)', '{', ...(release ? ['\tmutex_unlock(&kvm->slots_arch_lock);'] : ['\tkvm_vcpu_kick(NULL);']), '}', ''].join('\n'),
    other: [
      'static void other_swap(struct kvm *kvm)',
      '{',
      '\tmutex_unlock(&kvm->slots_arch_lock);',
      '}',
      '',
      'static void activate(struct kvm *kvm, int create)',
      '{',
      '\tif (create)',
      '\t\tswap(kvm);',
      '\telse',
      '\t\tother_swap(kvm);',
      '}',
      '',
      'static void commit(struct kvm *kvm)',
      '{',
      '\tmutex_lock(&kvm->slots_arch_lock);',
      '\tactivate(kvm, 1);',
      '\twrite_lock(&kvm->mmu_lock);',
      '\twrite_unlock(&kvm->mmu_lock);',
      '}',
      '',
    ].join('\n'),
  };
}

describe('a release two calls below a site', () => {
  it.each([
    ['gains', false, true],
    ['loses', true, false],
  ])('a patch whose callee %s the release: the incremental step gives the edges a full observe gives', async (_what, was, now) => {
    const other = 'virt/kvm/other.c';
    // The other file is not patched: both states hold its functions, as a review's states share them.
    const unpatched = await walkAt(other, releasedBelow(was).other);
    const state = async (release: boolean): Promise<FunctionFacts[]> => [...(await walkAt(FILE, releasedBelow(release).patched)), ...unpatched];
    const functions = await state(was);
    const { order, base } = observed(functions);
    const after = await state(now);
    const { inc, full } = bothWays(base, after);
    const edge = (edges: typeof full.edges): string[] => sitesOf(edges).filter((x) => x.startsWith(edgeKey('kvm->slots_arch_lock', 'kvm->mmu_lock', 'acquire')));
    // Released on every path below the call, the lock is not held at the acquisition.
    expect(edge(order.edges)).toHaveLength(was ? 0 : 1);
    expect(edge(full.edges)).toHaveLength(now ? 0 : 1);
    expect(inc.ok).toBe(true);
    if (!inc.ok) return;
    expect(sitesOf(inc.edges)).toEqual(sitesOf(full.edges));
  });
});

/**
 * middle() of source() with `lines` before its call of drop(), and `defined` (functions) at the top
 * of the file: what a patch may add to a function most of the tree calls.
 */
function withCalls(lines: string[], defined: string[] = []): string {
  const text = source(null);
  return [...defined, text.replace('\tdrop(kvm);', [...lines, '\tdrop(kvm);'].join('\n'))].join('\n');
}

const topEdges = (edges: ReturnType<typeof observeOrder>['edges']): string[] => sitesOf(edges).filter((s) => / top:\d+ /.test(s));

describe('a changed function whose new calls reach nothing', () => {
  it('calls outside the index that take no lock (lockdep_is_held(), a tracepoint): the function alone is computed again, its caller keeps its events, moved', async () => {
    const base = await observedBefore();
    const after = await walk(withCalls(['\tWARN_ON(!lockdep_is_held(&kvm->lock));', '\ttrace_kvm_demo(kvm);']));
    const { inc, full } = bothWays(base, after);
    expect(inc.ok).toBe(true);
    if (!inc.ok) return;
    // Before, any call added made every caller's summary and events be computed again (top() here).
    expect(inc.recomputed).toBe(1);
    expect(sitesOf(inc.edges)).toEqual(sitesOf(full.edges));
    // The chain from top() through middle() names drop()'s call two lines further down.
    expect(topEdges(full.edges).length).toBeGreaterThan(0);
    expect(topEdges(inc.edges)).toEqual(topEdges(full.edges));
    expect(topEdges(inc.edges)).not.toEqual(topEdges(observeOrder(base.functions).edges));
  });

  it.each([
    ['a helper outside the index that takes a lock (knowledge/external-locks.ts)', ['\tstatic_branch_inc(&demo_key);'], [], 'cpus_read_lock()'],
    ['a function of the index', ['\thelper(kvm);'], ['static void helper(struct kvm *kvm)', '{', '\tmutex_lock(&kvm->slots_arch_lock);', '\tmutex_unlock(&kvm->slots_arch_lock);', '}', ''], 'kvm->slots_arch_lock'],
  ])('a call of %s: the callers are computed again and gain its edge', async (_what, lines, defined, inner) => {
    const base = await observedBefore();
    const after = await walk(withCalls(lines, defined));
    const { inc, full } = bothWays(base, after);
    expect(full.edges.some((e) => e.outer === 'kvm->lock' && e.inner === inner && e.sites.some((s) => s.function === 'top'))).toBe(true);
    expect(inc.ok).toBe(true);
    if (!inc.ok) return;
    expect(inc.recomputed).toBeGreaterThan(1);
    expect(sitesOf(inc.edges)).toEqual(sitesOf(full.edges));
  });

  it('a call that reached nothing before the patch and reaches a lock after it, the patch adding its definition', async () => {
    const call = '\thelper(kvm);';
    const helper = ['static void helper(struct kvm *kvm)', '{', '\tmutex_lock(&kvm->slots_arch_lock);', '\tmutex_unlock(&kvm->slots_arch_lock);', '}', ''];
    const functions = await walk(withCalls([call]));
    const { order, base } = observed(functions);
    const after = await walk(withCalls([call], helper));
    const { inc, full } = bothWays(base, after);
    const edge = (edges: typeof full.edges): string[] => sitesOf(edges).filter((x) => x.startsWith(edgeKey('kvm->lock', 'kvm->slots_arch_lock', 'acquire')));
    expect(edge(order.edges)).toEqual([]);
    expect(edge(full.edges).length).toBeGreaterThan(0);
    expect(inc.ok).toBe(true);
    if (!inc.ok) return;
    expect(sitesOf(inc.edges)).toEqual(sitesOf(full.edges));
  });
});
