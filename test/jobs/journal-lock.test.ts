/**
 * The queue journal's lock (journal-lock.ts) on the cases the real servers
 * in test/app/queue-journal.test.ts do not reach: a holder that cannot be
 * checked from here (another machine or container) is alive while it
 * renews the lock and taken over once it stops; a pid that now belongs to
 * another process is not its holder; a file that is not a lock is named;
 * a holder whose lock is replaced is told; release() leaves another's lock.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/paths.js';
import { JournalLock, JournalLockedError, LOCK_FILE, type LockHolder } from '../../bot/jobs/journal-lock.js';

const locks: JournalLock[] = [];
const children: ChildProcess[] = [];
const timers: NodeJS.Timeout[] = [];

afterEach(() => {
  for (const l of locks.splice(0)) l.release();
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const t of timers.splice(0)) clearInterval(t);
});

const dir = (): string => mkdtempSync(join(tmpdir(), 'kvm-review-lock-'));
const holderIn = (d: string): LockHolder => JSON.parse(readFileSync(join(d, LOCK_FILE), 'utf8')) as LockHolder;

async function acquire(d: string, logs: string[] = [], onLost?: (m: string) => void): Promise<JournalLock> {
  const lock = await JournalLock.acquire(d, { heartbeatMs: 100, staleMs: 2_000, log: (m) => logs.push(m), onLost });
  locks.push(lock);
  return lock;
}

/** A lock as a server on another machine would leave it. */
function foreignLock(d: string): LockHolder {
  const h: LockHolder = { pid: 4242, hostname: 'elsewhere.example', startedAt: '2026-01-01T00:00:00.000Z', bootId: 'another-boot', pidNs: 'pid:[1]', startTicks: '7', token: 'theirs' };
  writeFileSync(join(d, LOCK_FILE), `${JSON.stringify(h)}\n`);
  return h;
}

describe('the queue journal lock', () => {
  it('a holder on another machine that keeps renewing the lock keeps it: the start is refused, naming the directory, pid and host', async () => {
    const d = dir();
    foreignLock(d);
    let t = Date.now();
    timers.push(setInterval(() => utimesSync(join(d, LOCK_FILE), new Date(t), new Date((t += 1_000))), 100));
    const err = await acquire(d).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(JournalLockedError);
    expect((err as Error).message).toContain(`the queue journal ${d} is in use by pid 4242 on elsewhere.example`);
    expect(holderIn(d).token).toBe('theirs');
  });

  it('a holder on another machine whose lock was not renewed within the stale time is taken over, with the reason logged', async () => {
    const d = dir();
    foreignLock(d);
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(d, LOCK_FILE), old, old);
    const logs: string[] = [];
    const lock = await acquire(d, logs);
    expect(holderIn(d).token).toBe(lock.holder.token);
    expect(logs.join('\n')).toMatch(/took over the lock of pid 4242 on elsewhere\.example .*not renewed for \d+ s/);
  });

  it('a fresh lock of a holder on another machine that is not renewed (it was killed just now) is taken over once the stale time has passed', async () => {
    const d = dir();
    foreignLock(d);
    const logs: string[] = [];
    const lock = await acquire(d, logs);
    expect(holderIn(d).token).toBe(lock.holder.token);
    expect(logs.join('\n')).toMatch(/waiting up to 2 s[^]*took over the lock of pid 4242 on elsewhere\.example .*not renewed within 2 s of watching/);
  });

  it('a pid of this host that now belongs to another process (another start time) does not hold the lock', async () => {
    const d = dir();
    const child = spawn('sleep', ['60']);
    children.push(child);
    const mine = await acquire(d);
    const stranger: LockHolder = { ...mine.holder, pid: child.pid ?? 0, startTicks: '1', token: 'reused' };
    mine.release();
    writeFileSync(join(d, LOCK_FILE), JSON.stringify(stranger));
    const logs: string[] = [];
    await acquire(d, logs);
    expect(logs.join('\n')).toContain(`took over the lock of pid ${child.pid}`);
    expect(logs.join('\n')).toContain('is no longer running');
  });

  it('a live process of this host holds it', async () => {
    const d = dir();
    const child = spawn(process.execPath, ['-e', `import('${join(ROOT, 'dist/bot/jobs/journal-lock.js')}').then(async (m) => { await m.JournalLock.acquire(process.argv[1]); console.log('held'); setInterval(() => {}, 1000); })`, d]);
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (b: Buffer) => b.toString().includes('held') && resolve());
      child.on('exit', (code) => reject(new Error(`the holder exited ${code}`)));
    });
    const err = await acquire(d).then(() => null, (e: unknown) => e);
    expect((err as Error).message).toContain(`in use by pid ${child.pid} on `);
  });

  it('a file that is not a lock is named, with what to do', async () => {
    const d = dir();
    writeFileSync(join(d, LOCK_FILE), 'hello\n');
    await expect(acquire(d)).rejects.toThrow(`${join(d, LOCK_FILE)}: not a kvm-review lock`);
  });

  it('a holder whose lock another process replaced is told; release() then leaves the other one', async () => {
    const d = dir();
    let lost = '';
    const told = new Promise<void>((r) => {
      void acquire(d, [], (m) => {
        lost = m;
        r();
      }).then((lock) => {
        writeFileSync(join(d, LOCK_FILE), JSON.stringify({ ...lock.holder, pid: 77, hostname: 'intruder', token: 'other' }));
      });
    });
    await told;
    expect(lost).toContain('was taken over by pid 77 on intruder');
    for (const l of locks) l.release();
    expect(existsSync(join(d, LOCK_FILE))).toBe(true);
    expect(holderIn(d).token).toBe('other');
  });

  it('removed by hand while held, the lock is put back', async () => {
    const d = dir();
    const lock = await acquire(d);
    const { rmSync } = await import('node:fs');
    rmSync(join(d, LOCK_FILE));
    for (let i = 0; i < 100 && !existsSync(join(d, LOCK_FILE)); i++) await new Promise((r) => setTimeout(r, 50));
    expect(holderIn(d).token).toBe(lock.holder.token);
    lock.release();
    expect(existsSync(join(d, LOCK_FILE))).toBe(false);
  });
});
