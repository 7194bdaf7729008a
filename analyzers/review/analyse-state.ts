/**
 * The engine on one state of the tree (before or after a patch): index
 * (cached per file content, so only patched files are re-read), observe
 * per architecture, run the rules.
 */
import type { DocumentedOrder } from '../../knowledge/doc/model.js';
import type { LockClass } from '../../knowledge/lock-names.js';
import type { Finding } from '../findings/model.js';
import type { CacheOptions } from '../index/cache.js';
import { archOf, indexedFiles } from '../index/files.js';
import { indexTree, type FileFacts } from '../index/index-tree.js';
import type { FunctionFacts } from '../locks/model.js';
import { edgeKey, type ObservedEdge } from '../order/model.js';
import { observeOrder } from '../order/observe.js';
import { runRules } from '../rules/index.js';
import type { Overlay } from './overlay.js';

/** Files the index reads: the tree's, plus files the series adds under indexed directories, less deleted ones. */
const INDEXED = /^(virt\/kvm\/|include\/kvm\/|arch\/[^/]+\/kvm\/|include\/linux\/kvm[^/]*\.h$|arch\/[^/]+\/include\/asm\/kvm[^/]*\.h$)/;

export interface StateAnalysis {
  files: FileFacts[];
  /** Per architecture. */
  findings: Map<string, Finding[]>;
  observed: Map<string, ObservedEdge[]>;
  functions: FunctionFacts[];
}

export async function analyseState(overlay: Overlay, archs: string[], doc: DocumentedOrder, cache: CacheOptions, base: string[]): Promise<StateAnalysis> {
  const files = [...new Set([...base, ...overlay.changedPaths().filter((p) => INDEXED.test(p) && /\.[ch]$/.test(p))])].filter((f) => !overlay.isDeleted(f));
  const index = await indexTree(overlay.tree, { cache, files, read: (f) => overlay.read(f) ?? '' });
  const classes = new Set<LockClass>();
  for (const f of index.files) for (const fn of f.functions) for (const a of fn.acquires) classes.add(a.lock.class);
  const findings = new Map<string, Finding[]>();
  const observed = new Map<string, ObservedEdge[]>();
  for (const arch of archs) {
    const fns = index.files.filter((f) => f.arch === null || f.arch === arch).flatMap((f) => f.functions);
    const order = observeOrder(fns);
    observed.set(arch, order.edges);
    findings.set(arch, runRules({ doc, observed: order.edges, arch, codeClasses: classes }));
  }
  return { files: index.files, findings, observed, functions: index.files.flatMap((f) => f.functions) };
}

/** The tree's indexed files, for every state of a review. */
export function baseFiles(tree: string): string[] {
  return indexedFiles(tree);
}

/** Architectures a patch's C files concern: their own, or every one for generic code. */
export function archsFor(paths: readonly string[], treeArchs: readonly string[]): string[] {
  const out = new Set<string>();
  for (const p of paths) {
    const a = archOf(p);
    if (a) out.add(a);
    else treeArchs.forEach((t) => out.add(t));
  }
  return [...out].filter((a) => treeArchs.includes(a)).sort();
}

export function edgeKeys(edges: readonly ObservedEdge[]): Set<string> {
  return new Set(edges.map((e) => edgeKey(e.outer, e.inner, e.innerOp)));
}
