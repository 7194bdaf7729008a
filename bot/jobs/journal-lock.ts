/**
 * One server per queue journal: `npm start` takes DIR/server.lock before it
 * reads the journal, and a second server on the same directory refuses to
 * start (both would queue the same jobs again and post twice).
 *
 * The lock file is written whole to a temporary name and hard-linked into
 * place (link(2) fails when the name exists: the O_EXCL of a finished file,
 * so a reader never sees half a lock). It names its holder: pid, host,
 * start time, and on Linux the boot id, the pid namespace and the process's
 * start tick, which tell whether the pid can be checked from here and
 * whether it is still the same process.
 *
 * A lock found at start is judged:
 * - its holder can be checked (same boot, same pid namespace): a holder
 *   still running (same pid, same start tick, not a zombie) keeps it; a
 *   dead one's lock is taken over at once;
 * - it cannot (another machine, another container sharing the volume, or a
 *   container started again after a kill): the holder renews the file's
 *   mtime every few seconds from a worker thread (a review keeps the main
 *   thread busy for long stretches; the worker is not held up by it), so
 *   the starting server watches the file: renewed, the holder is alive and
 *   the start is refused; not renewed for `staleMs`, it is taken over.
 * A takeover is logged with whom it replaces and why.
 */
import { randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export const LOCK_FILE = 'server.lock';
/** How often the holder renews the lock's mtime. */
export const HEARTBEAT_MS = 5_000;
/** A lock whose holder cannot be checked and that was not renewed for this long is a dead server's. */
export const STALE_MS = 30_000;

/** What the lock file says about its holder. */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** ISO time the holder took the lock. */
  startedAt: string;
  /** Linux: /proc/sys/kernel/random/boot_id (a reboot changes it). */
  bootId: string | null;
  /** Linux: the pid namespace (`pid:[N]`): a pid means something only within it. */
  pidNs: string | null;
  /** Linux: the process's start time in clock ticks since boot (/proc/PID/stat): tells a reused pid apart. */
  startTicks: string | null;
  /** This holding, unique: what release() and the heartbeat check before touching the file. */
  token: string;
}

/** The directory is held by a server that is alive (or cannot be shown dead): the start is refused. */
export class JournalLockedError extends Error {}

export interface LockOptions {
  heartbeatMs?: number;
  staleMs?: number;
  /** A takeover, a wait: what the operator is told. */
  log?: (message: string) => void;
  /** The lock file was replaced by another process's while held: this server must stop. */
  onLost?: (message: string) => void;
}

/** Directories this process holds (a second lock in the same process is refused too). */
const held = new Set<string>();

export class JournalLock {
  private released = false;

  private constructor(
    readonly file: string,
    readonly holder: LockHolder,
    private readonly worker: Worker,
  ) {}

  /** Takes DIR's lock, waiting at most `staleMs` to see whether a holder that cannot be checked is alive. Throws JournalLockedError when it is held. */
  static async acquire(dir: string, options: LockOptions = {}): Promise<JournalLock> {
    const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
    const staleMs = options.staleMs ?? STALE_MS;
    const log = options.log ?? (() => undefined);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, LOCK_FILE);
    if (held.has(file)) throw new JournalLockedError(`the queue journal ${dir} is already locked by this process (pid ${process.pid})`);
    const me: LockHolder = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), ...linuxIdentity(), startTicks: procStat(process.pid)?.startTicks ?? null, token: randomUUID() };
    const text = `${JSON.stringify(me)}\n`;
    for (;;) {
      if (place(file, text)) break;
      let found: string;
      try {
        found = readFileSync(file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      const other = parseHolder(found, file);
      const stale = await staleness(other, file, me, heartbeatMs, staleMs, log);
      if (stale === null) throw new JournalLockedError(`the queue journal ${dir} is in use by pid ${other.pid} on ${other.hostname} (started ${other.startedAt}): one server per journal directory; stop that one, or give this one another KVM_REVIEW_QUEUE_DIR`);
      if (takeOver(file, found)) log(`kvm-review: queue journal ${dir}: took over the lock of pid ${other.pid} on ${other.hostname} (started ${other.startedAt}): ${stale}`);
    }
    held.add(file);
    const worker = heartbeat(file, text, heartbeatMs, options.onLost ?? (() => undefined));
    return new JournalLock(file, me, worker);
  }

  /** Removes the lock if it is still this process's (on a graceful stop, or at exit). Synchronous: it runs in an 'exit' handler. */
  release(): void {
    if (this.released) return;
    this.released = true;
    held.delete(this.file);
    void this.worker.terminate();
    try {
      if (parseHolder(readFileSync(this.file, 'utf8'), this.file).token === this.holder.token) rmSync(this.file, { force: true });
    } catch {
      // Gone or replaced: nothing of ours to remove.
    }
  }
}

/** Links a complete lock file into place; false when the name is taken. */
function place(file: string, text: string): boolean {
  const tmp = `${file}.tmp-${process.pid}-${randomUUID()}`;
  writeFileSync(tmp, text, { flag: 'wx' });
  try {
    linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Removes the stale lock `found`, and only it: it is renamed aside first
 * (of two starting servers only one rename succeeds), and when what was
 * moved is not `found` (a new holder got in between) it is linked back.
 * False when another process moved it first.
 */
function takeOver(file: string, found: string): boolean {
  const aside = `${file}.stale-${process.pid}-${randomUUID()}`;
  try {
    renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  try {
    if (readFileSync(aside, 'utf8') === found) return true;
    try {
      linkSync(aside, file);
    } catch {
      // Yet another lock took the name: its holder and the one moved here both find out through their heartbeat.
    }
    return false;
  } finally {
    rmSync(aside, { force: true });
  }
}

/** Null when `other` holds the lock; else why its lock is stale. */
async function staleness(other: LockHolder, file: string, me: LockHolder, heartbeatMs: number, staleMs: number, log: (m: string) => void): Promise<string | null> {
  if (other.bootId !== null && other.bootId === me.bootId && other.pidNs === me.pidNs) {
    if (other.pid === process.pid) return `pid ${other.pid} is this process now: that server is gone`;
    return running(other) ? null : `pid ${other.pid} is no longer running`;
  }
  if (other.bootId === null && me.bootId === null && other.hostname === me.hostname) {
    // No /proc (not Linux): the pid is checked on the same host name.
    return other.pid !== process.pid && running(other) ? null : `pid ${other.pid} is no longer running`;
  }
  // Another machine, container or boot: its holder renews the file while it runs. Judged by what is
  // seen while watching (another machine's clock may be off), except for a lock already long unrenewed.
  const first = mtimeOf(file);
  if (first === null) return 'it was removed';
  const age = Date.now() - first;
  if (age > staleMs) return `not renewed for ${Math.round(age / 1000)} s (it cannot be checked from here: another machine, container or boot)`;
  log(`kvm-review: queue journal ${file}: held by pid ${other.pid} on ${other.hostname}, which cannot be checked from here: waiting up to ${Math.round(staleMs / 1000)} s to see whether it renews the lock`);
  for (const until = Date.now() + staleMs; Date.now() < until; ) {
    await new Promise((r) => setTimeout(r, Math.min(heartbeatMs, 1_000)));
    const now = mtimeOf(file);
    if (now === null) return 'it was removed';
    if (now !== first) return null;
  }
  return `not renewed within ${Math.round(staleMs / 1000)} s of watching (it cannot be checked from here: another machine, container or boot)`;
}

function mtimeOf(file: string): number | null {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

/** The holder's process is still there: the pid exists, is not a zombie and (where known) started when the holder did. */
function running(h: LockHolder): boolean {
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(h.pid);
  if (!stat) return true;
  return stat.state !== 'Z' && (h.startTicks === null || stat.startTicks === h.startTicks);
}

/** /proc/PID/stat's state and start time (fields 3 and 22), after the command name, which may hold spaces and parentheses. */
function procStat(pid: number): { state: string; startTicks: string } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return rest[0] && rest[19] ? { state: rest[0], startTicks: rest[19] } : null;
  } catch {
    return null;
  }
}

function linuxIdentity(): { bootId: string | null; pidNs: string | null } {
  try {
    return { bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(), pidNs: readlinkSync('/proc/self/ns/pid') };
  } catch {
    return { bootId: null, pidNs: null };
  }
}

/** A lock file's holder, checked: throws naming the file when it is not one. */
export function parseHolder(text: string, file: string): LockHolder {
  let v: Partial<LockHolder>;
  try {
    v = JSON.parse(text) as Partial<LockHolder>;
  } catch (e) {
    throw new Error(`${file}: not a kvm-review lock (${e instanceof Error ? e.message : String(e)}); remove it if no server uses this directory`);
  }
  const str = (x: unknown): x is string => typeof x === 'string';
  const opt = (x: unknown): string | null => (str(x) ? x : null);
  if (!v || typeof v !== 'object' || !Number.isInteger(v.pid) || (v.pid ?? 0) <= 0 || !str(v.hostname) || !str(v.startedAt) || !str(v.token)) {
    throw new Error(`${file}: not a kvm-review lock (pid, hostname, startedAt and token are required); remove it if no server uses this directory`);
  }
  return { pid: v.pid as number, hostname: v.hostname, startedAt: v.startedAt, bootId: opt(v.bootId), pidNs: opt(v.pidNs), startTicks: opt(v.startTicks), token: v.token };
}

/**
 * Renews the lock's mtime every `ms` from a worker thread, checking it is
 * still ours: removed (by hand), it is put back; replaced by another
 * holder's, `onLost` is told (this server must stop: the other one runs
 * the journal now). Unref'd: it never keeps the process alive.
 */
function heartbeat(file: string, text: string, ms: number, onLost: (message: string) => void): Worker {
  const code = `
    const { workerData: w, parentPort } = require('node:worker_threads');
    const fs = require('node:fs');
    const timer = setInterval(() => {
      try {
        const now = fs.readFileSync(w.file, 'utf8');
        if (now !== w.text) { clearInterval(timer); parentPort.postMessage(now); return; }
        const t = new Date();
        fs.utimesSync(w.file, t, t);
      } catch (e) {
        if (e.code !== 'ENOENT') return;
        const tmp = w.file + '.tmp-' + process.pid + '-heartbeat';
        try { fs.writeFileSync(tmp, w.text); fs.linkSync(tmp, w.file); } catch {} finally { fs.rmSync(tmp, { force: true }); }
      }
    }, w.ms);
  `;
  const worker = new Worker(code, { eval: true, workerData: { file, text, ms } });
  worker.on('message', (now: string) => {
    let who = 'another process';
    try {
      const h = parseHolder(now, file);
      who = `pid ${h.pid} on ${h.hostname}`;
    } catch {
      // Not a lock at all: still not ours.
    }
    onLost(`kvm-review: the queue journal lock ${file} was taken over by ${who}: stopping (that server runs the journal now)`);
  });
  worker.unref();
  return worker;
}
