/**
 * The doc-versus-code audit of a whole tree (`kvm-review check`), as a
 * list of stage calls:
 *
 * 1. index the tree (C stage + held-lock walk, cached per file);
 * 2-3. per architecture, the one observe-then-rules step (arch-analysis.ts):
 *    the observed order of its code (generic + arch/<a>), the rules against
 *    the documented order; a failure there is reported, not thrown;
 * 4. findings and observed edges merged across architectures.
 *
 * A warm run with nothing changed loads instead: the per-file counts of the
 * tree state and each architecture's edges are cached under the fact keys
 * of the files (identity, struct types, analyser version), so it reads the
 * files' identities and two small entries, never the facts, and runs only
 * the rules (which depend on the doc and the severities).
 */
import { INVARIANTS } from '../knowledge/invariants.js';
import { NOT_LAST_PUTS } from '../knowledge/refcount-puts.js';
import type { DocumentedOrder } from '../knowledge/doc/model.js';
import { edgesFor } from '../knowledge/doc/order-graph.js';
import type { AuditResult, ObservedSummary } from './findings/check-result.js';
import type { Finding, Severity, FindingKind } from './findings/model.js';
import type { LockClass } from '../knowledge/lock-names.js';
import { FactCache, orderVersion, sha256, type CacheOptions, type CacheStats, type ValueSchema } from './index/cache.js';
import { auditStateSchema } from './index/cache-schema.js';
import { archOf, filesFor, indexedFiles, treeArchs } from './index/files.js';
import { planIndex, type IndexPlan } from './index/plan.js';
import { edgeKey, isBlocking } from './order/model.js';
import { codeClasses } from './rules/index.js';
import { cachedEdges, rulesOn, type ArchAnalysis } from './arch-analysis.js';
import { ArchSteps } from './audit-archs.js';
import { asTree, type Tree } from './trees/index.js';
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

/** A tree state as check reports it, without the facts: cached under the state's fact keys. */
interface AuditState {
  files: { file: string; bytes: number; clean: number; damaged: number; skipped: CheckSkipped[]; unresolvedLocks: number }[];
  /** Files listed with an identity that could not be read when the state was indexed. */
  unread: { file: string; reason: string }[];
  classes: LockClass[];
}
type CheckSkipped = { name: string | null; line: number; reason: string };

const STATE = auditStateSchema as unknown as ValueSchema<AuditState>;

function stateCache(plan: IndexPlan): { cache: FactCache<AuditState>; key: string; owner: { file: string; identity: string } } {
  const key = sha256(orderVersion(), 'audit-state', ...[...plan.keys].map(([f, k]) => `${f}\u0000${k}`).sort());
  return { cache: new FactCache<AuditState>(plan.dir && `${plan.dir}/states`, STATE), key, owner: { file: 'audit-state', identity: key } };
}

export async function auditTree(treeOrPath: Tree | string, opts: AuditOptions): Promise<AuditResult> {
  const tree = asTree(treeOrPath);
  const archs = opts.arch === 'all' ? await treeArchs(tree) : [opts.arch];
  const all = await indexedFiles(tree);
  const files = opts.arch === 'all' ? all : filesFor(all, opts.arch);
  const indexStarted = Date.now();
  const plan = await planIndex(tree, { cache: opts.cache, files });
  const sc = stateCache(plan);
  const ref = { dir: plan.dir, keys: plan.keys };
  // Warm and nothing changed: the state and every architecture's edges load; no fact is read.
  const known = plan.dir ? sc.cache.get(sc.key, sc.owner) : null;
  const loaded = known ? archs.map((arch) => cachedEdges(arch, ref)) : [];
  let state: AuditState;
  let analyses: ArchAnalysis[];
  let cacheStats: CacheStats;
  let indexMs: number;
  let started: number;
  if (known && loaded.every((e) => e !== null)) {
    opts.progress?.(plan.sources.length, plan.sources.length);
    state = known;
    indexMs = Date.now() - indexStarted;
    started = Date.now();
    const classes = new Set(state.classes);
    analyses = archs.map((arch, i) => {
      try {
        return rulesOn({ arch, doc: opts.doc, codeClasses: classes, severities: opts.severities }, loaded[i] as NonNullable<(typeof loaded)[number]>);
      } catch (e) {
        return { arch, edges: [], findings: [], unresolvedCalls: 0, truncatedSummaries: 0, ruledOut: {}, error: e instanceof Error ? e.message : String(e) };
      }
    });
    cacheStats = { dir: plan.dir, hits: plan.sources.length, misses: 0, invalid: 0, ...(plan.warning ? { warning: plan.warning } : {}) };
  } else {
    // Loaded when needed: the parser and the walk are a twentieth of a warm check's start-up.
    const { indexTree } = await import('./index/index-tree.js');
    // Each architecture is observed as soon as its files are in, while the threads parse the others' (audit-archs.ts).
    const steps = new ArchSteps({ archs, files: plan.sources.map((s) => s.file), doc: opts.doc, severities: opts.severities, cache: ref });
    let index: Awaited<ReturnType<typeof indexTree>>;
    try {
      index = await indexTree(tree, { cache: opts.cache, progress: opts.progress, files, plan, pack: false, rank: steps.rankOf(), onFacts: (f, facts) => steps.onFacts(f, facts), onThreads: (t) => steps.onThreads(t) });
    } finally {
      steps.close();
    }
    indexMs = index.ms;
    started = Date.now();
    const functions = index.files.flatMap((f) => f.functions);
    const classes = codeClasses(functions);
    state = {
      files: index.files.map((f) => ({ file: f.file, bytes: f.bytes, clean: f.clean, damaged: f.damaged, skipped: f.skipped, unresolvedLocks: f.functions.reduce((m, fn) => m + fn.unresolved.length, 0) })),
      unread: index.unread.filter((u) => !plan.unread.includes(u)),
      classes: [...classes],
    };
    analyses = steps.analyses(index.files, classes);
    // Only a complete state is kept: an architecture that failed is analysed again next time.
    if (plan.dir && analyses.every((a) => !a.error)) sc.cache.put(sc.key, sc.owner, state);
    cacheStats = index.cache;
  }
  const unread = [...plan.unread, ...state.unread];
  const findings = new Map<string, Finding>();
  const observed = new Map<string, ObservedSummary>();
  const failed: { arch: string; error: string }[] = [];
  let unresolvedCalls = 0;
  let truncated = 0;
  const ruledOut = new Map<string, number>();

  for (const a of analyses) {
    const arch = a.arch;
    if (a.error) failed.push({ arch, error: a.error });
    unresolvedCalls = Math.max(unresolvedCalls, a.unresolvedCalls);
    truncated = Math.max(truncated, a.truncatedSummaries);
    for (const [id, n] of Object.entries(a.ruledOut)) ruledOut.set(id, (ruledOut.get(id) ?? 0) + n);
    for (const f of a.findings) {
      // Evidence in generic code is one finding for every build; evidence in arch/<a>/ is that arch's own.
      const key = `${f.fingerprint}:${evidenceArch(f) ?? ''}`;
      const prev = findings.get(key);
      if (prev) prev.arch = prev.arch === f.arch ? prev.arch : null;
      else findings.set(key, f);
    }
    for (const e of a.edges) {
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
  // A failed architecture is said on every finding about generic code (which it also builds) and in the skipped list.
  if (failed.length) {
    const said = `not checked for ${failed.map((f) => f.arch).join(', ')}: the analysis failed there`;
    for (const f of findings.values()) if (f.arch === null || evidenceArch(f) === null) f.note = f.note ? `${f.note}; ${said}` : said;
  }

  const skipped = [
    ...state.files.flatMap((f) => f.skipped.map((s) => ({ file: f.file, ...s }))),
    ...unread.map((u) => ({ file: u.file, name: null, line: 0, reason: `not read: ${u.reason}` })),
    ...failed.map((f) => ({ file: `arch/${f.arch}`, name: null, line: 0, reason: `analysis of ${f.arch} failed: ${f.error}` })),
  ];
  return {
    doc: opts.doc.source,
    findings: [...findings.values()],
    documented: archs.length === 1 ? edgesFor(opts.doc.edges, archs[0]) : opts.doc.edges,
    observed: [...observed.values()].sort((a, b) => a.outer.localeCompare(b.outer) || a.inner.localeCompare(b.inner)),
    stats: {
      tree: tree.label,
      archs,
      files: state.files.length,
      bytes: state.files.reduce((n, f) => n + f.bytes, 0),
      functions: {
        clean: state.files.reduce((n, f) => n + f.clean, 0),
        damaged: state.files.reduce((n, f) => n + f.damaged, 0),
        skipped: skipped.length,
      },
      skipped,
      unresolvedLocks: state.files.reduce((n, f) => n + f.unresolvedLocks, 0),
      unresolvedCalls,
      truncatedSummaries: truncated,
      invariants: [...INVARIANTS, ...NOT_LAST_PUTS].filter((i) => ruledOut.has(i.id)).map((i) => ({ id: i.id, statement: i.statement, source: i.source, sitesLeftOut: ruledOut.get(i.id) ?? 0 })),
      cache: cacheStats,
      ms: { index: indexMs, analyse: Date.now() - started },
    },
  };
}
