/**
 * `kvm-review daemon start|stop|status|serve`: the opt-in resident process
 * (bot/daemon/). `start` spawns `serve` detached and waits until it answers;
 * the command line (bot/kvm-review.js) then hands mbox, git, check and doc
 * to it while its socket is there.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packageRoot } from '../../knowledge/package-root.js';
import { positiveIntEnv } from '../env-number.js';
import { ask } from '../daemon/client.js';
import { codePaths } from '../daemon/code-stamp.js';
import type { DaemonStatus } from '../daemon/protocol.js';
import { AlreadyRunningError, clearStaleSocket, serve } from '../daemon/server.js';
import { daemonSocketPath } from '../daemon/socket-default.js';
import { checkSocketPath, daemonLogPath, SocketPathError } from '../daemon/socket-path.js';
import type { Io } from './doc-command.js';
import { EXIT, InputError } from './exit-codes.js';

export const DAEMON_ACTIONS = ['start', 'stop', 'status', 'serve'] as const;
export type DaemonAction = (typeof DAEMON_ACTIONS)[number];

/** `status` when no server answers: 3, "not running", as LSB init scripts and systemctl say it. */
export const NOT_RUNNING = 3;

export interface DaemonOptions {
  /** Minutes without a request before the server exits. */
  idleTimeout: number;
}

/** How long `start` waits for the server to answer, and `stop` for it to exit (it finishes the request in hand). */
const START_MS = 20_000;
const STOP_MS = 300_000;
const POLL_MS = 25;

export async function runDaemon(action: DaemonAction, opts: DaemonOptions, io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let socket: string;
  try {
    socket = checkSocketPath(daemonSocketPath(env));
  } catch (e) {
    if (e instanceof SocketPathError) throw new InputError(e.message);
    throw e;
  }
  if (action === 'serve') return runServe(socket, opts, env);
  if (action === 'status') return printStatus(socket, io);
  if (action === 'stop') return stopServer(socket, io);
  return startServer(socket, opts, io, env);
}

async function startServer(socket: string, opts: DaemonOptions, io: Io, env: NodeJS.ProcessEnv): Promise<number> {
  const running = await ask(socket, { t: 'status' });
  if (running?.t === 'status') {
    io.stdout(`kvm-review: the resident process is already running: pid ${running.pid}, socket ${socket}\n`);
    return EXIT.ok;
  }
  const log = daemonLogPath(socket);
  mkdirSync(dirname(socket), { recursive: true, mode: 0o700 });
  const fd = openSync(log, 'w', 0o600);
  const bin = join(packageRoot(), 'bot', 'kvm-review.js');
  const child = spawn(process.execPath, [bin, 'daemon', 'serve', '--idle-timeout', String(opts.idleTimeout)], {
    detached: true,
    stdio: ['ignore', fd, fd],
    cwd: packageRoot(),
    env,
  });
  closeSync(fd);
  let exited: string | null = null;
  child.on('exit', (code, signal) => (exited = signal ? `killed by ${signal}` : `exit ${code}`));
  child.on('error', (e) => (exited = e.message));
  try {
    const deadline = Date.now() + START_MS;
    while (Date.now() < deadline) {
      const answer = await ask(socket, { t: 'status' });
      if (answer?.t === 'status' && answer.pid === child.pid) {
        io.stdout(`kvm-review: resident process started: pid ${answer.pid}, socket ${socket}\n`);
        return EXIT.ok;
      }
      if (exited !== null) throw new InputError(`the resident process did not start (${exited}): ${lastLine(log)} (log: ${log})`);
      await sleep(POLL_MS);
    }
    child.kill();
    throw new InputError(`the resident process did not answer on ${socket} within ${START_MS / 1000} s; see ${log}`);
  } finally {
    child.unref();
    child.removeAllListeners();
  }
}

async function stopServer(socket: string, io: Io): Promise<number> {
  const answer = await ask(socket, { t: 'stop' });
  if (answer?.t !== 'stopping') {
    io.stdout(`kvm-review: no resident process on ${socket}${(await clearStaleSocket(socket)) === 'removed' ? ' (its stale socket file was removed)' : ''}\n`);
    return EXIT.ok;
  }
  const deadline = Date.now() + STOP_MS;
  while (alive(answer.pid)) {
    if (Date.now() > deadline) throw new InputError(`the resident process (pid ${answer.pid}) has not exited after ${STOP_MS / 1000} s; kill it`);
    await sleep(POLL_MS);
  }
  await clearStaleSocket(socket);
  io.stdout(`kvm-review: resident process stopped: pid ${answer.pid}\n`);
  return EXIT.ok;
}

async function printStatus(socket: string, io: Io): Promise<number> {
  const answer = await ask(socket, { t: 'status' });
  if (answer?.t !== 'status') {
    const stale = existsSync(socket) ? ' (a stale socket file is there: the next start replaces it, the command line ignores it)' : '';
    io.stdout(`kvm-review: no resident process running on ${socket}${stale}\n`);
    return NOT_RUNNING;
  }
  io.stdout(describe(answer));
  return EXIT.ok;
}

/** The status, three lines. */
export function describe(s: DaemonStatus): string {
  const mb = (n: number): string => `${Math.round(n / 2 ** 20)} MB`;
  return (
    `kvm-review: resident process running: pid ${s.pid}, socket ${s.socket}\n` +
    `up ${duration(s.uptimeMs)}, ${s.served} request${s.served === 1 ? '' : 's'} served, ${s.queued} in hand` +
    (s.last ? `; the last, ${s.last.command}: exit ${s.last.code} after ${s.last.ms} ms in the server\n` : '\n') +
    `heap ${mb(s.heapUsed)}, RSS ${mb(s.rss)}; exits after ${s.idleMinutes} min without a request\n`
  );
}

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

async function runServe(socket: string, opts: DaemonOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const { main } = await import('./main.js');
  const log = (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  try {
    await serve({
      socket,
      idleMinutes: opts.idleTimeout,
      code: codePaths(packageRoot(), env),
      run: (argv, io) => main(argv, io),
      heapBound: positiveIntEnv(env, 'KVM_REVIEW_DAEMON_HEAP_MB', 1536) * 2 ** 20,
      log,
    });
  } catch (e) {
    if (e instanceof AlreadyRunningError) throw new InputError(e.message);
    throw e;
  }
  // Something the engine keeps (a timer, a child) must not keep a stopped server alive.
  setTimeout(() => process.exit(EXIT.ok), 200).unref();
  return EXIT.ok;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lastLine(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').pop() ?? '';
  } catch {
    return '';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
