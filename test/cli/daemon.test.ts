/**
 * The resident process end to end: real processes, the installed entry point
 * (bot/kvm-review.js reading dist/: `npm run build` first), a temporary
 * socket and cache directory. Every command run through the server is run
 * again in-process (KVM_REVIEW_DAEMON=off) and must print the same bytes
 * and exit with the same code; the server's request count shows the call
 * really went through it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { kernelTree, ROOT, SHARED } from '../helpers/paths.js';
import { runBin as runBuiltBin, type BinRun } from '../helpers/run-bin.js';
import { INVERTING } from '../git/repo.js';
import { ask } from '../../bot/daemon/client.js';
import type { RunRequest } from '../../bot/daemon/protocol.js';

const tmp = mkdtempSync(join(tmpdir(), 'kvm-review-daemon-'));
const SOCKET = join(tmp, 'd.sock');
const CACHE = join(tmp, 'cache');
const SERIES = join(SHARED, 'corpus', 'lore', 'kvm', 'kvm-usage-count-kvm_lock-v2-44.mbx');

type Run = BinRun;

interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** In-process: KVM_REVIEW_DAEMON=off. */
  off?: boolean;
  socket?: string;
}

function runBin(args: string[], o: RunOptions = {}): Promise<Run> {
  if (!existsSync(join(ROOT, 'dist', 'bot', 'daemon', 'client.js'))) throw new Error('dist/ is missing or old: run `npm run build` before the CLI end-to-end tests');
  const env: NodeJS.ProcessEnv = { ...process.env, KVM_REVIEW_DAEMON_SOCKET: o.socket ?? SOCKET, KVM_REVIEW_CACHE_DIR: CACHE, NO_COLOR: '1', ...o.env };
  if (o.off) env.KVM_REVIEW_DAEMON = 'off';
  else delete env.KVM_REVIEW_DAEMON;
  return runBuiltBin(args, { cwd: o.cwd ?? tmp, env });
}

/** Requests the server has answered (from `daemon status`), or null when none runs. */
async function served(socket = SOCKET, env?: Record<string, string>): Promise<number | null> {
  const r = await runBin(['daemon', 'status'], { socket, env });
  if (r.code === 3) return null;
  const m = /(\d+) requests? served/.exec(r.stdout);
  if (r.code !== 0 || !m) throw new Error(`daemon status: exit ${r.code}: ${r.stdout}${r.stderr}`);
  return Number(m[1]);
}

async function pidOf(socket = SOCKET): Promise<number> {
  const r = await runBin(['daemon', 'status'], { socket });
  const m = /pid (\d+)/.exec(r.stdout);
  if (!m) throw new Error(`no pid in ${r.stdout}`);
  return Number(m[1]);
}

/** The command through the server (checked: one more request served) and in-process; both results. */
async function bothWays(args: string[], o: RunOptions = {}): Promise<{ daemon: Run; here: Run }> {
  const before = await served(o.socket, o.env);
  const daemon = await runBin(args, o);
  expect(await served(o.socket, o.env)).toBe((before ?? NaN) + 1);
  const here = await runBin(args, { ...o, off: true });
  return { daemon: settled(daemon), here: settled(here) };
}

/**
 * The run's own figures taken out of a JSON result: timings (`ms`) and cache counters (hits,
 * misses: the first of two runs fills the cache the second reads). Everything else must be equal.
 */
function settled(r: Run): Run {
  if (!r.stdout.startsWith('{')) return r;
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (!v || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, k === 'ms' ? 'ms' : k === 'cache' && x && typeof x === 'object' ? { dir: (x as { dir?: unknown }).dir } : strip(x)]),
    );
  };
  return { ...r, stdout: JSON.stringify(strip(JSON.parse(r.stdout))) };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(25);
  }
  throw new Error(`pid ${pid} still alive`);
}

beforeAll(async () => {
  const r = await runBin(['daemon', 'start', '--idle-timeout', '10']);
  if (r.code !== 0) throw new Error(`daemon start: ${r.stdout}${r.stderr}`);
}, 60_000);

afterAll(async () => {
  await runBin(['daemon', 'stop']);
  await runBin(['daemon', 'stop'], { socket: join(tmp, 'stale.sock') });
  rmSync(tmp, { recursive: true, force: true });
}, 60_000);

describe('daemon start, status', () => {
  it('start printed one line; a second start says it runs already; status names pid, socket, requests and memory', async () => {
    const again = await runBin(['daemon', 'start']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`already running: pid \\d+, socket ${SOCKET}\\n$`));
    const status = await runBin(['daemon', 'status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/pid \d+, socket .*\nup \d+ s, \d+ requests? served, 0 in hand\nheap \d+ MB, RSS \d+ MB; exits after 10 min without a request\n$/);
    // Created 0600 in a directory the test made: nobody else can hand it a command.
    expect(statSync(SOCKET).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${SOCKET}.log`, 'utf8')).toMatch(/listening on /);
  });

  it('status with no server exits 3; a socket path too long is refused naming it', async () => {
    const none = await runBin(['daemon', 'status'], { socket: join(tmp, 'none.sock') });
    expect(none.code).toBe(3);
    expect(none.stdout).toMatch(/no resident process running on .*none\.sock/);
    const long = join(tmp, 'x'.repeat(120), 'd.sock');
    const r = await runBin(['daemon', 'start'], { socket: long });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`kvm-review: ${long}: a Unix socket path holds at most 107 bytes, this one has ${Buffer.byteLength(long)}; set KVM_REVIEW_DAEMON_SOCKET to a shorter one\n`);
  });
});

describe('through the daemon, the same bytes and exit code as in-process', () => {
  const tree = kernelTree('6.1');

  it('mbox of a corpus series against the 6.1 tree, JSON and text', async () => {
    for (const format of ['json', 'text']) {
      const { daemon, here } = await bothWays(['mbox', SERIES, '--tree', tree, '--format', format]);
      expect(daemon.stdout.length).toBeGreaterThan(100);
      expect(daemon).toEqual(here);
      // The status names the request last answered, with its exit status and its time in the server.
      const status = await runBin(['daemon', 'status']);
      expect(status.stdout).toMatch(new RegExp(`in hand; the last, mbox: exit ${daemon.code} after \\d+ ms in the server\n`));
    }
  }, 300_000);

  it('check of one architecture', async () => {
    const { daemon, here } = await bothWays(['check', '--tree', tree, '--arch', 'x86', '--format', 'json']);
    expect(JSON.parse(daemon.stdout)).toHaveProperty('findings');
    expect(daemon).toEqual(here);
  }, 300_000);

  it('doc, and bad input: exit 2, the same one line on stderr', async () => {
    const doc = await bothWays(['doc', '--tree', tree]);
    expect(doc.daemon.code).toBe(0);
    expect(doc.daemon).toEqual(doc.here);
    const { daemon, here } = await bothWays(['mbox', join(tmp, 'no-such.mbx'), '--tree', tree]);
    expect(daemon.code).toBe(2);
    expect(daemon.stderr).toMatch(/^kvm-review: .*no-such\.mbx.*\n$/);
    expect(daemon).toEqual(here);
  }, 300_000);

  it('an internal error is exit 2 and one line for that client; the server goes on, without the variable that caused it', async () => {
    const pid = await pidOf();
    // The index's thread count is read from the request's environment, with a cache that makes the index run.
    const env = { KVM_REVIEW_THREADS: 'abc', KVM_REVIEW_CACHE_DIR: join(tmp, 'threads-cache') };
    const { daemon, here } = await bothWays(['check', '--tree', tree, '--arch', 'x86'], { env });
    expect(daemon.code).toBe(2);
    expect(daemon.stderr).toMatch(/^kvm-review: internal error: Error: KVM_REVIEW_THREADS=abc: not a number of threads .*\(run with --debug for the stack trace\)\n$/);
    expect(daemon).toEqual(here);
    const next = await bothWays(['check', '--tree', tree, '--arch', 'x86', '--format', 'json'], { env: { KVM_REVIEW_CACHE_DIR: join(tmp, 'threads-cache') } });
    expect(next.daemon.code).not.toBe(2);
    expect(next.daemon).toEqual(next.here);
    expect(await pidOf()).toBe(pid);
  }, 300_000);

  it("from another working directory, with paths relative to the client's", async () => {
    const { daemon, here } = await bothWays(['mbox', join('kvm', basename(SERIES)), '--tree', tree, '--format', 'json'], { cwd: dirname(dirname(SERIES)) });
    expect(daemon.code).not.toBe(2);
    expect(daemon).toEqual(here);
  }, 300_000);

  it('a tree file changed between two requests changes the answer', async () => {
    const root = join(tmp, 'tree');
    mkdirSync(join(root, 'virt/kvm'), { recursive: true });
    mkdirSync(join(root, 'arch/x86/kvm'), { recursive: true });
    mkdirSync(join(root, 'Documentation/virt/kvm'), { recursive: true });
    writeFileSync(join(root, 'arch/x86/kvm/x86.c'), 'int kvm_arch_demo(void)\n{\n\treturn 0;\n}\n');
    copyFileSync(join(tree, 'Documentation/virt/kvm/locking.rst'), join(root, 'Documentation/virt/kvm/locking.rst'));
    const main = 'static int kvm_demo_init(struct kvm *kvm)\n{\n\treturn 0;\n}\n';
    writeFileSync(join(root, 'virt/kvm/kvm_main.c'), main);
    const args = ['check', '--tree', root, '--format', 'json'];
    const first = await bothWays(args);
    expect(first.daemon).toEqual(first.here);
    // Rewritten a moment after the first run: same path, a time within the same second.
    writeFileSync(join(root, 'virt/kvm/kvm_main.c'), main + INVERTING);
    const second = await bothWays(args);
    expect(second.daemon).toEqual(second.here);
    expect(second.daemon.stdout).not.toEqual(first.daemon.stdout);
    expect(second.daemon.stdout).toContain('demo_vcpu_reset');
  }, 300_000);

  it('two clients at once: each gets its own output', async () => {
    const before = await served();
    const mboxArgs = ['mbox', SERIES, '--tree', tree, '--format', 'json'];
    const docArgs = ['doc', '--tree', tree, '--format', 'json'];
    const [a, b] = await Promise.all([runBin(mboxArgs), runBin(docArgs)]);
    expect(await served()).toBe((before ?? NaN) + 2);
    expect(settled(a)).toEqual(settled(await runBin(mboxArgs, { off: true })));
    expect(settled(b)).toEqual(settled(await runBin(docArgs, { off: true })));
    expect(a.stdout).not.toEqual(b.stdout);
  }, 300_000);
});

describe('the default socket', () => {
  it('with no variable naming a socket, start and the client both use the one in the user cache directory', async () => {
    // The client finds this one by loading env-paths, which it skips when a variable names the socket.
    const env = { KVM_REVIEW_DAEMON_SOCKET: '', XDG_RUNTIME_DIR: '', XDG_CACHE_HOME: join(tmp, 'xdg-cache') };
    const start = await runBin(['daemon', 'start', '--idle-timeout', '10'], { socket: '', env });
    expect(start.stdout).toContain(`socket ${join(tmp, 'xdg-cache', 'kvm-review', 'daemon.sock')}`);
    try {
      const fresh = await bothWays(['doc', '--tree', kernelTree('6.1')], { socket: '', env });
      expect(fresh.daemon).toEqual(fresh.here);
    } finally {
      expect((await runBin(['daemon', 'stop'], { socket: '', env })).code).toBe(0);
    }
  }, 120_000);
});

describe('when the server cannot answer, the command runs in-process', () => {
  it('a server whose code changed on disk answers stale, exits, and the client runs the command', async () => {
    const socket = join(tmp, 'stale.sock');
    const code = join(tmp, 'code-stamp');
    writeFileSync(code, 'one\n');
    const env = { KVM_REVIEW_DAEMON_CODE: code };
    const start = await runBin(['daemon', 'start'], { socket, env });
    expect(start.code).toBe(0);
    const args = ['doc', '--tree', kernelTree('6.1')];
    const fresh = await bothWays(args, { socket, env });
    expect(fresh.daemon).toEqual(fresh.here);
    const pid = await pidOf(socket);
    writeFileSync(code, 'two, a rebuild\n');
    const stale = await runBin(args, { socket, env });
    expect(stale.stderr).toBe('kvm-review: note: the resident process runs code older than dist/ (rebuilt since it started); it exits; running the command here\n');
    expect(settled({ ...stale, stderr: '' })).toEqual(fresh.here);
    await waitGone(pid);
    expect(existsSync(socket)).toBe(false);
    expect(await served(socket)).toBeNull();
  }, 120_000);

  it('a killed server leaves its socket: the next call runs in-process, and start replaces it', async () => {
    const pid = await pidOf();
    process.kill(pid, 'SIGKILL');
    await waitGone(pid);
    expect(existsSync(SOCKET)).toBe(true);
    const args = ['doc', '--tree', kernelTree('6.1'), '--format', 'json'];
    const through = await runBin(args);
    expect(settled(through)).toEqual(settled(await runBin(args, { off: true })));
    const status = await runBin(['daemon', 'status']);
    expect(status.code).toBe(3);
    expect(status.stdout).toMatch(/stale socket file/);
    const start = await runBin(['daemon', 'start', '--idle-timeout', '10']);
    expect(start.stdout).toMatch(/^kvm-review: resident process started: pid \d+, socket /);
    expect(await served()).toBe(0);
  }, 120_000);

  it('a server killed in the middle of a request: one note, then the whole output from an in-process run', async () => {
    // A cold check of every architecture (another cache) takes seconds: long enough to be killed in.
    const args = ['check', '--tree', kernelTree('6.1'), '--format', 'json'];
    const env = { KVM_REVIEW_CACHE_DIR: join(tmp, 'cold-cache') };
    const pid = await pidOf();
    const running = runBin(args, { env });
    for (let i = 0; i < 400 && !/1 in hand/.test((await runBin(['daemon', 'status'])).stdout); i++) await sleep(25);
    process.kill(pid, 'SIGKILL');
    const r = await running;
    expect(r.stderr).toBe('kvm-review: note: the resident process closed the connection before the command ended; running the command here\n');
    expect(settled({ ...r, stderr: '' })).toEqual(settled(await runBin(args, { env, off: true })));
    const start = await runBin(['daemon', 'start', '--idle-timeout', '10']);
    expect(start.stderr).toBe('');
    expect(start.code).toBe(0);
  }, 300_000);
});

describe('what the server declines (the client then runs the command itself)', () => {
  const request = (argv: string[], env: Record<string, string> = { HOME: process.env.HOME ?? '' }): RunRequest => ({
    t: 'run',
    argv: ['node', 'kvm-review', ...argv],
    cwd: tmp,
    env,
    stdoutIsTTY: false,
    stderrIsTTY: false,
  });

  it('a command it does not run (long-lived, its own, or reading stdin), or a client with another HOME', async () => {
    const before = await served();
    for (const argv of [['watch', '--once'], ['daemon', 'serve'], ['mbox', '-']]) {
      expect(await ask(SOCKET, request(argv))).toEqual({ t: 'decline', why: 'not a command it runs' });
    }
    expect(await ask(SOCKET, request(['doc'], { HOME: join(tmp, 'elsewhere') }))).toEqual({ t: 'decline', why: 'another HOME' });
    expect(await served()).toBe(before);
  });
});

describe('daemon stop', () => {
  it('stops the server and removes its socket; stopping none says so, exit 0', async () => {
    const pid = await pidOf();
    const stop = await runBin(['daemon', 'stop']);
    expect(stop).toEqual({ code: 0, stdout: `kvm-review: resident process stopped: pid ${pid}\n`, stderr: '' });
    expect(existsSync(SOCKET)).toBe(false);
    const again = await runBin(['daemon', 'stop']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/no resident process on /);
    expect(await served()).toBeNull();
  }, 60_000);

  it('SIGTERM: the server exits and removes its socket', async () => {
    expect((await runBin(['daemon', 'start'])).code).toBe(0);
    const pid = await pidOf();
    process.kill(pid, 'SIGTERM');
    await waitGone(pid);
    expect(existsSync(SOCKET)).toBe(false);
    expect(readFileSync(`${SOCKET}.log`, 'utf8')).toMatch(/stopping: SIGTERM\n.*stopped after 0 requests\n$/);
  }, 60_000);
});
