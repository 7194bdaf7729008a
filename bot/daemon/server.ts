/**
 * The resident process: it listens on a Unix socket and runs the commands
 * clients hand it, one at a time, in this process, so that what a fresh
 * process pays on every call (loading modules, compiling the parser's
 * wasm, warming the JIT, reading the base state's facts) is paid once.
 *
 * Requests are serial (one queue): each one gets the client's working
 * directory and environment variables for its run and the server's back
 * after it. That is only safe because no two requests run at once.
 *
 * Correctness across requests rests on the engine's memos being keyed by
 * what they depend on (file identities, texts), as the App and the watcher
 * already rely on; see the README's "Resident process". The code is another
 * matter: a server whose dist/ changed on disk answers `stale` and exits.
 */
import { chmodSync, existsSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { forgetCache } from '../../analyzers/index/cache.js';
import { connect } from './client.js';
import type { Io } from '../cli/doc-command.js';
import { codeStamp } from './code-stamp.js';
import { carriedVariable, clientFrame, encodeFrame, FrameReader, residentCommand, type ClientFrame, type DaemonStatus, type RunRequest, type ServerFrame } from './protocol.js';

export interface ServeOptions {
  /** Checked path (checkSocketPath). */
  socket: string;
  /** Exit after this long without a request. */
  idleMinutes: number;
  /** Files whose change makes the server stale (codePaths()). */
  code: readonly string[];
  /** Run one command line, as main() does: its exit code. */
  run: (argv: string[], io: Io) => Promise<number>;
  /** After a request, heap use over this many bytes drops the in-memory cache. */
  heapBound: number;
  /** One line for the log. */
  log: (line: string) => void;
}

/** Another server answers on the socket. */
export class AlreadyRunningError extends Error {}

/** Listen on the socket; resolves when the server has stopped (stop, SIGTERM, idle, stale code). */
export async function serve(opts: ServeOptions): Promise<void> {
  const stamp = codeStamp(opts.code);
  // env-paths reads the home directory once, when loaded: a request from another HOME
  // would get this process's default cache directory, so it runs in its own process.
  const home = process.env.HOME;
  const ownCwd = process.cwd();
  const started = Date.now();
  let served = 0;
  let queued = 0;
  let last: DaemonStatus['last'] = null;
  let chain = Promise.resolve();
  let stopping: Promise<void> | null = null;
  let idle: NodeJS.Timeout | undefined;
  /** The request running, for an exception no promise caught. */
  let current: { sock: Socket; debug: boolean } | null = null;

  const server = createServer();
  const inode = await listen(server, opts.socket);
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((r) => (resolveDone = r));

  const status = (): DaemonStatus => {
    const mem = process.memoryUsage();
    return { pid: process.pid, socket: opts.socket, uptimeMs: Date.now() - started, served, queued, last, heapUsed: mem.heapUsed, rss: mem.rss, idleMinutes: opts.idleMinutes };
  };

  const stop = (why: string): Promise<void> => {
    if (stopping) return stopping;
    opts.log(`stopping: ${why}`);
    clearTimeout(idle);
    // New clients find no socket (and run in-process); the requests accepted are answered first.
    server.close();
    removeSocket(opts.socket, inode);
    stopping = chain.then(() => {
      opts.log(`stopped after ${served} requests`);
      resolveDone();
    });
    return stopping;
  };

  const idleMs = opts.idleMinutes * 60_000;
  let lastActive = Date.now();
  const armIdle = (): void => {
    clearTimeout(idle);
    // setTimeout holds at most 2^31-1 ms (24.8 days): a longer timeout is waited for in steps.
    idle = setTimeout(
      () => {
        if (queued > 0) return;
        if (Date.now() - lastActive < idleMs) armIdle();
        else void stop(`idle for ${opts.idleMinutes} min`);
      },
      Math.min(idleMs - (Date.now() - lastActive), 2 ** 31 - 1),
    );
  };

  const runOne = async (sock: Socket, req: RunRequest): Promise<void> => {
    const send = (f: ServerFrame): void => {
      if (!sock.destroyed) sock.write(encodeFrame(f));
    };
    if (sock.destroyed) return; // the client gave up (Ctrl-C) while it waited
    if (stopping) return void sock.end(encodeFrame({ t: 'decline', why: 'stopping' }));
    if (codeStamp(opts.code) !== stamp) {
      sock.end(encodeFrame({ t: 'stale' }));
      void stop('dist/ or package.json changed on disk');
      return;
    }
    const command = residentCommand(req.argv);
    if (!command) return void sock.end(encodeFrame({ t: 'decline', why: 'not a command it runs' }));
    if (req.env.HOME !== home) return void sock.end(encodeFrame({ t: 'decline', why: 'another HOME' }));
    try {
      process.chdir(req.cwd);
    } catch {
      return void sock.end(encodeFrame({ t: 'decline', why: `cannot enter ${req.cwd}` }));
    }
    const restore = applyEnv(req.env);
    const t0 = performance.now();
    let code: number;
    current = { sock, debug: req.argv.includes('--debug') };
    try {
      // isTTY (the progress bar) stays off: cli-progress draws on this process's own stderr.
      code = await opts.run(req.argv, { stdout: (d) => send({ t: 'out', d }), stderr: (d) => send({ t: 'err', d }), cwd: req.cwd, isTTY: false, stdoutIsTTY: req.stdoutIsTTY });
    } catch (err) {
      // main() turns every failure into a code; this is a bug of ours: the bin's one line.
      send({ t: 'err', d: internalErrorLine(err, current.debug) });
      code = 2;
    } finally {
      current = null;
      restore();
      process.chdir(ownCwd);
    }
    const ms = Math.round(performance.now() - t0);
    send({ t: 'exit', code });
    sock.end();
    served++;
    last = { command, code, ms };
    opts.log(`${req.argv.slice(2).join(' ')} (in ${req.cwd}): exit ${code}, ${ms} ms`);
    const heap = process.memoryUsage().heapUsed;
    if (heap > opts.heapBound) {
      forgetCache();
      opts.log(`heap ${mb(heap)} MB over ${mb(opts.heapBound)} MB: the in-memory cache is dropped`);
    }
  };

  const onFrame = (sock: Socket, f: ClientFrame): void => {
    if (f.t === 'status') return void sock.end(encodeFrame({ t: 'status', ...status() }));
    if (f.t === 'stop') {
      sock.end(encodeFrame({ t: 'stopping', pid: process.pid }));
      return void stop('asked to stop');
    }
    queued++;
    clearTimeout(idle);
    chain = chain
      .then(() => runOne(sock, f))
      .catch((err: unknown) => {
        opts.log(`request failed: ${String(err)}`);
        // Not run (runOne's own failures come before the command: the run itself is caught): the client runs it in-process.
        if (!sock.destroyed && !sock.writableEnded) sock.end(encodeFrame({ t: 'decline', why: 'the request failed in the resident process' }));
      })
      .finally(() => {
        queued--;
        lastActive = Date.now();
        if (!stopping) armIdle();
      });
  };

  server.on('connection', (sock) => {
    const reader = new FrameReader<unknown>();
    let got = false;
    // Something that is not a client's frame (not JSON, not a frame's shape) is answered, and the connection closed.
    const refuse = (why: string): void => {
      opts.log(`request refused: ${why}`);
      sock.end(encodeFrame({ t: 'decline', why }));
    };
    sock.on('error', () => undefined); // a client that went away: its output has nowhere to go
    sock.on('data', (chunk: Buffer) => {
      if (got) return;
      let frames: unknown[];
      try {
        frames = reader.push(chunk);
      } catch {
        got = true;
        return refuse('not a frame (a JSON line)');
      }
      if (frames.length === 0) return; // the frame is not complete yet
      got = true;
      const frame = clientFrame(frames[0]);
      if (!frame) return refuse('not a request it understands');
      onFrame(sock, frame);
    });
  });

  // An exception no promise caught: the process's state is unknown. The request in hand gets
  // the bin's one line and exit 2, and the server stops (the next call runs in-process).
  process.removeAllListeners('uncaughtException').removeAllListeners('unhandledRejection');
  const fatal = (err: unknown): void => {
    opts.log(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    if (current && !current.sock.destroyed) current.sock.end(encodeFrame({ t: 'err', d: internalErrorLine(err, current.debug) }) + encodeFrame({ t: 'exit', code: 2 }));
    removeSocket(opts.socket, inode);
    process.exit(2);
  };
  process.on('uncaughtException', fatal).on('unhandledRejection', fatal);
  process.once('SIGTERM', () => void stop('SIGTERM')).once('SIGINT', () => void stop('SIGINT'));

  opts.log(`listening on ${opts.socket}, pid ${process.pid}, exits after ${opts.idleMinutes} min idle`);
  armIdle();
  await done;
}

/** Bind the socket (dir 0700, socket 0600); a stale socket file is replaced, a live server is an error. Returns the socket's inode. */
async function listen(server: Server, socket: string): Promise<number> {
  mkdirSync(dirname(socket), { recursive: true, mode: 0o700 });
  if ((await clearStaleSocket(socket)) === 'live') throw new AlreadyRunningError(`${socket}: a resident process already listens there`);
  // The mode is set at bind time through the umask, so the socket is never reachable by others.
  const mask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socket, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(mask);
  }
  chmodSync(socket, 0o600);
  return statSync(socket).ino;
}

/**
 * A socket file nobody listens on (left by a killed server) removed: 'removed'; 'live' when a
 * server answers there, 'none' when there is no file (or it could not be removed).
 */
export async function clearStaleSocket(socket: string): Promise<'none' | 'live' | 'removed'> {
  if (!existsSync(socket)) return 'none';
  const live = await connect(socket);
  if (live) {
    live.destroy();
    return 'live';
  }
  try {
    unlinkSync(socket);
    return 'removed';
  } catch {
    return 'none';
  }
}

/** Remove the socket file if it is still ours (a new server may have replaced it). */
function removeSocket(socket: string, inode: number): void {
  try {
    if (statSync(socket).ino === inode) unlinkSync(socket);
  } catch {
    // already gone
  }
}

/** Set the request's carried variables (and unset the carried ones it lacks); returns the undo. */
export function applyEnv(env: Record<string, string>, target: NodeJS.ProcessEnv = process.env): () => void {
  const saved = new Map<string, string | undefined>();
  const names = new Set([...Object.keys(target), ...Object.keys(env)].filter(carriedVariable));
  for (const n of names) {
    saved.set(n, target[n]);
    const v = env[n];
    if (v === undefined) delete target[n];
    else target[n] = v;
  }
  return () => {
    for (const [n, v] of saved) {
      if (v === undefined) delete target[n];
      else target[n] = v;
    }
  };
}

/** The line bot/kvm-review.js prints for an exception that escaped main(). */
function internalErrorLine(err: unknown, debug: boolean): string {
  const message = err && typeof err === 'object' && 'message' in err ? String(err.message) : String(err);
  const line = `kvm-review: internal error: ${message.replace(/\s+/g, ' ').trim()}${debug ? '' : ' (run with --debug for the stack trace)'}\n`;
  return debug && err instanceof Error && err.stack ? `${line}${err.stack}\n` : line;
}

const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);
