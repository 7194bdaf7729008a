/**
 * `npm run bench`: figures for the 6.12 tree (and 6.1 for the one-line
 * patch), printed next to issue 15's targets, not asserted.
 * - index of virt/kvm + arch/x86/kvm + arch/arm64/kvm (and headers), cold
 *   and warm, next to tree-sitter's parse-only time of the same files;
 * - `check --tree` end to end (the bin run with node): warm under 0.5 s,
 *   cold at most 1.5x parse-only of the same (all) files;
 * - a one-line patch reviewed warm: under 150 ms of analysis on 6.1 and
 *   6.12, next to the whole-tree audit time;
 * - a 10-patch series reviewed warm: at most 1.0x checkpatch.pl;
 * - peak RSS under 300 MB cold, 200 MB for a warm review.
 * Then `git` next to `mbox`, the App's webhook-to-review time, the lore
 * watcher on the kvmarm slice, the job queue and the digest.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appBench } from './app-bench.js';
import { jobsBench } from './jobs-bench.js';
import { alternated, gitBench, makeSeries, reviewBench } from './review-bench.js';
import { median } from './median.js';
import { watchBench } from './watch-bench.js';
import { BenchDaemon } from './daemon-bench.js';
import { mboxBench } from './mbox-bench.js';
import { digestBench } from './digest-bench.js';
import { indexPoolSize } from '../../analyzers/index/worker-pool.js';
import { caCertsCost, describeNodeStart, nodeStartWithoutCaCerts, withCaCerts } from './node-start.js';
import { describeFileCreation, fileCreationMs } from './file-creation.js';
import { sameAnalysis, type CeilingPlan } from './prefilter-ceiling.js';
import { BLANK_PLAN_ENV } from './blank-bodies.js';

/** What rusage-hook.ts writes its line after (not imported: the hook would run in this process too). */
const RUSAGE_MARK = 'kvm-review-bench-rusage ';

interface Phase {
  phase: string;
  files: number;
  bytes: number;
  ms: number;
  totalMs?: number;
  functions?: number;
  edges?: number;
  hits?: number;
  threads?: number;
  rssMb: number;
}

const here = dirname(fileURLToPath(import.meta.url));
const shared = join(here, '..', '..', '..', '..', 'shared');

const cli = join(here, '..', '..', '..', 'bot', 'kvm-review.js');
const met = (ok: boolean): string => (ok ? 'met' : 'NOT met');

/** One CLI run; exit 1 (findings) is a result. */
function cliRun(args: string[]): void {
  try {
    execFileSync(process.execPath, [cli, ...args], { stdio: 'pipe', maxBuffer: 256 << 20 });
  } catch (e) {
    if ((e as { status?: number }).status !== 1) throw e;
  }
}

/**
 * A CLI run end to end with what it cost (rusage-hook.ts): wall ms, CPU ms of all its threads, peak
 * RSS, and its output. `hooks`: more modules for `node --import`; `env`: more variables.
 */
function costed(args: string[], hooks: string[] = [], env: Record<string, string> = {}): { ms: number; cpuMs: number; rssMb: number; out: string } {
  const t = performance.now();
  const imports = ['rusage-hook.js', ...hooks].flatMap((h) => ['--import', join(here, h)]);
  const r = spawnSync(process.execPath, [...imports, cli, ...args], { encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, ...env } });
  const ms = performance.now() - t;
  // Exit 1 is findings: a result.
  if (r.status !== 0 && r.status !== 1) throw new Error(`kvm-review ${args.join(' ')}: exit ${r.status ?? r.signal}: ${r.stderr}`);
  const line = r.stderr.split('\n').find((l) => l.startsWith(RUSAGE_MARK));
  if (!line) throw new Error(`no resource usage from: kvm-review ${args.join(' ')}`);
  return { ms, ...(JSON.parse(line.slice(RUSAGE_MARK.length)) as { cpuMs: number; rssMb: number }), out: r.stdout };
}

function run(args: string[]): Phase {
  const out = execFileSync(process.execPath, [join(here, 'phase.js'), ...args], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as Phase;
}

// Before any child starts: they inherit the environment without NODE_EXTRA_CA_CERTS (node-start.ts).
const nodeStart = nodeStartWithoutCaCerts();
const caCost = caCertsCost(nodeStart);
const tree = process.argv[2] ?? execFileSync(join(shared, 'tools', 'kernel-tree'), ['6.12'], { encoding: 'utf8' }).trim();
const cache = mkdtempSync(join(tmpdir(), 'kvm-review-bench-'));
try {
  const parse = run(['parse', tree]);
  const cold = run(['index', tree, cache]);
  const warm = run(['index', tree, cache]);
  const mb = parse.bytes / 1e6;
  const line = (name: string, p: Phase, extra = ''): string =>
    `${name.padEnd(12)} ${p.ms.toFixed(0).padStart(6)} ms  ${(mb / (p.ms / 1000)).toFixed(1).padStart(5)} MB/s  peak RSS ${p.rssMb.toFixed(0).padStart(4)} MB${extra}`;
  console.log(`kvm-review benchmark: ${tree}`);
  console.log(describeNodeStart(nodeStart));
  console.log(`files: ${parse.files} (${mb.toFixed(2)} MB) in virt/kvm, include/linux/kvm*.h, arch/x86 and arch/arm64 KVM code`);
  console.log(line('parse only', parse));
  console.log(line('cold index', cold, `  ${cold.functions} functions, ${cold.edges} observed edges (x86 + arm64), ${cold.threads ?? 0} worker threads`));
  console.log(line('warm index', warm, `  ${warm.hits} cache hits`));
  console.log(`cold index / parse-only: ${(cold.ms / parse.ms).toFixed(2)}x; warm index ${warm.ms.toFixed(0)} ms`);

  // check --tree end to end, as a user runs it.
  const checkCache = join(cache, 'check');
  const checkArgs = ['check', '--tree', tree, '--format', 'json', '--cache-dir', checkCache];
  // Cold: parse-only on one core and check with an empty cache (the last one fills checkCache for the
  // warm runs), alternated, so that load from elsewhere on the machine falls on both alike.
  const threads = indexPoolSize();
  // Before the cold checks, in the directory they write to: how much of their time the file system's recent deletions add.
  const creationMs = fileCreationMs(cache);
  // The ceiling of parsing less: the bodies no lock can be reached from, blanked before the parse (prefilter-ceiling.ts).
  const planFile = join(cache, 'ceiling-plan.json');
  const plan = run(['ceiling-plan', tree, join(cache, 'ceiling-plan-index'), planFile]) as unknown as Omit<CeilingPlan, 'plan'>;
  const parseAll: Phase[] = [];
  const colds: ReturnType<typeof costed>[] = [];
  const ceilings: ReturnType<typeof costed>[] = [];
  for (let k = 0; k < 5; k++) {
    parseAll.push(run(['parse-all', tree]));
    const dir = k === 4 ? checkCache : join(cache, `cold-check-${k}`);
    colds.push(costed(checkArgs.map((a) => (a === checkCache ? dir : a))));
    const ceilingArgs = checkArgs.map((a) => (a === checkCache ? join(cache, `ceiling-check-${k}`) : a));
    ceilings.push(costed(ceilingArgs, ['blank-bodies-hook.js'], { [BLANK_PLAN_ENV]: planFile }));
  }
  const all = parseAll[0] as Phase;
  const allMs = median(parseAll.map((p) => p.ms));
  const coldCheck = median(colds.map((c) => c.ms));
  const coldCpu = median(colds.map((c) => c.cpuMs));
  const coldRss = Math.max(...colds.map((c) => c.rssMb));
  const [warmCheck = 0] = alternated(5, () => cliRun(checkArgs));
  console.log(`check --tree, all ${all.files} indexed files (${(all.bytes / 1e6).toFixed(2)} MB): parse only ${allMs.toFixed(0)} ms on one core, median of 5`);
  console.log(`  cold index on ${threads > 1 ? `${threads} worker threads` : 'the main thread'} (KVM_REVIEW_THREADS, else one per core: ${availableParallelism()} here)`);
  // Parse-only is timed inside its process: node's start (and NODE_EXTRA_CA_CERTS) is the check's alone.
  console.log(`  cold ${coldCheck.toFixed(0)} ms, median of 5 alternated with parse-only = ${(coldCheck / allMs).toFixed(2)}x parse-only (target <= 1.5x: ${met(coldCheck <= 1.5 * allMs)}${withCaCerts(caCost, coldCheck, (ms) => ms <= 1.5 * allMs)})`);
  // CPU is what other sessions' load does not inflate: its half is the wall time the two cores would give if idle.
  console.log(describeFileCreation(creationMs));
  console.log(`  cold CPU ${coldCpu.toFixed(0)} ms (all threads, median) = ${(coldCpu / allMs).toFixed(2)}x parse-only; peak RSS ${coldRss.toFixed(0)} MB (target < 300 MB: ${met(coldRss < 300)})`);
  const ceiling = median(ceilings.map((c) => c.ms));
  const same = ceilings.every((c) => sameAnalysis(c.out, colds[0]?.out ?? ''));
  // Fewer calls outside the index is the sign the bodies were blanked, in the worker threads too.
  const outside = (c: { out: string } | undefined): number => (JSON.parse(c?.out ?? '{}') as { stats?: { unresolvedCalls?: number } }).stats?.unresolvedCalls ?? 0;
  const blanked = outside(ceilings[0]) < outside(colds[0]) ? `calls outside the index ${outside(colds[0])} -> ${outside(ceilings[0])}` : 'NOT blanked: as many calls outside the index';
  console.log(
    `  cold with a perfect pre-filter (the ${plan.bodies} of ${plan.functions} function bodies no lock is reached from, ${plan.lines} of ${plan.functionLines} function lines, blanked before the parse; ${plan.unplaced} not placed): ${ceiling.toFixed(0)} ms, median of 5 alternated = ${(ceiling / allMs).toFixed(2)}x parse-only; CPU ${median(ceilings.map((c) => c.cpuMs)).toFixed(0)} ms; ${same ? 'the same findings and observed order' : 'NOT the same findings: the plan is wrong'}, ${blanked}`,
  );
  console.log(`  warm ${warmCheck.toFixed(0)} ms, median of 5 (target < 500 ms: ${met(warmCheck < 500)}${withCaCerts(caCost, warmCheck, (ms) => ms < 500)})`);

  // A one-line patch, warm, on each tree, next to the whole-tree audit.
  const trees = [tree, tree.replace(/linux-6\.12$/, 'linux-6.1')].filter((t, k, a) => a.indexOf(t) === k);
  for (const [n, t] of trees.entries()) {
    const work = join(cache, `oneline-${n}`);
    const args = (variant: number): string[] => ['oneline', t, join(work, 'cache'), work, String(variant)];
    run(args(0)); // a first patch fills the cache for the tree (cold)
    const ms: number[] = [];
    let last: Phase & { auditMs?: number; auditFiles?: number } = run(args(1));
    ms.push(last.ms);
    for (let k = 2; k <= 4; k++) {
      last = run(args(k));
      ms.push(last.ms);
    }
    const one = median(ms);
    console.log(`one-line patch on ${t}, tree warm, patch new: in a fresh process, analysis ${one.toFixed(0)} ms, median of 4 (the base state's facts loaded first; < 150 ms: ${met(one < 150)}); whole-tree audit (${last.auditFiles ?? 0} files, warm) ${(last.auditMs ?? 0).toFixed(0)} ms; peak RSS ${last.rssMb.toFixed(0)} MB`);
    // The same in a process that reviewed a patch before (the App, the watcher, a job worker): variant k+10 after k.
    // Right after that review, and once the process is idle again (V8 optimising the first review's code on the other core meanwhile).
    for (const k of [5, 6, 7, 8, 9, 10, 15, 16, 17, 18, 19, 20]) makeSeries(t, join(work, `variant-${k}`), 1, k);
    const residentRun = (k: number, settle: boolean): Phase & { settledMs?: number } =>
      run(['resident', t, join(work, 'cache'), join(work, `variant-${k}`, 'series.mbx'), join(work, `variant-${k + 10}`, 'series.mbx'), ...(settle ? ['settle'] : [])]);
    const atOnce: number[] = [];
    const idle: (Phase & { settledMs?: number })[] = [];
    // Alternated, so that the host's load falls on both alike.
    for (const k of [5, 6, 7]) {
      atOnce.push(residentRun(k, false).ms);
      idle.push(residentRun(k + 3, true));
    }
    const idleMs = median(idle.map((p) => p.ms));
    const waited = median(idle.map((p) => p.settledMs ?? 0));
    console.log(
      `  in a resident process (a review before it): analysis ${median(atOnce).toFixed(0)} ms started at once after it, ${idleMs.toFixed(0)} ms once the process was idle again (after ${waited.toFixed(0)} ms), medians of 3 (target < 150 ms: at once ${met(median(atOnce) < 150)}, idle ${met(idleMs < 150)})`,
    );
    // End to end through `kvm-review daemon` (node's start and the client included): a warm-up patch, then new ones.
    for (const k of [25, 26, 27, 28]) makeSeries(t, join(work, `variant-${k}`), 1, k);
    const daemon = new BenchDaemon(cli);
    try {
      const through = (k: number): string[] => ['mbox', join(work, `variant-${k}`, 'series.mbx'), '--tree', t, '--format', 'json', '--cache-dir', join(work, 'cache')];
      daemon.run(through(25));
      const inServer: number[] = [];
      const ends = [26, 27, 28].map((k) => {
        const t0 = performance.now();
        daemon.run(through(k));
        const ms = performance.now() - t0;
        inServer.push(daemon.lastMs());
        return ms;
      });
      // The server's time is the analysis with no process start: what the target counts.
      const analysis = median(inServer);
      const caEnd = caCost > 0 ? ` (${(median(ends) + caCost).toFixed(0)} ms with NODE_EXTRA_CA_CERTS)` : '';
      console.log(`  through the daemon: ${median(ends).toFixed(0)} ms end to end${caEnd}, ${analysis.toFixed(0)} ms of it in the server (target < 150 ms: ${met(analysis < 150)}), median of 3 new patches${daemon.check()}`);
    } finally {
      daemon.stop();
    }
  }
  console.log(`peak RSS cold index ${cold.rssMb.toFixed(0)} MB (target < 300 MB: ${met(cold.rssMb < 300)})`);
  reviewBench(tree, caCost);
  await gitBench(tree);
  await appBench(tree);
  await watchBench(shared, join(here, '..', '..', '..', 'bot', 'kvm-review.js'));
  await jobsBench();
  await digestBench();
  await mboxBench();
} finally {
  rmSync(cache, { recursive: true, force: true });
}
