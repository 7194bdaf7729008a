/**
 * The App's real server (dist/bot/app/server.js, the Dockerfile's entry) as
 * a child process on loopback, pointed at a fake GitHub through GHE_HOST
 * and GHE_PROTOCOL=http; signed webhook deliveries; waiting for the queue.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, ROOT } from '../helpers/paths.js';
import { FakeGitHub } from './fake-github.js';

export const SECRET = 'kvm-review-test-secret';
const ENTRY = join(ROOT, 'dist', 'bot', 'app', 'server.js');
const KEY = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** What every process of the App reads (the server and `kvm-review worker`): its identity and the GitHub it talks to. */
export function appIdentityEnv(gheHost: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'production',
    APP_ID: '1',
    PRIVATE_KEY: KEY,
    GHE_HOST: gheHost,
    GHE_PROTOCOL: 'http',
    LOG_LEVEL: 'info',
  };
}

export class AppServer {
  private child: ChildProcess | null = null;
  log = '';
  url = '';

  /** The server process's pid (null before start). */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  constructor(
    private readonly gheHost: string,
    private readonly env: Record<string, string>,
  ) {}

  async start(): Promise<void> {
    if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run npm run build first`);
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    this.child = spawn(process.execPath, [ENTRY], {
      env: {
        ...appIdentityEnv(this.gheHost),
        WEBHOOK_SECRET: SECRET,
        HOST: '127.0.0.1',
        PORT: String(port),
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d: Buffer) => (this.log += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => (this.log += d.toString()));
    for (let i = 0; i < 300; i++) {
      if (this.child.exitCode !== null) throw new Error(`the server exited ${this.child.exitCode}:\n${this.log}`);
      const ok = await fetch(`${this.url}/ping`).then((r) => r.ok).catch(() => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the server did not answer /ping:\n${this.log}`);
  }

  /** Ends the server; `hard` is a crash (SIGKILL). */
  async stop(hard = false): Promise<void> {
    await this.signal(hard ? 'SIGKILL' : 'SIGTERM');
  }

  /** Sends `signal`; resolves with how the process ended (at once when it already had). */
  async signal(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const child = this.child;
    if (!child) return { code: null, signal: null };
    if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, sig) => r({ code, signal: sig })));
    child.kill(signal);
    return exited;
  }

  /** Waits until the server's log has a line matching `re`. */
  async logged(re: RegExp, timeoutMs = 60_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!re.test(this.log)) {
      if (Date.now() > end) throw new Error(`the server did not log ${re}:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Posts a webhook delivery; `signature` overrides the correct one (null: none). */
  async deliver(event: string, payload: unknown, signature?: string | null): Promise<number> {
    const body = JSON.stringify(payload);
    const sig = signature === undefined ? `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` : signature;
    const res = await fetch(`${this.url}/api/github/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': randomUUID(), ...(sig === null ? {} : { 'x-hub-signature-256': sig }) },
      body,
    });
    await res.text();
    return res.status;
  }

  /** Waits until the queue has run everything delivered so far. */
  async idle(timeoutMs = 300_000): Promise<{ done: number; failed: number; superseded: number }> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      // The analysis keeps the server's event loop busy: a poll may be reset; ask again.
      const s = (await fetch(`${this.url}/kvm-review/status`)
        .then((r) => r.json())
        .catch(() => null)) as { idle: boolean; done: number; failed: number; superseded: number } | null;
      if (s?.idle) return s;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`the queue did not drain:\n${this.log}`);
  }
}

/** The fake GitHub and the App's real server pointed at it. */
export interface RunningApp {
  gh: FakeGitHub;
  app: AppServer;
}

/**
 * A fake GitHub serving `repoDir` (its `.github/kvm-review.yml` is `config`,
 * none by default) and the App's real server pointed at it, with a fresh
 * cache directory; `env` adds to the server's environment. When the server
 * does not start, the fake is stopped before the error goes on (the file's
 * afterAll never got it to stop).
 */
export async function startApp(repoDir: string, options: { config?: string; env?: Record<string, string> } = {}): Promise<RunningApp> {
  const gh = new FakeGitHub(repoDir);
  if (options.config !== undefined) gh.config = options.config;
  const app = new AppServer(await gh.start(), { KVM_REVIEW_CACHE_DIR: mkdtempSync(join(tmpdir(), 'kvm-review-app-cache-')), ...options.env });
  try {
    await app.start();
  } catch (e) {
    await gh.stop();
    throw e;
  }
  return { gh, app };
}

/** Stops what startApp started (either may be unset when beforeAll failed). */
export async function stopApp(running: Partial<RunningApp>): Promise<void> {
  await running.app?.stop();
  await running.gh?.stop();
}

/** A fixture `fixtures/app/<name>.json` with its placeholders filled. */
export function payload(name: string, fill: Record<string, string>): unknown {
  let text = readFileSync(join(FIXTURES, 'app', `${name}.json`), 'utf8');
  for (const [k, v] of Object.entries(fill)) text = text.split(k).join(v);
  return JSON.parse(text);
}
