/**
 * `kvm-review splat` as a list of stage calls:
 *
 * 1. the reports, read out of the input (report.ts, read.ts);
 * 2. with a tree, its functions and its observed order (the engine of `check`);
 * 3. each report placed on the tree and its locking.rst (place.ts);
 * 4. with `--repo`, the commit that added each placed site (history.ts).
 */
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import { auditTree } from '../audit.js';
import type { CacheOptions } from '../index/cache.js';
import { indexTree } from '../index/index-tree.js';
import { commitOf } from './history.js';
import type { SplatReport, SplatResult } from './model.js';
import { knownClasses, placeReport, type PlaceContext } from './place.js';

export interface SplatOptions {
  /** Kernel tree to place the reports on; null: the document only. */
  tree: string | null;
  doc: DocumentedOrder;
  cache: CacheOptions;
  /** Git repository whose history says which commit added each site (usually the tree itself). */
  repo?: string;
}

export async function analyseSplats(reports: readonly SplatReport[], opts: SplatOptions): Promise<SplatResult> {
  const notes: string[] = [];
  let ctx: PlaceContext = { doc: opts.doc, functions: null, observed: [] };
  if (opts.tree) {
    const index = await indexTree(opts.tree, { cache: opts.cache });
    const functions = new Map<string, string[]>();
    for (const f of index.files) for (const fn of f.functions) functions.set(fn.name, [...(functions.get(fn.name) ?? []), f.file]);
    const check = await auditTree(opts.tree, { arch: 'all', doc: opts.doc, cache: opts.cache });
    ctx = { doc: opts.doc, functions, observed: check.observed };
  } else {
    notes.push('no kernel tree: edges are checked against the document only, without sites (give --tree DIR)');
  }
  const known = knownClasses(ctx);
  const placed = reports.map((r) => placeReport(r, ctx, known));
  if (opts.repo) {
    for (const e of placed.flatMap((p) => p.edges)) {
      if (!e.site) continue;
      const c = await commitOf(opts.repo, e.site);
      if (typeof c === 'string') notes.push(c);
      else e.site.commit = c;
    }
  }
  return { reports: placed, tree: opts.tree, doc: opts.doc.source.path, notes };
}
