/**
 * The App's in-process queue (npm start without REDIS_URL) survives its
 * process: the real server, signed deliveries, a fake GitHub. Stopped with
 * SIGTERM while one review runs and another waits, it finishes the running
 * one, exits 0, and the next start on the same journal reviews the waiting
 * one, with no delivery sent again. Killed (SIGKILL) in the middle of a
 * review, the next start reviews it again and each finding is posted once.
 * A journal entry that cannot be read is named in the log and moved aside.
 * One server per journal directory: a second one on it refuses to start
 * while the first runs; after the first is killed, the next start takes
 * its lock over and reviews what it left, once.
 * Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markerOf } from '../../bot/app/comment.js';
import { kernelTree } from '../helpers/paths.js';
import { head, prPayload, tinyKernelRepo } from '../jobs/harness.js';
import { AppServer } from './app-server.js';
import { FakeGitHub } from './fake-github.js';

let gh: FakeGitHub;
let host: string;
let repo: { dir: string; base: string; bugTree: string };
/** Every server a test started: all are stopped at the end, whatever failed. */
const servers: AppServer[] = [];
/** Lets a request the fake GitHub holds go on (a failed test must not leave one hanging). */
let release: () => void = () => undefined;

beforeAll(async () => {
  repo = tinyKernelRepo(kernelTree('6.1'));
  gh = new FakeGitHub(repo.dir);
  host = await gh.start();
});

afterAll(async () => {
  release();
  for (const s of servers) await s.stop(true);
  await gh?.stop();
});

/** A pull request `n` with the lock-order bug at its head. */
function pr(n: number): string {
  const sha = head(repo.dir, repo.base, repo.bugTree, n, 1);
  gh.prs.set(n, { number: n, base: repo.base, head: sha });
  return sha;
}

const tmp = (what: string): string => mkdtempSync(join(tmpdir(), `kvm-review-${what}-`));
const pending = (queueDir: string): { spec: { key: string; head: string } }[] =>
  readdirSync(join(queueDir, 'pending')).map((f) => JSON.parse(readFileSync(join(queueDir, 'pending', f), 'utf8')) as { spec: { key: string; head: string } });
const reviewsOf = (n: number): unknown[] => gh.reviews.filter((r) => r.pull_number === n);
const fingerprintsOf = (n: number): string[] => gh.reviewComments.filter((c) => c.pull_number === n).map((c) => markerOf(c.body) ?? '');
const checkRunsOf = (sha: string): [string, string | null][] => gh.checkRuns.filter((r) => r.head_sha === sha).map((r) => [r.status, r.conclusion]);

async function started(env: Record<string, string>): Promise<AppServer> {
  const app = new AppServer(host, env);
  servers.push(app);
  await app.start();
  return app;
}

describe('the in-process queue across a restart', () => {
  it('SIGTERM: the running review finishes, the server exits 0, and the next start reviews the waiting one without a redelivery', async () => {
    const queueDir = tmp('queue');
    const env = { KVM_REVIEW_CACHE_DIR: tmp('cache'), KVM_REVIEW_QUEUE_DIR: queueDir };
    const [h1, h2] = [pr(1), pr(2)];
    // PR 1's review is held at its first write, so that PR 2 is still waiting when the signal comes.
    const gate = new Promise<void>((r) => (release = r));
    let held: () => void = () => undefined;
    const holding = new Promise<void>((r) => (held = r));
    gh.after = async (r) => {
      if (r.method !== 'POST' || !r.path.endsWith('/check-runs') || (r.body as { head_sha?: string }).head_sha !== h1) return;
      gh.after = null;
      held();
      await gate;
    };
    const first = await started(env);
    expect(await first.deliver('pull_request', prPayload('opened', 1, h1, repo.base))).toBe(200);
    await holding;
    expect(await first.deliver('pull_request', prPayload('opened', 2, h2, repo.base))).toBe(200);
    expect(pending(queueDir).map((j) => j.spec.head).sort()).toEqual([h1, h2].sort());

    const exit = first.signal('SIGTERM');
    try {
      await first.logged(/SIGTERM: starting no new review/, 20_000);
    } finally {
      release();
    }
    expect(await exit).toEqual({ code: 0, signal: null });
    expect(checkRunsOf(h1)).toEqual([['completed', 'failure']]);
    expect(reviewsOf(1)).toHaveLength(1);
    expect(checkRunsOf(h2)).toEqual([]);
    expect(pending(queueDir).map((j) => j.spec)).toEqual([expect.objectContaining({ key: 'pr:kvm/linux#2', head: h2 })]);

    const next = await started(env);
    const s = await next.idle();
    expect([s.done, s.failed]).toEqual([1, 0]);
    expect(checkRunsOf(h1)).toEqual([['completed', 'failure']]);
    expect(checkRunsOf(h2)).toEqual([['completed', 'failure']]);
    for (const n of [1, 2]) {
      expect(reviewsOf(n)).toHaveLength(1);
      expect(fingerprintsOf(n).length).toBeGreaterThan(0);
      expect(new Set(fingerprintsOf(n)).size).toBe(fingerprintsOf(n).length);
    }
    expect(pending(queueDir)).toEqual([]);
    await next.stop();
  });

  it('killed after GitHub created the review: the next start reviews the head again, each finding posted once, the check run completed', async () => {
    const queueDir = tmp('queue');
    const env = { KVM_REVIEW_CACHE_DIR: tmp('cache'), KVM_REVIEW_QUEUE_DIR: queueDir };
    const h3 = pr(3);
    const first = await started(env);
    let crashed: () => void = () => undefined;
    const crash = new Promise<void>((r) => (crashed = r));
    gh.after = async (r) => {
      if (r.method !== 'POST' || !/\/pulls\/3\/reviews$/.test(r.path)) return;
      gh.after = null;
      await first.stop(true);
      crashed();
    };
    expect(await first.deliver('pull_request', prPayload('opened', 3, h3, repo.base))).toBe(200);
    await crash;
    expect(reviewsOf(3)).toHaveLength(1);
    const posted = fingerprintsOf(3);
    expect(posted.length).toBeGreaterThan(0);
    expect(checkRunsOf(h3)).toEqual([['in_progress', null]]);
    expect(pending(queueDir).map((j) => j.spec.head)).toEqual([h3]);

    const next = await started(env);
    const s = await next.idle();
    expect([s.done, s.failed]).toEqual([1, 0]);
    expect(reviewsOf(3)).toHaveLength(1);
    expect(fingerprintsOf(3).sort()).toEqual(posted.sort());
    expect(checkRunsOf(h3)).toEqual([['completed', 'failure']]);
    expect(pending(queueDir)).toEqual([]);
    await next.stop();
  });

  it('an unreadable journal entry (in the default place, under KVM_REVIEW_CACHE_DIR) is named in the log and moved aside; the server runs', async () => {
    const cache = tmp('cache');
    mkdirSync(join(cache, 'queue', 'pending'), { recursive: true });
    const entry = join(cache, 'queue', 'pending', '41.json');
    writeFileSync(entry, '{"version":1,"id":"41","spec":');
    const server = await started({ KVM_REVIEW_CACHE_DIR: cache });
    await server.logged(/41\.json/, 20_000);
    expect(server.log).toContain(entry);
    expect(server.log).toMatch(/not JSON/);
    expect(readdirSync(join(cache, 'queue', 'pending'))).toEqual([]);
    expect(readFileSync(join(cache, 'queue', 'corrupt', 'pending-41.json'), 'utf8')).toBe('{"version":1,"id":"41","spec":');
    expect((await server.idle()).failed).toBe(0);
    expect(await server.signal('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});

describe('one server per journal directory', () => {
  const lockOf = (queueDir: string): { pid: number } => JSON.parse(readFileSync(join(queueDir, 'server.lock'), 'utf8')) as { pid: number };

  it('a second server on the same directory refuses to start, naming it and the pid holding it; SIGTERM releases the lock', async () => {
    const queueDir = tmp('queue');
    const first = await started({ KVM_REVIEW_CACHE_DIR: tmp('cache'), KVM_REVIEW_QUEUE_DIR: queueDir });
    expect(lockOf(queueDir).pid).toBe(first.pid);
    const second = new AppServer(host, { KVM_REVIEW_CACHE_DIR: tmp('cache'), KVM_REVIEW_QUEUE_DIR: queueDir });
    servers.push(second);
    const refused = await second.start().then(
      () => null,
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    expect(refused).toMatch(/^the server exited 2:/);
    expect(refused).toContain(`the queue journal ${queueDir} is in use by pid ${first.pid}`);
    // The first one is untouched and still holds it.
    expect(lockOf(queueDir).pid).toBe(first.pid);
    expect(await first.signal('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(existsSync(join(queueDir, 'server.lock'))).toBe(false);
  });

  it('killed (SIGKILL) with a review running: the next start takes over its lock, says so, and reviews the head once', async () => {
    const queueDir = tmp('queue');
    const env = { KVM_REVIEW_CACHE_DIR: tmp('cache'), KVM_REVIEW_QUEUE_DIR: queueDir };
    const h5 = pr(5);
    const first = await started(env);
    const crash = new Promise<void>((crashed) => {
      gh.after = async (r) => {
        if (r.method !== 'POST' || !r.path.endsWith('/check-runs') || (r.body as { head_sha?: string }).head_sha !== h5) return;
        gh.after = null;
        await first.stop(true);
        crashed();
      };
    });
    expect(await first.deliver('pull_request', prPayload('opened', 5, h5, repo.base))).toBe(200);
    await crash;
    expect(lockOf(queueDir).pid).toBe(first.pid);
    expect(pending(queueDir).map((j) => j.spec.head)).toEqual([h5]);

    const next = await started(env);
    await next.logged(new RegExp(`took over the lock of pid ${first.pid} on .*: pid ${first.pid} is no longer running`), 20_000);
    expect(lockOf(queueDir).pid).toBe(next.pid);
    const s = await next.idle();
    expect([s.done, s.failed]).toEqual([1, 0]);
    expect(next.log).toMatch(/1 job queued again/);
    expect(reviewsOf(5)).toHaveLength(1);
    expect(fingerprintsOf(5).length).toBeGreaterThan(0);
    expect(new Set(fingerprintsOf(5)).size).toBe(fingerprintsOf(5).length);
    expect(checkRunsOf(h5)).toEqual([['completed', 'failure']]);
    expect(pending(queueDir)).toEqual([]);
    expect(await next.signal('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(existsSync(join(queueDir, 'server.lock'))).toBe(false);
  });
});
