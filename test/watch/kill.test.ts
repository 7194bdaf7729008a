/**
 * `kvm-review watch` survives being killed. A window of the real kvmarm
 * slice (its first 29 commits: the pvlock RFC v1, a treewide patch seen
 * alone, a pull request, stable mail, replies; and commits 150-160: the
 * pvlock v2 and a non-KVM patch) is watched once uninterrupted against the
 * 6.1 tree; then runs are SIGKILLed at random points (seeded, 20 kills in
 * all, each followed by a restart) and must end with the same outbox,
 * byte for byte, with nothing left half-written. SIGTERM and SIGINT stop a
 * polling watcher with exit 0 within seconds.
 *
 * Needs `npm run build` (the CLI runs from dist/ in a child process).
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { kernelTree, ROOT } from '../helpers/paths.js';
import { buildInbox, mail, sliceWindow } from './inbox-fixture.js';

const BIN = join(ROOT, 'bot', 'kvm-review.js');
const TREE = kernelTree('6.1');
const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const KILLS_PER_TRIAL = 4;
const TRIALS = 5;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** From start to exit. */
  ms: number;
  /** From the signal to exit; null when none was sent. */
  afterSignalMs: number | null;
}

/** Starts the watcher; `kill` (optional) is a signal and a delay in ms, or a stderr line that triggers it. */
function watch(args: string[], kill?: { signal: NodeJS.Signals; afterMs?: number; onStderr?: RegExp }): Promise<Run> {
  return new Promise((resolve) => {
    const start = Date.now();
    const child = spawn(process.execPath, [BIN, 'watch', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let sentAt: number | null = null;
    const send = (): void => {
      if (sentAt !== null) return;
      sentAt = Date.now();
      child.kill(kill?.signal);
    };
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString('utf8');
      if (kill?.onStderr?.test(stderr)) send();
    });
    const timer = kill?.afterMs !== undefined ? setTimeout(send, kill.afterMs) : null;
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stderr, ms: Date.now() - start, afterSignalMs: sentAt === null ? null : Date.now() - sentAt });
    });
  });
}

/** Every file under `dir` (relative path -> sha256), the state of an outbox. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** A small seeded generator (mulberry32): the kill points are random but the same on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('watch killed and restarted', () => {
  let inbox: string;
  let cache: string;
  let reference: Record<string, string>;
  let referenceMs: number;
  let referenceRoot: string;

  const argsFor = (root: string): string[] => ['--once', '--inbox', inbox, '--tree', TREE, '--state', join(root, 'state'), '--outbox', join(root, 'outbox'), '--cache-dir', cache];

  beforeAll(async () => {
    inbox = sliceWindow([...range(1, 29), ...range(150, 160)]);
    cache = mkdtempSync(join(tmpdir(), 'kvm-review-kill-cache-'));
    // Warm the index cache, so every timed run below costs the same.
    await watch(argsFor(mkdtempSync(join(tmpdir(), 'kvm-review-kill-warm-'))));
    referenceRoot = mkdtempSync(join(tmpdir(), 'kvm-review-kill-ref-'));
    const r = await watch(argsFor(referenceRoot));
    expect(r.stderr).toMatch(/pass: 40 commits read \(0 bad\)/);
    reference = snapshot(join(referenceRoot, 'outbox'));
    referenceMs = r.ms;
  }, 1_200_000);

  it('the uninterrupted run: both pvlock versions reviewed, v2 compared with v1, stable mail skipped', () => {
    const records = Object.keys(reference)
      .filter((f) => f.startsWith('series/'))
      .map((f) => JSON.parse(readFileSync(join(referenceRoot, 'outbox', f), 'utf8')) as { status: string; reason?: string; previous: { version: number } | null; series: { version: number; subject: string } });
    const pvlock = records.filter((r) => r.series.subject === 'KVM: arm64: implement vcpu_is_preempted check');
    expect(pvlock.map((r) => [r.status, r.series.version, r.previous?.version ?? null]).sort()).toEqual([
      ['reviewed', 1, null],
      ['reviewed', 2, 1],
    ]);
    expect(records.filter((r) => r.status === 'skipped').map((r) => r.reason)).toEqual(
      expect.arrayContaining([expect.stringMatching(/backport to the 5\.10 stable tree/), expect.stringMatching(/stable team's notice/)]),
    );
    // The treewide series sent only its patch 25/30 here: reviewed as partial once due.
    expect(records.find((r) => /kstrtobool/.test(r.series.subject))?.status).toBe('partial');
    expect(Object.keys(reference).some((f) => f.includes('.tmp-'))).toBe(false);
  });

  it(`${TRIALS * KILLS_PER_TRIAL} SIGKILLs at random points, each restarted: the same outbox as the uninterrupted run`, async () => {
    const next = random(20221102);
    const kills: number[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const root = mkdtempSync(join(tmpdir(), `kvm-review-kill-${trial}-`));
      for (let k = 0; k < KILLS_PER_TRIAL; k++) {
        // Anywhere from start-up to the end of an uninterrupted run.
        const at = Math.floor(200 + next() * referenceMs);
        kills.push(at);
        const r = await watch(argsFor(root), { signal: 'SIGKILL', afterMs: at });
        // A run that finished before the kill is fine too: the restart must then write nothing.
        expect(r.signal === 'SIGKILL' || r.code === 0).toBe(true);
      }
      const last = await watch(argsFor(root));
      expect(last.code).toBe(0);
      expect(snapshot(join(root, 'outbox'))).toEqual(reference);
      // And once more: nothing new, nothing rewritten.
      const again = await watch(argsFor(root));
      expect(again.stderr).toMatch(/pass: 0 commits read \(0 bad\), 0 series reviewed, 0 skipped, 0 waiting, 0 new replies/);
      expect(snapshot(join(root, 'outbox'))).toEqual(reference);
    }
    expect(kills).toHaveLength(20);
  }, 3_600_000);
  it('SIGTERM in the middle of the pass (after the first review): exit 0 within seconds; a restart completes the same outbox', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kvm-review-term-'));
    const r = await watch(argsFor(root), { signal: 'SIGTERM', onStderr: /reviewed / });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('SIGTERM: stopping');
    expect(r.afterSignalMs).toBeLessThan(10_000);
    expect(snapshot(join(root, 'outbox'))).not.toEqual(reference);
    expect((await watch(argsFor(root))).code).toBe(0);
    expect(snapshot(join(root, 'outbox'))).toEqual(reference);
  }, 600_000);
});

describe('watch stops on a signal', () => {
  const NON_KVM = mail(
    { From: 'Dev <dev@example.org>', Subject: '[PATCH] arm64: tidy a comment', Date: 'Tue, 01 Nov 2022 10:00:00 +0000', 'Message-ID': '<p1@example.org>' },
    'Tidy.\n---\ndiff --git a/arch/arm64/kernel/setup.c b/arch/arm64/kernel/setup.c\n--- a/arch/arm64/kernel/setup.c\n+++ b/arch/arm64/kernel/setup.c\n@@ -1,3 +1,3 @@\n a\n-b\n+c\n d\n',
  );

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} while polling: exit 0 within seconds, the state directory unlocked`, async () => {
      const root = mkdtempSync(join(tmpdir(), 'kvm-review-signal-'));
      const inbox = buildInbox([NON_KVM]);
      const r = await watch(['--inbox', inbox, '--tree', TREE, '--state', join(root, 'state'), '--outbox', join(root, 'outbox'), '--interval', '1h', '--no-cache'], {
        signal,
        onStderr: /pass: /,
      });
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`${signal}: stopping`);
      // "Within a few seconds": generous for a loaded CI machine, far below the 1 h interval.
      expect(r.afterSignalMs).toBeLessThan(10_000);
      expect(existsSync(join(root, 'state', 'lock'))).toBe(false);
      expect(readdirSync(join(root, 'outbox', 'series'))).toHaveLength(1);
    }, 300_000);
  }
});
