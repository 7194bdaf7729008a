/**
 * The command line's side of the resident process: hand a review to it and
 * print what comes back. Loaded by bot/kvm-review.js before the CLI (whose
 * loading is what the resident process saves), so it imports node builtins
 * and the two small modules beside it only.
 *
 * Every way the server is not there or not usable (no socket, a stale one
 * from a killed server, a server that declines or runs older code, one that
 * dies mid-request) returns null: the caller runs the command in-process.
 * A review only reads the tree and fills the cache, so running it again
 * after a server died on it is safe.
 */
import { statSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { carriedVariable, encodeFrame, FrameReader, residentCommand, type ClientFrame, type RunRequest, type ServerFrame } from './protocol.js';
import { configuredSocketPath, MAX_SOCKET_PATH_BYTES } from './socket-path.js';


/** Where a client writes: process.stdout/stderr, or a test's buffers. */
export interface ClientStreams {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
}

const processStreams = (): ClientStreams => ({
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  stdoutIsTTY: Boolean(process.stdout.isTTY),
  stderrIsTTY: Boolean(process.stderr.isTTY),
});

/**
 * Whether the command ends when its output is written (mbox, git, check, doc): the bin then exits
 * at once rather than let node wait for V8's background work (kvm-review.js).
 */
export function oneShotCommand(argv: readonly string[]): boolean {
  return residentCommand(argv) !== null;
}

/** The socket to use for `argv`, or null when this call runs in-process. */
export async function daemonTarget(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<string | null> {
  if (env.KVM_REVIEW_DAEMON === 'off') return null;
  if (!residentCommand(argv)) return null;
  const socket = configuredSocketPath(env) ?? (await import('./socket-default.js')).daemonSocketPath(env);
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH_BYTES) return null;
  return ownSocket(socket) ? socket : null;
}

/**
 * Whether `path` is a socket this user owns: a request carries the caller's environment and its
 * answer is printed as the review, so a socket someone else made (KVM_REVIEW_DAEMON_SOCKET in a
 * shared directory) is never used.
 */
function ownSocket(path: string): boolean {
  try {
    const st = statSync(path);
    return st.isSocket() && (process.getuid === undefined || st.uid === process.getuid());
  } catch {
    return false;
  }
}

/** The request for this call: argv, cwd and the variables the commands read. */
export function runRequest(argv: readonly string[], env: NodeJS.ProcessEnv, streams: Pick<ClientStreams, 'stdoutIsTTY' | 'stderrIsTTY'>): RunRequest {
  const carried: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && carriedVariable(k)) carried[k] = v;
  return { t: 'run', argv: [...argv], cwd: process.cwd(), env: carried, stdoutIsTTY: streams.stdoutIsTTY, stderrIsTTY: streams.stderrIsTTY };
}

/**
 * Run the command through the resident process when there is one: its exit
 * code, or null when the caller must run it in-process.
 */
export async function throughDaemon(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, streams: ClientStreams = processStreams()): Promise<number | null> {
  // `node --cpu-prof`, `--inspect` or an --import hook (the bench's resource usage) are about this process.
  if (process.execArgv.length > 0) return null;
  const socket = await daemonTarget(argv, env);
  if (!socket) return null;
  const conn = await connect(socket);
  if (!conn) return null;
  return new Promise((resolve) => {
    const reader = new FrameReader<ServerFrame>();
    // stdout is held until the exit frame: if the server dies mid-request, the in-process run
    // prints the whole output once, not a second copy after part of the first. A review renders
    // its output at the end, so nothing is printed later than it would be.
    const out: string[] = [];
    let settled = false;
    const settle = (code: number | null): void => {
      if (settled) return;
      settled = true;
      conn.destroy();
      resolve(code);
    };
    conn.on('data', (chunk: Buffer) => {
      let frames: ServerFrame[];
      try {
        frames = reader.push(chunk);
      } catch {
        streams.stderr('kvm-review: note: the resident process sent something unreadable; running the command here\n');
        return settle(null);
      }
      for (const f of frames) {
        if (f.t === 'out') out.push(f.d);
        else if (f.t === 'err') streams.stderr(f.d);
        else if (f.t === 'exit') {
          for (const d of out) streams.stdout(d);
          return settle(f.code);
        } else if (f.t === 'stale') {
          streams.stderr('kvm-review: note: the resident process runs code older than dist/ (rebuilt since it started); it exits; running the command here\n');
          return settle(null);
        } else return settle(null); // decline, or a frame meant for another request: in-process
      }
    });
    conn.on('error', () => undefined); // 'close' follows
    conn.on('close', () => {
      if (!settled) streams.stderr('kvm-review: note: the resident process closed the connection before the command ended; running the command here\n');
      settle(null);
    });
    conn.write(encodeFrame(runRequest(argv, env, streams)));
  });
}

/** A connection to the socket, or null when nobody listens there (ECONNREFUSED: a stale socket file). */
export function connect(socket: string): Promise<Socket | null> {
  return new Promise((resolve) => {
    const conn = createConnection(socket);
    conn.once('connect', () => {
      conn.removeAllListeners('error');
      resolve(conn);
    });
    conn.once('error', () => resolve(null));
  });
}

/**
 * Send `frame` (status, stop) and return the server's answer, or null when
 * no server listens on `socket` or it closed without one.
 */
export async function ask(socket: string, frame: ClientFrame): Promise<ServerFrame | null> {
  const conn = await connect(socket);
  if (!conn) return null;
  return new Promise((resolve) => {
    const reader = new FrameReader<ServerFrame>();
    conn.on('data', (chunk: Buffer) => {
      try {
        const [first] = reader.push(chunk);
        if (first) {
          conn.destroy();
          resolve(first);
        }
      } catch {
        conn.destroy();
        resolve(null);
      }
    });
    conn.on('error', () => undefined);
    conn.on('close', () => resolve(null));
    conn.write(encodeFrame(frame));
  });
}
