/**
 * The cache is input like any other: what a run reads back must be what a
 * run wrote, or be refused, counted and recomputed. Entries carry the
 * sha256 of their value's text (checked instead of the schema on every
 * read), values are shape-checked strictly before they are written, and a
 * whole state's facts load from one pack entry.
 */
import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FactCache, forgetCache } from '../../analyzers/index/cache.js';
import { fileFactsSchema } from '../../analyzers/index/cache-schema.js';
import { indexTree } from '../../analyzers/index/index-tree.js';
import { PACKS_KEPT } from '../../analyzers/index/pack.js';
import { planIndex } from '../../analyzers/index/plan.js';
import { SETTLED_MS, StatIdentities } from '../../analyzers/trees/stat-identities.js';
import { s } from '../../analyzers/index/shape.js';
import { FIXTURES } from '../helpers/paths.js';

const owner = { file: 'virt/kvm/a.c', identity: 'sha256:aa' };
const point = s.object({ x: s.number().int(), tags: s.array(s.string()), note: s.string().optional() });

/** One cache directory with one entry written by another process (forgotten by this one). */
function written(value: unknown = { x: 12345, tags: ['a', 'b'] }): { dir: string; path: string; cache: () => FactCache<unknown> } {
  const dir = mkdtempSync(join(tmpdir(), 'kvm-review-integrity-'));
  new FactCache<unknown>(dir, point).put('k1', owner, value);
  forgetCache();
  return { dir, path: join(dir, 'k1.json'), cache: () => new FactCache<unknown>(dir, point) };
}

describe('shape.ts: strict, never stripping', () => {
  it('returns the value it was given, refuses a key the schema does not name and a wrong type, with the path', () => {
    const v = { x: 1, tags: ['t'] };
    const ok = point.safeParse(v);
    expect(ok.success && ok.data).toBe(v);
    expect(point.safeParse({ x: 1, tags: [], extra: true })).toEqual({ success: false, error: '.extra: a key the schema does not name' });
    expect(point.safeParse({ x: 1.5, tags: [] })).toMatchObject({ success: false, error: expect.stringContaining('.x') });
    expect(point.safeParse({ x: 1, tags: ['a', 2] })).toMatchObject({ success: false, error: expect.stringContaining('.tags[1]') });
    // A key set to undefined is absent from the JSON written: not refused.
    expect(point.safeParse({ x: 1, tags: [], other: undefined }).success).toBe(true);
  });

  it('the facts schema refuses facts missing a field the walk records', () => {
    const facts = { file: 'virt/kvm/a.c', arch: null, bytes: 1, functions: [], clean: 0, damaged: 0, skipped: [], ops: [], structs: [], lookups: [], blanks: [] };
    expect(fileFactsSchema.safeParse(facts).success).toBe(true);
    const missing: Partial<typeof facts> = { ...facts };
    delete missing.ops;
    expect(fileFactsSchema.safeParse(missing).success).toBe(false);
  });
});

describe('FactCache: the value text is checked by its hash', () => {
  it('reads back what was written, from disk, as a hit', () => {
    const { cache } = written();
    const c = cache();
    expect(c.get('k1', owner)).toEqual({ x: 12345, tags: ['a', 'b'] });
    expect([c.hits, c.misses, c.invalid, c.remembered]).toEqual([1, 0, 0, 0]);
  });

  it('a value edited in place (same length, still valid JSON and shape), a truncated entry, `{}` and a hash edit are invalid', () => {
    const damage: ((t: string) => string)[] = [
      (t) => t.replace('12345', '12346'),
      (t) => t.slice(0, t.length - 3),
      () => '{}',
      (t) => t.replace(/"sha256":"([0-9a-f])/, (_m, c: string) => `"sha256":"${c === '0' ? '1' : '0'}`),
    ];
    for (const edit of damage) {
      const { path, cache } = written();
      const text = readFileSync(path, 'utf8');
      const edited = edit(text);
      expect(edited).not.toBe(text);
      writeFileSync(path, edited);
      const c = cache();
      expect(c.get('k1', owner)).toBeNull();
      expect([c.hits, c.misses, c.invalid]).toEqual([0, 1, 1]);
    }
  });

  it('an entry under another key or owner (swapped, moved) is invalid', () => {
    const { dir, path, cache } = written();
    writeFileSync(join(dir, 'k2.json'), readFileSync(path));
    const c = cache();
    expect(c.get('k2', owner)).toBeNull();
    expect(c.get('k1', { ...owner, identity: 'sha256:bb' })).toBeNull();
    expect(c.invalid).toBe(2);
  });

  it('an entry of the earlier format (no hash) is a miss, not damage', () => {
    const { path, cache } = written();
    writeFileSync(path, JSON.stringify({ format: 1, key: 'k1', ...owner, value: { x: 1, tags: [] } }));
    const c = cache();
    expect(c.get('k1', owner)).toBeNull();
    expect([c.misses, c.invalid]).toEqual([1, 0]);
  });

  it('a value the schema refuses is not written, and the cache says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-integrity-'));
    const c = new FactCache<unknown>(dir, point);
    c.put('bad', owner, { x: 1, tags: [], unnamed: 'dropped by a stripping schema' });
    expect(readdirSync(dir)).toEqual([]);
    expect(c.warning).toMatch(/bad: not written \(a value the cache schema refuses: \.unnamed/);
    // A schema that throws refuses the value, and the run goes on.
    const broken = new FactCache<unknown>(dir, { safeParse: () => { throw new Error('expected a Zod schema'); } });
    broken.put('worse', owner, { x: 1, tags: [] });
    expect(readdirSync(dir)).toEqual([]);
    expect(broken.warning).toMatch(/worse: not written \(a value the cache schema refuses: the schema failed: expected a Zod schema\)/);
  });
});

/** A small kernel-like tree: generic KVM code, one arch file, one header with a struct. */
function miniTree(variant = 0): string {
  const root = mkdtempSync(join(tmpdir(), 'kvm-review-mini-tree-'));
  const text = readFileSync(join(FIXTURES, 'order', 'generic.c'), 'utf8');
  mkdirSync(join(root, 'virt', 'kvm'), { recursive: true });
  mkdirSync(join(root, 'arch', 'x86', 'kvm'), { recursive: true });
  mkdirSync(join(root, 'include', 'linux'), { recursive: true });
  writeFileSync(join(root, 'virt', 'kvm', 'generic.c'), `${text}\n/* variant ${variant} */\n`);
  writeFileSync(join(root, 'arch', 'x86', 'kvm', 'x86.c'), readFileSync(join(FIXTURES, 'order', 'vmx.c'), 'utf8'));
  writeFileSync(join(root, 'include', 'linux', 'kvm_host.h'), 'struct kvm {\n\tstruct mutex lock;\n\tstruct mutex slots_lock;\n};\n');
  return root;
}

describe('packs: a whole state in one entry', () => {
  it('a warm index loads the pack (no file read), equals the cold one, and a damaged pack is counted and rewritten', async () => {
    const tree = miniTree();
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-pack-'));
    forgetCache();
    const cold = await indexTree(tree, { cache: { dir } });
    expect(cold.files.length).toBe(3);
    const packs = readdirSync(join(dir, 'packs'));
    expect(packs).toHaveLength(1);

    forgetCache();
    const warm = await indexTree(tree, { cache: { dir } });
    expect([warm.cache.hits, warm.cache.misses, warm.cache.invalid, warm.read]).toEqual([3, 0, 0, 0]);
    expect(JSON.parse(JSON.stringify(warm.files))).toEqual(JSON.parse(JSON.stringify(cold.files)));
    expect(warm.types.key).toBe(cold.types.key);
    expect([...warm.types.types.members]).toEqual([...cold.types.types.members]);
    expect([...warm.types.types.definitions]).toEqual([...cold.types.types.definitions]);

    // The pack seeded this process's memory: one file re-walked with the state's types reads no other entry.
    const one = await indexTree(tree, { cache: { dir }, files: ['virt/kvm/generic.c'], types: warm.types });
    expect([one.cache.hits, one.read]).toEqual([1, 0]);

    const pack = join(dir, 'packs', packs[0] ?? '');
    const text = readFileSync(pack, 'utf8');
    writeFileSync(pack, text.replace(/"line":(\d)/, (_m, d: string) => `"line":${d === '9' ? '8' : '9'}`));
    forgetCache();
    const damaged = await indexTree(tree, { cache: { dir } });
    expect(damaged.cache.invalid).toBe(1);
    expect(damaged.cache.hits).toBe(3);
    expect(JSON.parse(JSON.stringify(damaged.files))).toEqual(JSON.parse(JSON.stringify(cold.files)));
    // Indexed file by file, then packed again.
    expect(readFileSync(pack, 'utf8')).toBe(text);
  });

  it('loaded again in the same process, a pack gives the same facts and merged types; after forgetCache() it is read and merged again', async () => {
    const tree = miniTree();
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-pack-'));
    forgetCache();
    await indexTree(tree, { cache: { dir } });
    forgetCache();
    const first = await indexTree(tree, { cache: { dir } });
    const again = await indexTree(tree, { cache: { dir } });
    expect([again.cache.hits, again.read]).toEqual([3, 0]);
    // A resident process's next review: no second merge of the headers' struct types.
    expect(again.types).toBe(first.types);
    expect(again.files).toBe(first.files);
    forgetCache();
    const reread = await indexTree(tree, { cache: { dir } });
    expect(reread.types).not.toBe(first.types);
    expect([...reread.types.types.members]).toEqual([...first.types.types.members]);
    // The per-file entries are remembered again: one file re-walked reads no other entry.
    const one = await indexTree(tree, { cache: { dir }, files: ['virt/kvm/generic.c'], types: reread.types });
    expect([one.cache.hits, one.read]).toEqual([1, 0]);
  });

  it(`keeps the ${PACKS_KEPT} packs used last`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-pack-'));
    for (let v = 0; v < PACKS_KEPT + 2; v++) {
      forgetCache();
      await indexTree(miniTree(v), { cache: { dir } });
    }
    expect(readdirSync(join(dir, 'packs')).filter((f) => f.endsWith('.json'))).toHaveLength(PACKS_KEPT);
  });
});

describe('stat identities: a directory tree file is not re-read while its stat is the one recorded', () => {
  it('records only settled files, answers by stat, and a rewrite (same size) is hashed again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-stat-'));
    const path = join(dir, 'f.c');
    writeFileSync(path, 'int a;\n');
    const st = statSync(path);
    const store = new StatIdentities(dir);
    // Just written: not settled, not recorded.
    store.record(path, st, 'sha256:old');
    expect(store.lookup(path, st)).toBeNull();
    store.record(path, st, 'sha256:old', Math.max(st.mtimeMs, st.ctimeMs) + SETTLED_MS + 1);
    expect(store.lookup(path, st)).toBe('sha256:old');
    store.save();
    forgetCache();
    expect(new StatIdentities(dir).lookup(path, st)).toBe('sha256:old');
    // Same size, other bytes: the change time moves.
    writeFileSync(path, 'int b;\n');
    expect(new StatIdentities(dir).lookup(path, statSync(path))).toBeNull();
  });

  it('planIndex on a tree whose files settled: the same identities from the store, and a file changed since is read again', async () => {
    const tree = miniTree();
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-stat-plan-'));
    await new Promise((r) => setTimeout(r, SETTLED_MS + 200));
    forgetCache();
    const first = await planIndex(tree, { cache: { dir } });
    expect(readdirSync(join(dir, 'trees'))).toEqual(['stat-identities.json']);
    const stored = JSON.parse(readFileSync(join(dir, 'trees', 'stat-identities.json'), 'utf8')) as { value: Record<string, { identity: string }> };
    expect(Object.values(stored.value).map((r) => r.identity).sort()).toEqual(first.sources.map((s) => s.identity).sort());
    forgetCache();
    const second = await planIndex(tree, { cache: { dir } });
    expect(second.sources).toEqual(first.sources);
    // The store answers (the file is not read): an identity recorded for its stat is the one planned.
    const generic = realpathSync(join(tree, 'virt', 'kvm', 'generic.c'));
    forgetCache();
    const store = new StatIdentities(dir);
    store.record(generic, statSync(generic), 'sha256:recorded');
    store.save();
    forgetCache();
    expect((await planIndex(tree, { cache: { dir } })).sources.find((s) => s.file === 'virt/kvm/generic.c')?.identity).toBe('sha256:recorded');
    // Without a cache there is no store: the bytes are read.
    expect((await planIndex(tree, { cache: { disabled: true } })).sources).toEqual(first.sources);
    // A rewrite the store cannot have seen: hashed from the new bytes.
    const file = join(tree, 'include', 'linux', 'kvm_host.h');
    const text = readFileSync(file, 'utf8').replace('slots_lock', 'slots_lick');
    writeFileSync(file, text);
    forgetCache();
    const third = await planIndex(tree, { cache: { dir } });
    const identity = third.sources.find((s) => s.file === 'include/linux/kvm_host.h')?.identity;
    expect(identity).toBe(`sha256:${createHash('sha256').update(text).digest('hex')}`);
    expect(identity).not.toBe(first.sources.find((s) => s.file === 'include/linux/kvm_host.h')?.identity);
  }, 30_000);
});
