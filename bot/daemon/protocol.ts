/**
 * What the command line and the resident process say to each other on the
 * socket: one JSON object a line in each direction. The client sends one
 * frame (a request, `status` or `stop`); the server answers with output
 * frames and one closing frame (`exit`, `stale`, `decline`, `status`,
 * `stopping`). Imports nothing: the client loads it before anything else.
 */

/** A command to run as if `argv` had been typed in `cwd` with `env`. */
export interface RunRequest {
  t: 'run';
  /** process.argv of the client: node, the bin, then the arguments. */
  argv: string[];
  /** The client's working directory (absolute). */
  cwd: string;
  /** The variables the commands read (carriedVariable()), as the client has them; absent: unset. */
  env: Record<string, string>;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
}

export type ClientFrame = RunRequest | { t: 'status' } | { t: 'stop' };

/**
 * `value` when it is a frame a client sends (runRequest() builds the run one; `status`, `stop`),
 * else null: the server answers anything else with `decline` rather than read fields it lacks.
 */
export function clientFrame(value: unknown): ClientFrame | null {
  if (!isRecord(value)) return null;
  if (value.t === 'status' || value.t === 'stop') return { t: value.t };
  if (value.t !== 'run') return null;
  const { argv, cwd, env, stdoutIsTTY, stderrIsTTY } = value;
  if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) return null;
  if (typeof cwd !== 'string' || !isRecord(env) || !Object.values(env).every((v) => typeof v === 'string')) return null;
  if (typeof stdoutIsTTY !== 'boolean' || typeof stderrIsTTY !== 'boolean') return null;
  return { t: 'run', argv: argv as string[], cwd, env: env as Record<string, string>, stdoutIsTTY, stderrIsTTY };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What `status` reports. */
export interface DaemonStatus {
  pid: number;
  socket: string;
  /** Milliseconds since the server listened. */
  uptimeMs: number;
  /** Requests answered (run frames, whatever their exit code). */
  served: number;
  /** Requests waiting, the one running included. */
  queued: number;
  /** The last request answered: its command, exit status and time in the server (from its start to its exit frame). */
  last: { command: string; code: number; ms: number } | null;
  /** process.memoryUsage(), bytes. */
  heapUsed: number;
  rss: number;
  /** Minutes without a request before the server exits. */
  idleMinutes: number;
}

export type ServerFrame =
  | { t: 'out'; d: string }
  | { t: 'err'; d: string }
  /** The command finished; `code` is its exit status. */
  | { t: 'exit'; code: number }
  /** The server's code changed on disk since it started: it exits; the client runs the command itself. */
  | { t: 'stale' }
  /** The server cannot run this request as the client would (another HOME, no such cwd): run it in-process. */
  | { t: 'decline'; why: string }
  | ({ t: 'status' } & DaemonStatus)
  /** Answer to `stop`: the server exits once the requests in hand are answered. */
  | { t: 'stopping'; pid: number };

/** The commands worth a round trip: reviews and audits, whose cost is loading and warming up. */
const COMMANDS = new Set(['mbox', 'git', 'check', 'doc']);
/** Arguments that read stdin or print about the program itself (help is as wide as the client's terminal). */
const IN_PROCESS = new Set(['-', '-h', '--help', '-V', '--version']);

/**
 * The command of `argv` (node, the bin, then the arguments) when the resident process may run
 * it, else null. The server asks too: it runs nothing long-lived (watch, worker) or of its own (daemon).
 */
export function residentCommand(argv: readonly string[]): string | null {
  const args = argv.slice(2);
  const command = args.find((a) => !a.startsWith('-'));
  return command && COMMANDS.has(command) && !args.some((a) => IN_PROCESS.has(a)) ? command : null;
}

/**
 * The environment variables a request carries: what the commands read
 * (the cache directory, colour, git's and the thread count's settings).
 * Everything else is the server's own.
 */
export function carriedVariable(name: string): boolean {
  return name.startsWith('KVM_REVIEW_') || name.startsWith('GIT_') || CARRIED.has(name);
}

const CARRIED = new Set(['XDG_CACHE_HOME', 'HOME', 'NO_COLOR', 'FORCE_COLOR', 'TERM', 'PATH', 'TZ']);

/** One frame on the wire. JSON escapes newlines, so a frame is one line. */
export function encodeFrame(frame: ClientFrame | ServerFrame): string {
  return `${JSON.stringify(frame)}\n`;
}

/**
 * Splits a byte stream into frames. Bytes are kept until a newline, so a
 * UTF-8 character cut between two chunks is decoded whole.
 */
export class FrameReader<T> {
  private pending: Buffer[] = [];

  /** The frames completed by `chunk`; a line that is not JSON throws. */
  push(chunk: Buffer): T[] {
    const out: T[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      this.pending.push(chunk.subarray(start, nl));
      const line = Buffer.concat(this.pending).toString('utf8');
      this.pending = [];
      start = nl + 1;
      if (line) out.push(JSON.parse(line) as T);
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start));
    return out;
  }

  /** Bytes of a frame begun and not ended (the peer closed mid-frame). */
  get partial(): boolean {
    return this.pending.some((b) => b.length > 0);
  }
}
