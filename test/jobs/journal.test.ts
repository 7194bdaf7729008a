/**
 * The in-process queue's journal (no Redis): each accepted job is on disk
 * before enqueue() resolves and leaves it when it settles; a new queue on
 * the same directory (the next start) queues again what had not settled,
 * the newest head per key only, keeping ids and attempt numbers; failed
 * jobs keep their reason across it; an unreadable entry is moved aside and
 * named in the log; stop() lets the running job finish and leaves the
 * waiting ones for the next start.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobJournal } from '../../bot/jobs/journal.js';
import { MemoryQueue } from '../../bot/jobs/memory-queue.js';
import type { JobContext, JobHandler, JobSpec } from '../../bot/jobs/queue.js';

const policy = { attempts: 3, backoffMs: 50 };
const spec = (n: number, head: string): JobSpec => ({ kind: 'pr', key: `pr:kvm/linux#${n}`, head: head.repeat(40), installationId: 1, payload: { n } });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const files = (dir: string, sub: string): string[] => readdirSync(join(dir, sub)).sort();

async function until(what: string, f: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await f()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A handler recording the heads and attempts it ran, doing what `behave` says. */
function recorder(behave: (s: JobSpec, ctx: JobContext) => Promise<string | void> = async () => 'reviewed'): { handler: JobHandler; runs: string[] } {
  const runs: string[] = [];
  return {
    runs,
    handler: async (s, ctx) => {
      runs.push(`${ctx.id}:${s.head[0]}#${ctx.attempt}`);
      return behave(s, ctx);
    },
  };
}

const never = (): Promise<string> => new Promise<string>(() => undefined);

function journaled(dir: string, logs: string[] = [], retry = policy): MemoryQueue {
  const log = (level: string, message: string): void => void logs.push(`${level}: ${message}`);
  return new MemoryQueue(() => undefined, retry, { journal: new JobJournal(dir, log), log });
}

describe('the in-process queue with a journal', () => {
  it('a job is on disk once enqueue resolves; the next queue on the directory runs what waited, in order, with its id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-journal-'));
    const first = journaled(dir);
    const a = await first.enqueue(spec(1, 'a'));
    expect(files(dir, 'pending')).toEqual([`${a.id}.json`]);
    expect(JSON.parse(readFileSync(join(dir, 'pending', `${a.id}.json`), 'utf8'))).toMatchObject({ id: a.id, spec: spec(1, 'a') });
    const b = await first.enqueue(spec(2, 'b'));
    // A newer head of PR 1 replaces the waiting one, on disk too.
    const c = await first.enqueue(spec(1, 'c'));
    expect(c.replaced).toBe(a.id);
    expect(files(dir, 'pending')).toEqual([`${b.id}.json`, `${c.id}.json`]);
    // The process ends with them waiting (no handlers ever ran here).

    const { handler, runs } = recorder();
    const next = journaled(dir).serve({ pr: handler });
    expect(await next.enqueue(spec(2, 'b'))).toMatchObject({ id: b.id, duplicate: true });
    await until('both ran', () => next.idle());
    expect(runs).toEqual([`${b.id}:b#1`, `${c.id}:c#1`]);
    expect(files(dir, 'pending')).toEqual([]);
    // Ids go on after the journal's.
    expect(Number((await next.enqueue(spec(3, 'd'))).id)).toBeGreaterThan(Number(c.id));
    await next.close();
  });

  it('a job running when the process died runs again with its attempt number; with a newer head of its key in the journal, only that one runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-journal-'));
    const started: string[] = [];
    const first = journaled(dir).serve({
      pr: async (s) => {
        started.push(s.head[0] as string);
        return never();
      },
    });
    const a = await first.enqueue(spec(1, 'a'));
    await until('a started', () => started.length === 1);
    const b = await first.enqueue(spec(1, 'b'));
    const lone = await first.enqueue(spec(2, 'x'));
    expect(b.replaced).toBe(a.id);
    expect(files(dir, 'pending')).toEqual([a, b, lone].map((j) => `${j.id}.json`));
    // The process dies here: a still "running", b and x waiting.

    const { handler, runs } = recorder();
    const logs: string[] = [];
    const next = journaled(dir, logs).serve({ pr: handler });
    await until('the journal ran', () => next.idle());
    expect(runs).toEqual([`${b.id}:b#1`, `${lone.id}:x#1`]);
    expect((await next.list()).map((j) => [j.id, j.outcome])).toEqual([
      [a.id, 'superseded'],
      [b.id, 'reviewed'],
      [lone.id, 'reviewed'],
    ]);
    expect(logs.join('\n')).toMatch(/2 jobs queued again, 1 superseded/);
    expect(files(dir, 'pending')).toEqual([]);

    // The same for a job alone that died while running: it runs again as the same attempt.
    const third = journaled(dir).serve({ pr: async () => never() });
    const c = await third.enqueue(spec(3, 'c'));
    await until('c started', async () => (await third.list()).some((j) => j.state === 'active'));
    const again = recorder();
    const fourth = journaled(dir).serve({ pr: again.handler });
    await until('c ran again', () => fourth.idle());
    expect(again.runs).toEqual([`${c.id}:c#1`]);
  });

  it('a job that failed for good keeps its reason in the next queue, which can retry it; a delayed retry keeps its attempts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-journal-'));
    // A backoff long enough that the retry does not run before this queue is closed.
    const first = journaled(dir, [], { attempts: 3, backoffMs: 1000 }).serve({
      pr: async (s) => {
        if (s.head[0] === 'a') throw new Error('the patch is not a patch');
        throw Object.assign(new Error('Service Unavailable'), { status: 503 });
      },
    });
    const a = await first.enqueue(spec(1, 'a'));
    await first.settled(a.id);
    expect(files(dir, 'failed')).toEqual([`${a.id}.json`]);
    expect(files(dir, 'pending')).toEqual([]);
    const b = await first.enqueue(spec(2, 'b'));
    await until('b delayed', async () => (await first.list()).find((j) => j.id === b.id)?.state === 'delayed');
    await first.close();
    expect(JSON.parse(readFileSync(join(dir, 'pending', `${b.id}.json`), 'utf8'))).toMatchObject({ attemptsMade: 1, reason: 'Service Unavailable (HTTP 503)' });

    const { handler, runs } = recorder();
    const next = journaled(dir).serve({ pr: handler });
    await until('b ran', () => next.idle());
    expect(runs).toEqual([`${b.id}:b#2`]);
    expect((await next.list()).find((j) => j.id === a.id)).toMatchObject({ state: 'failed', reason: 'the patch is not a patch', attemptsMade: 1 });
    expect(await next.status()).toMatchObject({ failed: 1, done: 1 });
    await next.retry(a.id);
    await until('a retried', () => next.idle());
    expect(runs).toEqual([`${b.id}:b#2`, `${a.id}:a#1`]);
    expect([files(dir, 'pending'), files(dir, 'failed')]).toEqual([[], []]);
  });

  it('an entry that cannot be read is moved aside and named in the log; the others run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-journal-'));
    const first = journaled(dir);
    const good = await first.enqueue(spec(1, 'a'));
    writeFileSync(join(dir, 'pending', '7.json'), '{"version":1,"id":"7","spec":{"kind":"pr","key":"pr:kvm/linux#7",');
    writeFileSync(join(dir, 'pending', '8.json'), JSON.stringify({ version: 1, id: '8', spec: { kind: 'mail', key: 'x', head: 'y', installationId: null, payload: {} } }));
    writeFileSync(join(dir, 'failed', '9.json'), JSON.stringify({ version: 2, id: '9' }));

    const logs: string[] = [];
    const { handler, runs } = recorder();
    const next = journaled(dir, logs).serve({ pr: handler });
    await until('the good one ran', () => next.idle());
    expect(runs).toEqual([`${good.id}:a#1`]);
    expect(files(dir, 'corrupt')).toEqual(['failed-9.json', 'pending-7.json', 'pending-8.json']);
    const errors = logs.filter((l) => l.startsWith('error: '));
    expect(errors).toHaveLength(3);
    expect(errors.find((l) => l.includes(join(dir, 'pending', '7.json')))).toMatch(/not JSON .*moved to .*corrupt\/pending-7\.json, not run/);
    expect(errors.find((l) => l.includes(join(dir, 'pending', '8.json')))).toMatch(/job kind mail: expected one of pr, push, series, digest/);
    expect(errors.find((l) => l.includes(join(dir, 'failed', '9.json')))).toMatch(/record version 2/);
    // The same name again later does not overwrite what was moved aside.
    writeFileSync(join(dir, 'pending', '7.json'), 'garbage');
    journaled(dir);
    expect(files(dir, 'corrupt')).toContain('pending-7.json.1');
    expect(readFileSync(join(dir, 'corrupt', 'pending-7.json'), 'utf8')).toMatch(/^\{"version"/);
  });

  it('stop(): no new job starts, the running one finishes, the waiting ones (and those enqueued meanwhile) stay for the next start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvm-review-journal-'));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const { handler, runs } = recorder(async () => {
      await gate;
      return 'reviewed';
    });
    const q = journaled(dir).serve({ pr: handler });
    const a = await q.enqueue(spec(1, 'a'));
    const b = await q.enqueue(spec(2, 'b'));
    await until('a started', () => runs.length === 1);
    const stopped = q.stop(60_000);
    const c = await q.enqueue(spec(3, 'c'));
    release();
    expect(await stopped).toBe('finished');
    await sleep(50);
    expect(runs).toEqual([`${a.id}:a#1`]);
    expect(files(dir, 'pending')).toEqual([b, c].map((j) => `${j.id}.json`));

    // Out of grace: the running job is left, and stays in the journal.
    const hung = journaled(dir).serve({ pr: async () => never() });
    await until('b started', async () => (await hung.list()).some((j) => j.state === 'active'));
    expect(await hung.stop(100)).toBe('left running');
    expect(files(dir, 'pending')).toEqual([b, c].map((j) => `${j.id}.json`));
    expect(existsSync(join(dir, 'failed', `${b.id}.json`))).toBe(false);
  });
});
