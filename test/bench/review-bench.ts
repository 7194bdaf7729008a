/**
 * `npm run bench` (second part): a warm review of a 10-patch series next to
 * scripts/checkpatch.pl on the same patches, end to end (the bin run with
 * node), median of alternated runs, as a ratio. Target: kvm-review no
 * slower than checkpatch.pl; peak RSS of the warm review under 200 MB.
 *
 * The series is made at run time from the tree (each patch adds a
 * lockdep_assert_held() after a mutex_lock(&kvm->lock)), so no kernel text
 * is kept in the repository.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatPatchMail } from '../helpers/format-patch.js';
import { copyKernelFiles, git, initRepo } from '../git/repo.js';
import { BenchDaemon } from './daemon-bench.js';
import { median } from './median.js';
import { withCaCerts } from './node-start.js';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', '..', '..', 'bot', 'kvm-review.js');

interface Made {
  mbox: string;
  patches: string[];
}

/** A plain mutex_lock() of a KVM lock on a line of its own. */
const LOCK_LINE = /^(\t+)mutex_lock\((&(?:kvm|vcpu->kvm|vcpu)->(?:lock|slots_lock|mutex))\);$/;

/**
 * `count` one-line patches to the first .c files that take a lock. A `variant`
 * puts a comment after each added line, so that every variant is a state of
 * the code the cache has not seen (a warm tree, a new series).
 */
export function makeSeries(tree: string, dir: string, count = 10, variant?: number, dirs = ['virt/kvm', 'arch/x86/kvm', 'arch/arm64/kvm']): Made {
  const each = dirs.map((d) =>
    (readdirSync(join(tree, d), { recursive: true }) as string[])
      .filter((f) => f.endsWith('.c'))
      .sort()
      .map((f) => `${d}/${f}`)
      .filter((f) => readFileSync(join(tree, f), 'utf8').split('\n').some((l) => LOCK_LINE.test(l))),
  );
  // The directories in order, as always; with more than the default three, in turn, so that each has a patch.
  const files = dirs.length > 3 ? each.flatMap((_, k) => each.map((fs) => fs[k]).filter((f): f is string => f !== undefined)) : each.flat();
  mkdirSync(dir, { recursive: true });
  const patches: string[] = [];
  let mbox = '';
  for (const file of files) {
    if (patches.length === count) break;
    const text = readFileSync(join(tree, file), 'utf8');
    const lines = text.split('\n');
    const at = lines.findIndex((l) => LOCK_LINE.test(l));
    if (at < 0) continue;
    const m = LOCK_LINE.exec(lines[at] ?? '');
    const note = variant === undefined ? '' : ` /* bench ${variant} */`;
    const changed = [...lines.slice(0, at + 1), `${m?.[1] ?? '\t'}lockdep_assert_held(${m?.[2] ?? ''});${note}`, ...lines.slice(at + 1)].join('\n');
    const k = patches.length + 1;
    const mail = formatPatchMail({
      file,
      before: text,
      after: changed,
      from: 'Bench <bench@example.org>',
      date: `Mon, 16 Nov 2026 10:00:0${k % 10} +0000`,
      subject: `[PATCH ${k}/${count}] KVM: bench: assert the lock just taken in ${file}`,
      messageId: `bench-${k}@example.org`,
      body: `Assert that the lock is held right after taking it in ${file}.`,
    });
    const path = join(dir, `${String(k).padStart(4, '0')}-bench.patch`);
    writeFileSync(path, mail);
    patches.push(path);
    mbox += mail + '\n';
  }
  writeFileSync(join(dir, 'series.mbx'), mbox);
  return { mbox: join(dir, 'series.mbx'), patches };
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

/** Runs alternated with each other (a, b, a, b, ...), so load on the machine falls on both alike: medians. */
export function alternated(runs: number, ...fns: (() => void)[]): number[] {
  const times: number[][] = fns.map(() => []);
  for (let i = 0; i < runs; i++) fns.forEach((fn, k) => times[k]?.push(time(fn)));
  return times.map(median);
}

/**
 * Warm review vs checkpatch.pl. Warm means the tree is known to the cache
 * (another series was reviewed on it), not this series: each timed run
 * starts from a copy of that cache, so no state of the series is loaded
 * from an earlier run of it.
 */
/** New series the resident process reviews before the timed ones: V8 optimises the analysis over a server's first reviews. */
const SERVER_WARMUPS = 3;

/**
 * `caCost`: what this environment's NODE_EXTRA_CA_CERTS adds to each node start (node-start.ts); the
 * runs here start node without it, and the figures that start node once per run are printed with it too.
 */
function compare(label: string, tree: string, input: string, patches: string[], warmedBy: string, cache: string, serverWarmup: (k: number) => Made, caCost: number, fresh?: (k: number) => Made): void {
  const withCa = (ms: number, against: number): string => withCaCerts(caCost, ms, (t) => t <= against, against);
  const snapshot = `${cache}-warm`;
  rmSync(snapshot, { recursive: true, force: true });
  execFileSync(process.execPath, [cli, 'mbox', warmedBy, '--tree', tree, '--format', 'json', '--cache-dir', snapshot], { stdio: 'pipe', maxBuffer: 256 << 20 });
  const fromSnapshot = (): void => {
    rmSync(cache, { recursive: true, force: true });
    cpSync(snapshot, cache, { recursive: true });
  };
  const run = (): void => {
    try {
      execFileSync(process.execPath, [cli, 'mbox', input, '--tree', tree, '--format', 'json', '--cache-dir', cache], { stdio: 'pipe', maxBuffer: 256 << 20 });
    } catch (e) {
      // exit 1 means findings, not failure
      if ((e as { status?: number }).status !== 1) throw e;
    }
  };
  const checkpatch = (these = patches): void => {
    try {
      execFileSync('perl', [join(tree, 'scripts', 'checkpatch.pl'), '--no-tree', '-q', ...these], { stdio: 'pipe' });
    } catch {
      // checkpatch exits non-zero when it has something to say
    }
  };
  const reviews: number[] = [];
  const cps: number[] = [];
  for (let i = 0; i < 5; i++) {
    fromSnapshot();
    reviews.push(time(run));
    cps.push(time(() => checkpatch()));
  }
  const review = median(reviews);
  const cp = median(cps);
  fromSnapshot();
  const phase = JSON.parse(execFileSync(process.execPath, [join(here, 'phase.js'), 'review', tree, cache, input], { encoding: 'utf8' }).trim().split('\n').pop() ?? '{}') as { ms: number; rssMb: number };
  console.log(`${label}: review (tree warm, series new) ${review.toFixed(0)} ms; checkpatch.pl on the same patches ${cp.toFixed(0)} ms (medians of 5 alternated runs)`);
  console.log(`  ratio ${(review / cp).toFixed(2)} (target <= 1.0: ${review <= cp ? 'met' : 'NOT met'}${withCa(review, cp)}); analysis alone ${phase.ms.toFixed(0)} ms, peak RSS ${phase.rssMb.toFixed(0)} MB (target < 200 MB: ${phase.rssMb < 200 ? 'met' : 'NOT met'})`);
  // The App, the watcher and a job worker review in a process that has reviewed before.
  fromSnapshot();
  const resident = JSON.parse(execFileSync(process.execPath, [join(here, 'phase.js'), 'resident', tree, cache, warmedBy, input], { encoding: 'utf8' }).trim().split('\n').pop() ?? '{}') as { ms: number };
  console.log(`  in a resident process (a review before it): analysis ${resident.ms.toFixed(0)} ms, ${(resident.ms / cp).toFixed(2)}x checkpatch.pl`);
  // The command line through `kvm-review daemon`, from the warm cache again (the resident run above
  // wrote this series' states): the tree's warm-up review and SERVER_WARMUPS new series (their times
  // printed: a server's first reviews run code V8 has not optimised yet), then series neither the
  // cache nor the server has seen. A real series has no variants, and a second review of it would
  // find its states in the server's memory: it is timed once in each of 5 servers, each started from
  // the warm cache again, so that its figure is a median too, not one run on a host whose speed drifts.
  const daemonRun = (series: Made[]): { first: number[]; ds: number[]; inServer: number[]; dcs: number[]; check: string } => {
    fromSnapshot();
    const daemon = new BenchDaemon(cli);
    try {
      daemon.run(['mbox', warmedBy, '--tree', tree, '--format', 'json', '--cache-dir', cache]);
      const first = Array.from({ length: SERVER_WARMUPS }, (_, k) => serverWarmup(k)).map((s) => time(() => daemon.run(['mbox', s.mbox, '--tree', tree, '--format', 'json', '--cache-dir', cache])));
      const ds: number[] = [];
      const inServer: number[] = [];
      const dcs: number[] = [];
      for (const s of series) {
        ds.push(time(() => daemon.run(['mbox', s.mbox, '--tree', tree, '--format', 'json', '--cache-dir', cache])));
        inServer.push(daemon.lastMs());
        dcs.push(time(() => checkpatch(s.patches)));
      }
      return { first, ds, inServer, dcs, check: daemon.check() };
    } finally {
      daemon.stop();
    }
  };
  const runs = fresh ? [daemonRun([0, 1, 2, 3, 4].map(fresh))] : [0, 1, 2, 3, 4].map(() => daemonRun([{ mbox: input, patches }]));
  const all = (k: 'ds' | 'inServer' | 'dcs'): number[] => runs.flatMap((r) => r[k]);
  const d = median(all('ds'));
  const dcp = median(all('dcs'));
  const how = fresh ? `median of ${all('ds').length} new series alternated with checkpatch.pl` : `median of ${runs.length} servers, each reviewing it once after the same warm-up, alternated with checkpatch.pl`;
  const checks = [...new Set(runs.map((r) => r.check))].join('');
  console.log(`  through the daemon: ${d.toFixed(0)} ms end to end (${median(all('inServer')).toFixed(0)} ms of it in the server), ${(d / dcp).toFixed(2)}x checkpatch.pl (${dcp.toFixed(0)} ms) (target <= 1.0: ${d <= dcp ? 'met' : 'NOT met'}${withCa(d, dcp)}; ${how})${checks}`);
  console.log(`    the ${runs.length === 1 ? "server's" : "first server's"} first ${SERVER_WARMUPS} new series before these: ${(runs[0]?.first ?? []).map((ms) => ms.toFixed(0)).join(', ')} ms end to end (V8 still optimising)`);
  rmSync(snapshot, { recursive: true, force: true });
}

/** One CLI run, warm: exit 1 (findings) is a result, not a failure. */
function cliRun(args: string[]): void {
  try {
    execFileSync(process.execPath, [cli, ...args], { stdio: 'pipe', maxBuffer: 256 << 20 });
  } catch (e) {
    if ((e as { status?: number }).status !== 1) throw e;
  }
}

/**
 * `kvm-review git` on a 10-commit range of a repository made from the tree
 * (the generated patches applied with git am), next to `mbox` on the same
 * patches against the same base directory; both warm.
 */
export async function gitBench(tree: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kvm-review-git-bench-'));
  try {
    const base = join(dir, 'base');
    const repo = join(dir, 'repo');
    await copyKernelFiles(tree, base);
    initRepo(base, repo);
    const made = makeSeries(base, join(dir), 10);
    git(repo, 'am', '-q', ...made.patches);
    const cache = join(dir, 'cache');
    const gitArgs = ['git', 'base..HEAD', '--repo', repo, '--format', 'json', '--cache-dir', cache];
    const mboxArgs = ['mbox', made.mbox, '--tree', base, '--format', 'json', '--cache-dir', cache];
    cliRun(gitArgs);
    cliRun(mboxArgs);
    const g = time(() => cliRun(gitArgs));
    const m = time(() => cliRun(mboxArgs));
    console.log(`git base..HEAD (${made.patches.length} commits, warm): ${g.toFixed(0)} ms; mbox of the same patches (warm): ${m.toFixed(0)} ms; ratio ${(g / m).toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function reviewBench(tree: string, caCost = 0): void {
  const dir = mkdtempSync(join(tmpdir(), 'kvm-review-review-bench-'));
  try {
    const made = makeSeries(tree, dir);
    const other = makeSeries(tree, join(dir, 'other'), 10, 0);
    const cache = join(dir, 'cache');
    // New series for the runs through the daemon: variants neither the cache nor the server has seen.
    const fresh = (k: number): Made => makeSeries(tree, join(dir, `daemon-${k}`), 10, 100 + k);
    const serverWarmup = (k: number): Made => makeSeries(tree, join(dir, `daemon-warmup-${k}`), 10, 200 + k);
    compare(`generated ${made.patches.length}-patch series on ${tree}`, tree, made.mbox, made.patches, other.mbox, cache, serverWarmup, caCost, fresh);
    // A real 10-patch series from the corpus, on the tree it was closest to.
    const real = join(here, '..', '..', '..', '..', 'shared', 'corpus', 'lore', 'kvmarm', 'mmu-notifier-consolidate-v2.mbx');
    const old = tree.replace(/linux-6\.12$/, 'linux-6.1');
    if (old !== tree && existsSync(real) && existsSync(old)) {
      // A review indexes the builds its series concerns (generic, x86, arm64 and the architectures it
      // touches: mips and powerpc here), so the tree is warmed by a series that touches the same ones.
      const builds = ['virt/kvm', 'arch/x86/kvm', 'arch/arm64/kvm', 'arch/mips/kvm', 'arch/powerpc/kvm'];
      const warm = makeSeries(old, join(dir, 'old'), 10, 0, builds);
      const serverWarmup = (k: number): Made => makeSeries(old, join(dir, `old-warmup-${k}`), 10, 1 + k, builds);
      compare('mmu-notifier-consolidate-v2 (10 patches, 5 builds) on 6.1', old, real, [real], warm.mbox, join(dir, 'cache-6.1'), serverWarmup, caCost);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
