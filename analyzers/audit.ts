/**
 * The doc-versus-code audit of a whole tree (`kvm-review check`), as a
 * list of stage calls:
 *
 * 1. index the tree (C stage + held-lock walk, cached per file);
 * 2. per architecture, the observed order of its code (generic + arch/<a>);
 * 3. the rules against the documented order;
 * 4. findings and observed edges merged across architectures.
 */
import type { DocumentedOrder } from '../knowledge/doc/model.js';
import { edgesFor } from '../knowledge/doc/order-graph.js';
import type { CheckResult, ObservedSummary } from './findings/check-result.js';
import type { Finding, Severity, FindingKind } from './findings/model.js';
import type { CacheOptions } from './index/cache.js';
import { archOf, filesFor, indexedFiles, treeArchs } from './index/files.js';
import { indexTree } from './index/index-tree.js';
import { edgeKey, isBlocking } from './order/model.js';
import { observeOrder } from './order/observe.js';
import { codeClasses, runRules } from './rules/index.js';
import { sitesOf } from './rules/shared.js';

export interface AuditOptions {
  /** An architecture directory name, or 'all' for every architecture with KVM code in the tree. */
  arch: string;
  doc: DocumentedOrder;
  cache: CacheOptions;
  progress?: (done: number, total: number) => void;
  severities?: Partial<Record<FindingKind, Severity>>;
}

/** The architecture whose code the finding's first evidence chain runs through, null for generic code only. */
function evidenceArch(f: Finding): string | null {
  for (const step of f.sites[0]?.chain ?? []) {
    const arch = archOf(step.file);
    if (arch) return arch;
  }
  return null;
}

export async function auditTree(tree: string, opts: AuditOptions): Promise<CheckResult> {
  const archs = opts.arch === 'all' ? treeArchs(tree) : [opts.arch];
  const all = indexedFiles(tree);
  const files = opts.arch === 'all' ? all : filesFor(all, opts.arch);
  const index = await indexTree(tree, { cache: opts.cache, progress: opts.progress, files });
  const started = Date.now();
  const classes = codeClasses(index.files.flatMap((f) => f.functions));
  const findings = new Map<string, Finding>();
  const observed = new Map<string, ObservedSummary>();
  let unresolvedCalls = 0;
  let truncated = 0;

  for (const arch of archs) {
    const files = index.files.filter((f) => f.arch === null || f.arch === arch);
    const order = observeOrder(files.flatMap((f) => f.functions), files.flatMap((f) => f.ops));
    unresolvedCalls = Math.max(unresolvedCalls, [...order.index.unresolved.values()].reduce((a, b) => a + b, 0));
    truncated = Math.max(truncated, order.summaries.truncated.size);
    for (const f of runRules({ doc: opts.doc, observed: order.edges, arch, codeClasses: classes }, opts.severities)) {
      // Evidence in generic code is one finding for every build; evidence in arch/<a>/ is that arch's own.
      const key = `${f.fingerprint}:${evidenceArch(f) ?? ''}`;
      const prev = findings.get(key);
      if (prev) prev.arch = prev.arch === f.arch ? prev.arch : null;
      else findings.set(key, f);
    }
    for (const e of order.edges) {
      const key = edgeKey(e.outer, e.inner, e.innerOp);
      const prev = observed.get(key);
      if (prev) {
        if (!prev.archs.includes(arch)) prev.archs.push(arch);
        prev.count = Math.max(prev.count, e.count);
        // Another build reaching it unconditionally gives the edge its full-confidence evidence.
        if (prev.fullCount === 0 && e.fullCount > 0) prev.sites = sitesOf(e);
        prev.fullCount = Math.max(prev.fullCount, e.fullCount);
        prev.confidence = prev.fullCount > 0 ? 'full' : 'conditional';
        continue;
      }
      const confidence = e.fullCount > 0 ? 'full' : 'conditional';
      observed.set(key, { outer: e.outer, inner: e.inner, innerOp: e.innerOp, blocking: isBlocking(e), count: e.count, fullCount: e.fullCount, confidence, sites: sitesOf(e), archs: [arch] });
    }
  }

  const skipped = index.files.flatMap((f) => f.skipped.map((s) => ({ file: f.file, ...s })));
  return {
    doc: opts.doc.source,
    findings: [...findings.values()],
    documented: archs.length === 1 ? edgesFor(opts.doc.edges, archs[0]) : opts.doc.edges,
    observed: [...observed.values()].sort((a, b) => a.outer.localeCompare(b.outer) || a.inner.localeCompare(b.inner)),
    stats: {
      tree,
      archs,
      files: index.files.length,
      bytes: index.files.reduce((n, f) => n + f.bytes, 0),
      functions: {
        clean: index.files.reduce((n, f) => n + f.clean, 0),
        damaged: index.files.reduce((n, f) => n + f.damaged, 0),
        skipped: skipped.length,
      },
      skipped,
      unresolvedLocks: index.files.reduce((n, f) => n + f.functions.reduce((m, fn) => m + fn.unresolved.length, 0), 0),
      unresolvedCalls,
      truncatedSummaries: truncated,
      cache: index.cache,
      ms: { index: index.ms, analyse: Date.now() - started },
    },
  };
}
