/**
 * One measured phase of the benchmark, in its own process so that its peak
 * RSS is its own and its time excludes process start and module loading:
 * `node dist/test/bench/phase.js parse|parse-all|index TREE [CACHE_DIR]`,
 * `review TREE CACHE_DIR MBOX`, `oneline TREE CACHE_DIR WORK_DIR [VARIANT]`,
 * `resident TREE CACHE_DIR WARMUP_MBOX MBOX [settle]`, `ceiling-plan TREE CACHE_DIR OUT`.
 * Prints one JSON line.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { auditTree } from '../../analyzers/audit.js';
import { indexedFiles } from '../../analyzers/index/files.js';
import { review } from '../../analyzers/review/review.js';
import { loadDocumentedOrder } from '../../knowledge/doc/load.js';
import { makeSeries } from './review-bench.js';
import { indexTree } from '../../analyzers/index/index-tree.js';
import { parseC } from '../../analyzers/c/parser.js';
import { observeOrder } from '../../analyzers/order/observe.js';
import { writeCeilingPlan } from './prefilter-ceiling.js';

/** The benchmark's file set: generic KVM code plus x86 and arm64. */
export async function benchFiles(tree: string): Promise<string[]> {
  return (await indexedFiles(tree)).filter((f) => !f.startsWith('arch/') || f.startsWith('arch/x86/') || f.startsWith('arch/arm64/'));
}

const rssMb = (): number => process.resourceUsage().maxRSS / 1024;

/** A warm review's analysis in this process (the cache on disk filled by an earlier run): ms, findings, peak RSS. */
async function reviewPhase(tree: string, cacheDir: string, mbox: string): Promise<{ ms: number; findings: number; rssMb: number }> {
  const t0 = performance.now();
  const r = await review({ input: mbox, tree, cache: { dir: cacheDir } });
  return { ms: performance.now() - t0, findings: r.patches.reduce((n, p) => n + p.findings.length, 0), rssMb: rssMb() };
}

/**
 * A one-line patch (a lockdep_assert_held() after a mutex_lock()) reviewed
 * warm, next to the whole-tree audit, warm, of the same tree: the first must
 * not follow the second. Each VARIANT is a patch the cache has not seen (a
 * comment after the added line), so its state is analysed, not loaded.
 */
async function onelinePhase(tree: string, cacheDir: string, work: string, variant: string | undefined): Promise<void> {
  const dir = join(work, `variant-${variant ?? 'none'}`);
  mkdirSync(dir, { recursive: true });
  const mbox = join(dir, 'series.mbx');
  if (!existsSync(mbox)) makeSeries(tree, dir, 1, variant === undefined ? undefined : Number(variant));
  const one = await reviewPhase(tree, cacheDir, mbox);
  const t0 = performance.now();
  const audit = await auditTree(tree, { arch: 'all', doc: loadDocumentedOrder({ tree, cwd: '/' }), cache: { dir: cacheDir } });
  const auditMs = performance.now() - t0;
  console.log(JSON.stringify({ phase: 'oneline', ms: one.ms, findings: one.findings, auditMs, auditFiles: audit.stats.files, rssMb: rssMb() }));
}

/**
 * A review in a process that has reviewed before (the App, the watcher and the job worker are such
 * processes): `warmup` is reviewed first, untimed (modules, the parser, JIT, the tree's facts in
 * memory), then `mbox`, timed.
 */
async function residentPhase(tree: string, cacheDir: string, warmup: string, mbox: string, settle: boolean): Promise<void> {
  await review({ input: warmup, tree, cache: { dir: cacheDir } });
  // After a process's first review, V8 spends 70-190 ms of CPU optimising its code on background
  // threads; on two cores a review started at once competes with that. `settle`: wait for it.
  const settledMs = settle ? await settled() : 0;
  const r = await reviewPhase(tree, cacheDir, mbox);
  console.log(JSON.stringify({ phase: 'resident', ...r, settledMs }));
}

/** Wait until the process uses under 5 ms of CPU in 100 ms (at most 5 s): how long that took. */
async function settled(): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const before = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 100));
    const used = process.cpuUsage(before);
    if (used.user + used.system < 5000 || performance.now() - t0 > 5000) return performance.now() - t0;
  }
}

/** Index every file `check --tree` indexes, and write the plan blanking the bodies that reach no lock (prefilter-ceiling.ts). */
async function ceilingPlanPhase(tree: string, cacheDir: string, out: string): Promise<void> {
  const index = await indexTree(tree, { cache: { dir: cacheDir }, files: await indexedFiles(tree) });
  console.log(JSON.stringify({ phase: 'ceiling-plan', ...writeCeilingPlan(tree, index.files, out) }));
}

async function main(): Promise<void> {
  const [phase, tree, cacheDir, extra, variant, settle] = process.argv.slice(2);
  if (phase === 'ceiling-plan' && tree && cacheDir && extra) return ceilingPlanPhase(tree, cacheDir, extra);
  if (phase === 'resident' && cacheDir && extra && variant) return residentPhase(tree ?? '', cacheDir, extra, variant, settle === 'settle');
  if (!phase || !tree) throw new Error('usage: phase.js parse|parse-all|index TREE [CACHE_DIR] | review TREE CACHE_DIR MBOX | oneline TREE CACHE_DIR WORK_DIR | ceiling-plan TREE CACHE_DIR OUT');
  if (phase === 'review' && cacheDir && extra) return void console.log(JSON.stringify({ phase, ...(await reviewPhase(tree, cacheDir, extra)) }));
  if (phase === 'oneline' && cacheDir && extra) return onelinePhase(tree, cacheDir, extra, variant);
  // parse-all: every indexed file of every architecture (what `check --tree` indexes).
  const files = phase === 'parse-all' ? await indexedFiles(tree) : await benchFiles(tree);
  const texts = files.map((f) => readFileSync(join(tree, f), 'utf8'));
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
  const started = performance.now();
  let functions = 0;
  let edges = 0;
  if (phase === 'parse' || phase === 'parse-all') {
    await parseC('');
    const t0 = performance.now();
    for (const t of texts) (await parseC(t)).delete();
    const ms = performance.now() - t0;
    console.log(JSON.stringify({ phase, files: files.length, bytes, ms, rssMb: process.resourceUsage().maxRSS / 1024 }));
    return;
  }
  const index = await indexTree(tree, { cache: { dir: cacheDir, disabled: !cacheDir }, files });
  const indexMs = performance.now() - started;
  functions = index.files.reduce((n, f) => n + f.functions.length, 0);
  for (const arch of ['x86', 'arm64']) {
    const files = index.files.filter((f) => f.arch === null || f.arch === arch);
    edges += observeOrder(files.flatMap((f) => f.functions), files.flatMap((f) => f.ops)).edges.length;
  }
  console.log(
    JSON.stringify({
      phase,
      files: files.length,
      bytes,
      ms: indexMs,
      totalMs: performance.now() - started,
      functions,
      edges,
      hits: index.cache.hits,
      threads: index.threads,
      rssMb: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

await main();
