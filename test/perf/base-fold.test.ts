/**
 * A process that reviews again (the App, the watcher, a job worker, the
 * daemon) loads the tree's state from the cache each time, and the cache
 * hands it the events it read first. The fold of those events is made once
 * and the first state of every later review starts from it: two reviews of
 * the same tree, each patching another file, share the edges neither patch
 * touched, and each equals a full observe of its state.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexedFiles } from '../../analyzers/index/files.js';
import { analyseState, lazyState, type StateAnalysis } from '../../analyzers/review/analyse-state.js';
import { DirectoryTree } from '../../analyzers/trees/directory-tree.js';
import { OverlayTree } from '../../analyzers/trees/overlay-tree.js';
import { loadDocumentedOrder } from '../../knowledge/doc/load.js';
import { kernelTree } from '../helpers/paths.js';

const ARCHS = ['x86', 'arm64'];
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** `file` with a comment line after its first line that takes a lock: the functions below it move. */
function patched(tree: string, file: string): string {
  const lines = readFileSync(join(tree, file), 'utf8').split('\n');
  const at = lines.findIndex((l) => /^\tmutex_lock\(/.test(l));
  expect(at).toBeGreaterThan(0);
  return [...lines.slice(0, at + 1), '\t/* moved */', ...lines.slice(at + 1)].join('\n');
}

describe('the fold of a loaded state, made once per process', () => {
  for (const version of ['6.1', '6.12'] as const) {
    it(`on ${version}: two reviews patching other files share the edges neither touched`, async () => {
      const tree = kernelTree(version);
      const cache = mkdtempSync(join(tmpdir(), 'kvm-review-base-fold-'));
      dirs.push(cache);
      const files = await indexedFiles(tree);
      const doc = loadDocumentedOrder({ tree, cwd: '/' });
      // The first analysis writes the tree's edges and events; each review after it loads them.
      const first = await analyseState(new OverlayTree(new DirectoryTree(tree)), ARCHS, doc, { dir: cache }, files);
      first.observed('x86');
      first.code?.('x86');
      const reviews: StateAnalysis[] = [];
      for (const file of ['virt/kvm/kvm_main.c', 'arch/x86/kvm/x86.c']) {
        const overlay = new OverlayTree(new DirectoryTree(tree));
        const base = await analyseState(overlay, ARCHS, doc, { dir: cache }, files);
        const next = overlay.clone();
        next.write(file, patched(tree, file));
        const after = await analyseState(next, ARCHS, doc, { dir: cache }, files, { state: base, changed: [file], overlay });
        const edges = after.observed('x86');
        expect(after.how?.('x86')?.how).toBe('incremental');
        expect(edges).toEqual(lazyState(after.functions, ARCHS, doc, after.files).observed('x86'));
        reviews.push(after);
      }
      const [a, b] = reviews.map((r) => r.observed('x86')) as [unknown[], unknown[]];
      const inA = new Set(a);
      expect(b.filter((e) => inA.has(e)).length).toBeGreaterThan(0);
    }, 300_000);
  }
});
