/**
 * Cold indexing on worker threads (issue 15): the pool's index of a real
 * tree is the in-process index, byte for byte, and what it writes to the
 * cache reads back as the same; `check` prints the same JSON with one
 * thread and with two; a worker that throws or dies on a file fails the
 * whole index naming the file (exit 2, nothing on stdout).
 *
 * Worker threads run compiled JavaScript, so this suite runs the dist/
 * build (`npm run build` first), as the bin does: jest's own copy of the
 * TypeScript sources has no worker file and indexes in-process.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as indexTreeTypes from '../../analyzers/index/index-tree.js';
import type { TreeIndex } from '../../analyzers/index/index-tree.js';
import type * as poolTypes from '../../analyzers/index/worker-pool.js';
import type * as filesTypes from '../../analyzers/index/files.js';
import type * as cacheTypes from '../../analyzers/index/cache.js';
import { ROOT, kernelTree } from '../helpers/paths.js';
import { runBin as runBuiltBin, type BinRun } from '../helpers/run-bin.js';

type IndexTreeModule = typeof indexTreeTypes;
type PoolModule = typeof poolTypes;
type FilesModule = typeof filesTypes;
type CacheModule = typeof cacheTypes;

const DIST = join(ROOT, 'dist', 'analyzers', 'index');
const tmp = mkdtempSync(join(tmpdir(), 'kvm-review-parallel-'));
const tree = kernelTree('6.1');

let index: IndexTreeModule;
let pool: PoolModule;
let files: FilesModule;
let cache: CacheModule;

beforeAll(async () => {
  if (!existsSync(join(DIST, 'index-worker.js'))) throw new Error('dist/ is missing: run `npm run build` before the worker-thread tests');
  index = (await import(join(DIST, 'index-tree.js'))) as IndexTreeModule;
  pool = (await import(join(DIST, 'worker-pool.js'))) as PoolModule;
  files = (await import(join(DIST, 'files.js'))) as FilesModule;
  cache = (await import(join(DIST, 'cache.js'))) as CacheModule;
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Everything an index hands on, as JSON (struct types' Maps as entries), without its timing and cache counters. */
function content(i: TreeIndex, read = i.read): string {
  // Maps by tag, not instanceof: under jest, what a worker sends is built in Node's own realm, not the test's.
  const maps = (_: string, v: unknown): unknown => (Object.prototype.toString.call(v) === '[object Map]' ? [...(v as Map<unknown, unknown>).entries()] : v);
  return JSON.stringify({ tree: i.tree, files: i.files, types: i.types, unread: i.unread, read, keys: i.keys }, maps);
}

function runBin(args: string[], env: Record<string, string>): Promise<BinRun> {
  return runBuiltBin(args, { cwd: tmp, env: { ...process.env, NO_COLOR: '1', ...env } });
}

/** check's JSON without what differs between two runs of the same tree: timings and the cache directory. */
function checkJson(out: string): unknown {
  const json = JSON.parse(out) as { stats: { ms?: unknown; cache?: { dir?: unknown } } };
  delete json.stats.ms;
  if (json.stats.cache) delete json.stats.cache.dir;
  return json;
}

describe('the index on worker threads', () => {
  it('equals the in-process index of the 6.1 tree byte for byte, and its cache entries read back as the same', async () => {
    const one = await index.indexTree(tree, { cache: { disabled: true }, threads: 1 });
    const dir = join(tmp, 'cache-pooled');
    // Sent by rank (kernel/ and virt/ first, then the architectures last-first, as audit-archs.ts asks),
    // handed on as they come: the result is in the tree's order all the same.
    const rank = (f: string): number => (files.archOf(f) === null ? 0 : 200 - f.charCodeAt(5));
    const handed: string[] = [];
    const two = await index.indexTree(tree, { cache: { dir }, threads: 2, rank, onFacts: (f) => handed.push(f) });
    expect(one.threads).toBe(0);
    expect(two.threads).toBe(2);
    expect(two.files.map((f) => f.file)).toEqual(await files.indexedFiles(tree));
    expect([...handed].sort()).toEqual(two.files.map((f) => f.file).sort());
    // By rank: the generic files were in before most of the architectures' (not all: two threads, four requests each in flight).
    const lastGeneric = Math.max(...handed.flatMap((f, i) => (files.archOf(f) === null ? [i] : [])));
    expect(lastGeneric).toBeLessThan(handed.length / 2);
    expect(two.cache).toMatchObject({ hits: 0, misses: two.files.length });
    expect(content(two)).toBe(content(one));
    // What the workers' results put in the cache is what a warm run reads (and validates) from disk.
    cache.forgetCache();
    const warm = await index.indexTree(tree, { cache: { dir }, threads: 2 });
    expect(warm.cache).toMatchObject({ hits: two.files.length, misses: 0, invalid: 0 });
    expect(warm.threads).toBe(0);
    expect(warm.read).toBe(0);
    expect(content(warm, one.read)).toBe(content(one));
  });

  it('answers every file the same when all waiting files are queued on the threads at once (fill)', async () => {
    const some = (await files.indexedFiles(tree)).filter((f) => f.startsWith('virt/kvm/') && f.endsWith('.c'));
    const one = await index.indexTree(tree, { cache: { disabled: true }, files: some, threads: 1, types: (await index.indexTree(tree, { cache: { disabled: true }, threads: 1 })).types });
    const p = new pool.IndexPool(2);
    try {
      await p.setTypes(one.types.types);
      const texts = some.map((f) => readFileSync(join(tree, f), 'utf8'));
      const all = some.map((f, i) => p.facts(f, { text: texts[i] ?? '' }, i % 3));
      // Everything waiting goes out now, least loaded thread first, many requests deep: the replies still match their requests.
      p.fill(Number.MAX_SAFE_INTEGER);
      expect(JSON.stringify(await Promise.all(all))).toBe(JSON.stringify(one.files));
    } finally {
      await p.close();
    }
  });

  it('stays in-process for a few files (a review re-indexing what a patch touched)', async () => {
    const few = (await files.indexedFiles(tree)).filter((f) => f.startsWith('virt/kvm/')).slice(0, 3);
    const i = await index.indexTree(tree, { cache: { disabled: true }, files: few, threads: 2 });
    expect(i.threads).toBe(0);
    expect(i.files.map((f) => f.file)).toEqual(few);
  });
});

describe('a worker that fails', () => {
  // Request 1 goes to the second thread: the main thread (which indexes too, by default) or a worker.
  it.each([
    ['on the main thread', true],
    ['on a worker thread', false],
  ])('throwing on a file %s: the request and every later one fail with an error naming the file', async (_, mainThread) => {
    const p = new pool.IndexPool(2, { mainThread });
    try {
      await p.setTypes({ members: new Map(), definitions: new Map() });
      // Facts of a file whose parse the worker never kept, sent without its text: the worker throws.
      const first = p.facts('virt/kvm/kvm_main.c', { worker: 1 });
      await expect(first).rejects.toThrow(/^cannot index virt\/kvm\/kvm_main\.c: /);
      await expect(first).rejects.toMatchObject({ name: 'IndexError', file: 'virt/kvm/kvm_main.c' });
      await expect(p.facts('virt/kvm/eventfd.c', { text: 'int x;' })).rejects.toThrow(/^cannot index virt\/kvm\/kvm_main\.c: /);
    } finally {
      await p.close();
    }
  });

  it('dying (out of heap) on a file: the index fails naming a file of the tree, no partial result', async () => {
    const listed = await files.indexedFiles(tree);
    const err = await index.indexTree(tree, { cache: { disabled: true }, threads: 2, workerLimits: { maxOldGenerationSizeMb: 1 } }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.name).toBe('IndexError');
    const named = /^cannot index (\S+): its worker thread died \(.*memory/.exec(err?.message ?? '');
    expect(named?.[1] && listed.includes(named[1])).toBe(true);
  });
});

describe('kvm-review check --tree (the bin, from dist/)', () => {
  it('prints the same JSON with KVM_REVIEW_THREADS=1 and with two worker threads', async () => {
    const args = (name: string): string[] => ['check', '--tree', tree, '--format', 'json', '--cache-dir', join(tmp, name)];
    const [one, two] = await Promise.all([runBin(args('cli-1'), { KVM_REVIEW_THREADS: '1' }), runBin(args('cli-2'), { KVM_REVIEW_THREADS: '2' })]);
    expect(one.stderr).toBe('');
    expect(two.stderr).toBe('');
    expect([0, 1]).toContain(one.code);
    expect(two.code).toBe(one.code);
    expect(checkJson(two.stdout)).toEqual(checkJson(one.stdout));
  });

  it('exits 2 naming the file when a worker dies, and prints no result', async () => {
    const r = await runBin(['check', '--tree', tree, '--format', 'json', '--no-cache'], { KVM_REVIEW_THREADS: '2', KVM_REVIEW_WORKER_HEAP_MB: '1' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^kvm-review: .*cannot index \S+\.[ch]: its worker thread died/);
  });

  it('exits 2 naming KVM_REVIEW_THREADS when it is not a number of threads', async () => {
    const r = await runBin(['check', '--tree', tree, '--format', 'json', '--no-cache'], { KVM_REVIEW_THREADS: 'two' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/KVM_REVIEW_THREADS=two/);
  });
});
