/**
 * The resident process's first frame, on its real socket (serve() in this
 * process, with a command runner that only records): anything but a frame
 * a client sends (runRequest(), status, stop) is answered with `decline`,
 * which the client reads as "run it yourself", and the connection closed;
 * it used to be left open, unanswered. A request that fails in the server
 * before its command runs is declined too, and the server goes on serving.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ask, runRequest } from '../../bot/daemon/client.js';
import { clientFrame, encodeFrame, FrameReader, type ServerFrame } from '../../bot/daemon/protocol.js';
import { serve } from '../../bot/daemon/server.js';

const socket = join(mkdtempSync(join(tmpdir(), 'kvm-review-frame-')), 'd.sock');
const logs: string[] = [];
const ran: string[][] = [];
/** Set: the server's check of its code on disk throws (a failure of the server's own, before the command runs). */
let broken = false;
const code = {
  [Symbol.iterator](): Iterator<string> {
    if (broken) throw new Error('cannot read the code stamp');
    return ([] as string[])[Symbol.iterator]();
  },
} as unknown as string[];

// serve() takes the process's fatal-error and signal handlers; jest's are put back after.
const EVENTS = ['uncaughtException', 'unhandledRejection', 'SIGTERM', 'SIGINT'] as const;
const saved = new Map(EVENTS.map((e) => [e, process.listeners(e as never) as ((...a: unknown[]) => void)[]]));
let served: Promise<void>;

beforeAll(async () => {
  served = serve({
    socket,
    idleMinutes: 10,
    code,
    heapBound: Number.MAX_SAFE_INTEGER,
    log: (l) => logs.push(l),
    run: async (argv, io) => {
      ran.push(argv);
      io.stdout('reviewed\n');
      return 0;
    },
  });
  await until(() => logs.some((l) => l.startsWith('listening on')));
});

afterAll(async () => {
  await ask(socket, { t: 'stop' });
  await served;
  for (const e of EVENTS) {
    process.removeAllListeners(e);
    for (const l of saved.get(e) ?? []) process.on(e, l);
  }
});

async function until(f: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Writes `chunks` on a new connection; the frames answered, and whether the server closed it within 3 s. */
function exchange(...chunks: string[]): Promise<{ frames: ServerFrame[]; closed: boolean }> {
  return new Promise((resolve) => {
    const conn = createConnection(socket);
    const reader = new FrameReader<ServerFrame>();
    const frames: ServerFrame[] = [];
    const timer = setTimeout(() => {
      conn.destroy();
      resolve({ frames, closed: false });
    }, 3000);
    conn.on('data', (d: Buffer) => frames.push(...reader.push(d)));
    conn.on('close', () => {
      clearTimeout(timer);
      resolve({ frames, closed: true });
    });
    conn.on('connect', async () => {
      for (const c of chunks) {
        conn.write(c);
        await new Promise((r) => setTimeout(r, 30));
      }
    });
  });
}

const request = (over: Record<string, unknown> = {}): Record<string, unknown> => ({ ...runRequest(['node', 'kvm-review.js', 'check', 'x'], { HOME: process.env.HOME }, { stdoutIsTTY: false, stderrIsTTY: false }), ...over });

describe('a frame that is not a request', () => {
  const bad: [string, string][] = [
    ['a run frame without argv', '{"t":"run"}'],
    ['argv as a string', JSON.stringify(request({ argv: 'node kvm-review.js check x' }))],
    ['argv with a number', JSON.stringify(request({ argv: ['node', 'kvm-review.js', 1] }))],
    ['no cwd', JSON.stringify(request({ cwd: undefined }))],
    ['env null', JSON.stringify(request({ env: null }))],
    ['env with a number', JSON.stringify(request({ env: { HOME: process.env.HOME ?? '/', TZ: 1 } }))],
    ['no TTY flags', JSON.stringify(request({ stdoutIsTTY: undefined, stderrIsTTY: undefined }))],
    ['an unknown t', '{"t":"hello"}'],
    ['null', 'null'],
    ['an array', '[]'],
    ['a number', '42'],
    ['not JSON', 'run check x'],
  ];

  it.each(bad)('%s: declined and closed', async (_, line) => {
    const before = ran.length;
    expect(await exchange(`${line}\n`)).toEqual({ frames: [{ t: 'decline', why: expect.any(String) }], closed: true });
    expect(ran.length).toBe(before);
  });

  it('the client reads the answer as a decline (run the command in-process)', async () => {
    expect(await ask(socket, { t: 'hello' } as never)).toEqual({ t: 'decline', why: 'not a request it understands' });
    expect(logs).toContain('request refused: not a request it understands');
  });

  it('what a client sends passes as it is', () => {
    const req = request();
    expect(clientFrame(JSON.parse(JSON.stringify(req)))).toEqual(req);
    expect(clientFrame({ t: 'status' })).toEqual({ t: 'status' });
    expect(clientFrame({ t: 'stop', extra: 1 })).toEqual({ t: 'stop' });
  });
});

describe('a request', () => {
  it('sent in two pieces is run, and answered with its output and exit code', async () => {
    const line = encodeFrame(request() as never);
    const r = await exchange(line.slice(0, 10), line.slice(10));
    expect(r).toEqual({ frames: [{ t: 'out', d: 'reviewed\n' }, { t: 'exit', code: 0 }], closed: true });
    expect(ran.at(-1)).toEqual(['node', 'kvm-review.js', 'check', 'x']);
  });

  it('that fails in the server before its command runs is declined and closed; the server goes on', async () => {
    const before = ran.length;
    broken = true;
    try {
      expect(await exchange(encodeFrame(request() as never))).toEqual({ frames: [{ t: 'decline', why: expect.any(String) }], closed: true });
    } finally {
      broken = false;
    }
    expect(ran.length).toBe(before);
    expect(logs.some((l) => /^request failed: Error: cannot read the code stamp/.test(l))).toBe(true);
    expect(await exchange(encodeFrame(request() as never))).toMatchObject({ frames: [{ t: 'out' }, { t: 'exit', code: 0 }], closed: true });
    expect(await ask(socket, { t: 'status' })).toMatchObject({ t: 'status', served: 2, queued: 0 });
  });
});
