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
import { scanSetters } from './annotation.js';
import { commitOf } from './history.js';
import type { SplatReport, SplatResult } from './model.js';
import { knownClasses, placeReport, type PlaceContext } from './place.js';
import type { ClassKinds } from './primitive.js';
import type { FunctionFacts } from '../locks/model.js';
import type { LockKind } from '../../knowledge/lock-primitives-model.js';
import type { LockClass } from '../../knowledge/lock-names.js';

export interface SplatOptions {
  /** Kernel tree to place the reports on; null: the document only. */
  tree: string | null;
  doc: DocumentedOrder;
  cache: CacheOptions;
  /** Git repository whose history says which commit added each site (usually the tree itself). */
  repo?: string;
}

/** What reports are placed on: the tree's functions and observed order (the engine of `check`), and the document. */
export async function placeContext(tree: string | null, doc: DocumentedOrder, cache: CacheOptions): Promise<PlaceContext> {
  if (!tree) return { doc, functions: null, observed: [] };
  const index = await indexTree(tree, { cache });
  const functions = new Map<string, string[]>();
  for (const f of index.files) for (const fn of f.functions) functions.set(fn.name, [...(functions.get(fn.name) ?? []), f.file]);
  const check = await auditTree(tree, { arch: 'all', doc, cache });
  const facts = new Map<string, FunctionFacts[]>();
  for (const f of index.files) for (const fn of f.functions) facts.set(fn.name, [...(facts.get(fn.name) ?? []), fn]);
  const annotations = { root: tree, functions: facts, setters: scanSetters(tree, index.files) };
  return { doc, functions, observed: check.observed, kinds: classKinds(index.files), annotations };
}

/** The primitives the tree takes each class with, one site per kind: what a same-class nesting is annotated with. */
export function classKinds(files: readonly { functions: readonly FunctionFacts[] }[]): ClassKinds {
  const out = new Map<LockClass, Map<LockKind, string>>();
  for (const f of files) {
    for (const fn of f.functions) {
      for (const a of fn.acquires) {
        // A class guessed from a variable's name says nothing sure about its type.
        if (a.lock.guessed) continue;
        const byKind = out.get(a.lock.class) ?? new Map<LockKind, string>();
        if (!byKind.has(a.lock.kind)) byKind.set(a.lock.kind, `${fn.name}() (${fn.file}:${a.line})`);
        out.set(a.lock.class, byKind);
      }
    }
  }
  return out;
}

export async function analyseSplats(reports: readonly SplatReport[], opts: SplatOptions): Promise<SplatResult> {
  return placeReports(reports, await placeContext(opts.tree, opts.doc, opts.cache), opts);
}

/** Steps 3 and 4 on a context already built (tests place many reports on one tree). */
export async function placeReports(reports: readonly SplatReport[], ctx: PlaceContext, opts: Pick<SplatOptions, 'tree' | 'repo'>): Promise<SplatResult> {
  const notes: string[] = [];
  if (!ctx.functions) notes.push('no kernel tree: edges are checked against the document only, without sites (give --tree DIR)');
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
  return { reports: placed, tree: opts.tree, doc: ctx.doc.source.path, notes };
}
