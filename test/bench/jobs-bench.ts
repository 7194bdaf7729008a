/**
 * `npm run bench` (queue part): the App with REDIS_URL and 1 or 2
 * `kvm-review worker` processes on a real redis-server, against the fake
 * GitHub serving a tiny kernel repository (test/jobs/harness.ts). Short
 * runs; printed, not asserted:
 * - reviews per minute: PULLS pull requests delivered at once, a warm
 *   cache (one review before the clock starts), until the queue is idle;
 * - webhook answer time and queue latency (delivery to job start, the
 *   worker idle), over LATENCY_RUNS single deliveries;
 * - memory per worker: the largest resident set seen while it worked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AppServer } from '../app/app-server.js';
import { FakeGitHub } from '../app/fake-github.js';
import { kernelTree } from '../helpers/paths.js';
import { appEnv, head, prPayload, tinyKernelRepo, WorkerProcess } from '../jobs/harness.js';
import { RedisServer } from '../jobs/redis-server.js';

const PULLS = 16;
const LATENCY_RUNS = 8;

interface Figures {
  workers: number;
  perMinute: number;
  answerMs: number[];
  latencyMs: number[];
  rssMb: number[];
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** The queue latencies the workers logged (ms from enqueue to start), in order. */
function latencies(workers: WorkerProcess[]): number[] {
  return workers.flatMap((w) => [...w.log.matchAll(/"queuedMs":(\d+)/g)].map((m) => Number(m[1])));
}

async function measure(workers: number, repo: ReturnType<typeof tinyKernelRepo>, first: number): Promise<Figures> {
  const redis = await new RedisServer().start();
  const gh = new FakeGitHub(repo.dir);
  const host = await gh.start();
  const cache = mkdtempSync(join(tmpdir(), 'kvm-review-bench-jobs-'));
  const app = new AppServer(host, { REDIS_URL: redis.url, KVM_REVIEW_CACHE_DIR: cache });
  const procs: WorkerProcess[] = [];
  const rss: number[] = [];
  const sampler = setInterval(() => procs.forEach((p, i) => (rss[i] = Math.max(rss[i] ?? 0, p.rssMb() ?? 0))), 200);
  try {
    await app.start();
    for (let i = 0; i < workers; i++) procs.push(new WorkerProcess(appEnv(host, redis.url, cache)));
    let n = first;
    const deliver = async (): Promise<number> => {
      n += 1;
      const h = head(repo.dir, repo.base, repo.bugTree, n, 1);
      gh.prs.set(n, { number: n, base: repo.base, head: h });
      const t = Date.now();
      const status = await app.deliver('pull_request', prPayload('opened', n, h, repo.base));
      if (status !== 200) throw new Error(`delivery answered ${status}`);
      return Date.now() - t;
    };
    // Warm: blobs and the index cache filled by one review per worker.
    for (let i = 0; i < workers; i++) await deliver();
    await app.idle();
    // Latency: one delivery at a time into idle workers.
    const answerMs: number[] = [];
    const before = latencies(procs).length;
    for (let i = 0; i < LATENCY_RUNS; i++) {
      answerMs.push(await deliver());
      await app.idle();
    }
    const latencyMs = latencies(procs).slice(before);
    // Throughput: PULLS at once.
    const t = Date.now();
    for (let i = 0; i < PULLS; i++) await deliver();
    await app.idle();
    const perMinute = PULLS / ((Date.now() - t) / 60_000);
    return { workers, perMinute, answerMs, latencyMs, rssMb: rss.slice(0, workers) };
  } finally {
    clearInterval(sampler);
    await Promise.all(procs.map((p) => p.stop('SIGTERM')));
    await app.stop();
    await gh.stop();
    await redis.destroy();
    rmSync(cache, { recursive: true, force: true });
  }
}

export async function jobsBench(): Promise<void> {
  const repo = tinyKernelRepo(kernelTree('6.1'));
  try {
    console.log(`\nqueue (BullMQ on redis-server, the App with REDIS_URL, kvm-review worker processes; tiny 6.1 repository, ${PULLS} pull requests a run)`);
    for (const [i, workers] of [1, 2].entries()) {
      const f = await measure(workers, repo, 1000 * (i + 1));
      console.log(
        `${workers} worker${workers > 1 ? 's' : ' '}  ${f.perMinute.toFixed(1).padStart(6)} reviews/min  webhook answered in ${median(f.answerMs).toFixed(0)} ms (median; max ${Math.max(...f.answerMs)})` +
          `  queue latency ${median(f.latencyMs).toFixed(0)} ms (median; max ${Math.max(...f.latencyMs)})  worker RSS ${f.rssMb.map((m) => `${m.toFixed(0)} MB`).join(', ')}`,
      );
    }
  } finally {
    rmSync(repo.dir, { recursive: true, force: true });
  }
}

// `node dist/test/bench/jobs-bench.js`: this part alone.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await jobsBench();
