/**
 * A parsed locking.rst is kept in the index cache: what a warm run loads
 * must be what the reader says for the same bytes, and a damaged entry is
 * counted out and parsed again.
 */
import { describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgetCache } from '../../analyzers/index/cache.js';
import { s } from '../../analyzers/index/shape.js';
import { DirectoryTree } from '../../analyzers/trees/directory-tree.js';
import { loadDocumentedOrder, loadTreeOrder } from '../../knowledge/doc/load.js';
import { corpusRevisions, kernelTree, LOCKING_DOC_DIR } from '../helpers/paths.js';

describe('parsed locking.rst in the cache', () => {
  it('every corpus revision loads from the cache as the reader parses it; an edited document or a damaged entry is parsed again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-doc-cache-'));
    const revisions = corpusRevisions();
    expect(revisions.length).toBeGreaterThan(10);
    for (const rev of revisions) {
      const file = join(LOCKING_DOC_DIR, rev);
      const fresh = loadDocumentedOrder({ file, cwd: '/' });
      loadDocumentedOrder({ file, cwd: '/', cache: { dir } });
      forgetCache();
      expect(loadDocumentedOrder({ file, cwd: '/', cache: { dir } })).toEqual(fresh);
    }
    expect(readdirSync(join(dir, 'docs')).length).toBe(revisions.length);

    // Another document at the same path: its own entry, its own answer.
    const work = mkdtempSync(join(tmpdir(), 'kvm-review-doc-cache-file-'));
    const file = join(work, 'locking.rst');
    const [first = '', second = ''] = [revisions[0], revisions[revisions.length - 1]];
    copyFileSync(join(LOCKING_DOC_DIR, first), file);
    const a = loadDocumentedOrder({ file, cwd: '/', cache: { dir } });
    writeFileSync(file, readFileSync(join(LOCKING_DOC_DIR, second)));
    forgetCache();
    const b = loadDocumentedOrder({ file, cwd: '/', cache: { dir } });
    expect(b).toEqual(loadDocumentedOrder({ file, cwd: '/' }));
    expect(b).not.toEqual(a);

    // Every entry damaged: each parsed again, the same answers.
    for (const e of readdirSync(join(dir, 'docs'))) writeFileSync(join(dir, 'docs', e), readFileSync(join(dir, 'docs', e), 'utf8').replace(/"line":(\d)/, '"line":1$1'));
    forgetCache();
    expect(loadDocumentedOrder({ file, cwd: '/', cache: { dir } })).toEqual(b);
  });

  it('a tree\'s document (loadTreeOrder) loads from the cache as it parses, under the tree\'s name for it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-doc-cache-tree-'));
    const tree = new DirectoryTree(kernelTree('6.12'));
    const fresh = await loadTreeOrder(tree);
    await loadTreeOrder(tree, { dir });
    forgetCache();
    expect(await loadTreeOrder(tree, { dir })).toEqual(fresh);
    expect(readdirSync(join(dir, 'docs'))).toHaveLength(1);
  });

  it('only values JSON carries unchanged are cached', () => {
    expect(s.json().safeParse({ a: [1, 'x', null, { b: true }], c: undefined }).success).toBe(true);
    expect(s.json().safeParse({ a: new Map() }).success).toBe(false);
    expect(s.json().safeParse({ a: [1, undefined] }).success).toBe(false);
    expect(s.json().safeParse({ a: Number.NaN }).success).toBe(false);
  });
});
