/**
 * The queue under load, end to end: the App's real server with REDIS_URL,
 * `kvm-review worker` processes, a real redis-server and the fake GitHub.
 * 200 signed deliveries for 50 pull requests (opened on a first head, then
 * synchronize to the final head, that delivery repeated, and reopened)
 * end with exactly one review per pull request, on its final head, and
 * nothing posted twice: with 1 worker while Redis is killed and restarted
 * mid-run (what Redis did not take is spooled on disk and enqueued once it
 * is back; what was refused would be sent again, as GitHub's redelivery
 * would), and with 3 workers one of which is
 * SIGKILLed in the middle of a job. Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markerOf } from '../../bot/app/comment.js';
import { kernelTree } from '../helpers/paths.js';
import { AppServer } from '../app/app-server.js';
import { FakeGitHub } from '../app/fake-github.js';
import { appEnv, deliverAcked, head, prPayload, tinyKernelRepo, WorkerProcess } from './harness.js';
import { RedisServer } from './redis-server.js';

const PRS = 50;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let repo: { dir: string; base: string; bugTree: string };
const redis = new RedisServer();

beforeAll(async () => {
  repo = tinyKernelRepo(kernelTree('6.1'));
  await redis.start();
});
/** Everything a run started, stopped even when an assertion failed half-way. */
const started: { workers: WorkerProcess[]; apps: AppServer[]; ghs: FakeGitHub[] } = { workers: [], apps: [], ghs: [] };
afterAll(async () => {
  await Promise.all(started.workers.map((w) => w.stop('SIGKILL')));
  await Promise.all(started.apps.map((a) => a.stop()));
  await Promise.all(started.ghs.map((g) => g.stop()));
  await redis.destroy();
});

interface Run {
  gh: FakeGitHub;
  finals: Map<number, string>;
  firsts: Map<number, string>;
  refused: number[];
  killed: string | null;
  workers: WorkerProcess[];
  app: AppServer;
}

/** Runs the 200 deliveries; `during(i)` is called after pull request i's deliveries. */
async function load(workers: number, first: number, during: (i: number, run: Run) => Promise<void>): Promise<Run> {
  const gh = new FakeGitHub(repo.dir);
  const host = await gh.start();
  started.ghs.push(gh);
  const cache = mkdtempSync(join(tmpdir(), 'kvm-review-load-cache-'));
  const app = new AppServer(host, { REDIS_URL: redis.url, KVM_REVIEW_CACHE_DIR: cache });
  started.apps.push(app);
  await app.start();
  const env = appEnv(host, redis.url, cache, { KVM_REVIEW_JOB_LOCK_MS: '5000' });
  const run: Run = { gh, finals: new Map(), firsts: new Map(), refused: [], killed: null, workers: [], app };
  for (let w = 0; w < workers; w++) run.workers.push(new WorkerProcess(env));
  started.workers.push(...run.workers);
  for (let i = 0; i < PRS; i++) {
    const n = first + i;
    const [h1, h2] = [head(repo.dir, repo.base, repo.bugTree, n, 1), head(repo.dir, repo.base, repo.bugTree, n, 2)];
    run.firsts.set(n, h1);
    run.finals.set(n, h2);
    gh.prs.set(n, { number: n, base: repo.base, head: h1 });
    run.refused.push(...(await deliverAcked(app, 'pull_request', prPayload('opened', n, h1, repo.base))));
    gh.prs.set(n, { number: n, base: repo.base, head: h2 });
    for (const action of ['synchronize', 'synchronize', 'reopened']) run.refused.push(...(await deliverAcked(app, 'pull_request', prPayload(action, n, h2, repo.base))));
    await during(i, run);
  }
  return run;
}

/** Exactly one review per pull request, on its final head; one completed check run there; no comment twice. */
function expectOneReviewEach(run: Run): void {
  const { gh } = run;
  const problems: string[] = [];
  for (const [n, h2] of run.finals) {
    const reviews = gh.reviews.filter((r) => r.pull_number === n);
    if (reviews.length !== 1 || reviews[0]?.commit_id !== h2) problems.push(`PR ${n}: reviews on ${reviews.map((r) => r.commit_id.slice(0, 7)).join(', ') || 'nothing'}, final head ${h2.slice(0, 7)}`);
    const runs = gh.checkRuns.filter((r) => r.head_sha === h2);
    if (runs.length !== 1 || runs[0]?.status !== 'completed' || runs[0]?.conclusion !== 'failure') problems.push(`PR ${n}: check runs on the final head ${JSON.stringify(runs.map((r) => [r.status, r.conclusion]))}`);
    const markers = gh.reviewComments.filter((c) => c.pull_number === n && !c.in_reply_to_id).map((c) => markerOf(c.body));
    if (!markers.length || new Set(markers).size !== markers.length) problems.push(`PR ${n}: comment markers ${JSON.stringify(markers)}`);
    const h1 = run.firsts.get(n) as string;
    if (gh.reviews.some((r) => r.commit_id === h1)) problems.push(`PR ${n}: the superseded head ${h1.slice(0, 7)} was reviewed`);
  }
  expect(problems).toEqual([]);
  expect(gh.reviewComments.some((c) => c.body.includes('order-inversion') && c.body.includes('kvm->lock is taken outside vcpu->mutex'))).toBe(true);
}

/** Redelivered heads already reviewed post nothing; then the workers stop (idle: within 10 s). */
async function finish(run: Run): Promise<void> {
  const writes = run.gh.writes().length;
  for (const n of [...run.finals.keys()].slice(0, 5)) await deliverAcked(run.app, 'pull_request', prPayload('synchronize', n, run.finals.get(n) as string, repo.base));
  await run.app.idle(120_000);
  expect(run.gh.writes().slice(writes)).toEqual([]);
  const stops = await Promise.all(run.workers.map((w) => w.stop('SIGTERM')));
  for (const s of stops.filter((x) => x.code !== null)) {
    expect(s.code).toBe(0);
    expect(s.ms).toBeLessThan(10_000);
  }
  await run.app.stop();
  await run.gh.stop();
}

describe('200 deliveries for 50 pull requests on a real Redis', () => {
  it('1 worker, Redis killed and restarted mid-run: one review per PR on its final head, nothing twice', async () => {
    let outage: Promise<void> = Promise.resolve();
    const run = await load(1, 1, async (i) => {
      if (i !== 20) return;
      await redis.stop('SIGKILL');
      outage = sleep(1500).then(() => redis.start().then(() => undefined));
    });
    await outage;
    await run.app.idle(300_000);
    // The outage was seen, and no delivery was refused for it: what Redis did not take was spooled on
    // disk, acknowledged, and enqueued once Redis was back (idle() waits for the spool too).
    expect(run.app.log).toMatch(/Redis did not take job .*: spooled in /);
    expect(run.app.log).toMatch(/spooled job .* enqueued as /);
    // (0 is a request that did not reach the server at all, which deliverAcked() sends again; not an answer.)
    expect(run.refused.filter((s) => s !== 0)).toEqual([]);
    expectOneReviewEach(run);
    await finish(run);
  }, 600_000);

  it('3 workers, one SIGKILLed in the middle of a job: the job is picked up again, one review per PR, nothing twice', async () => {
    const kill = async (r: Run): Promise<void> => {
      const busy = r.workers.find((w) => w.running().length > 0);
      if (!busy) return;
      r.killed = busy.running()[0] ?? null;
      await busy.stop('SIGKILL');
    };
    const run = await load(3, 101, async (i, r) => {
      if (i >= 10 && !r.killed) await kill(r);
    });
    for (let t = 0; t < 600 && !run.killed; t++) {
      await kill(run);
      await sleep(100);
    }
    expect(run.killed).not.toBeNull();
    await run.app.idle(300_000);
    expectOneReviewEach(run);
    const alive = run.workers.filter((w) => w.child.signalCode !== 'SIGKILL');
    expect(alive).toHaveLength(2);
    // Picked up again by a live worker after its lock expired.
    expect(alive.some((w) => w.log.includes('job stalled'))).toBe(true);
    await finish(run);
  }, 600_000);
});
