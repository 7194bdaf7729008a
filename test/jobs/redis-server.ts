/**
 * A real redis-server for the queue's tests: a free loopback port, its own
 * temporary directory, the append-only file on (fsync always, so a
 * SIGKILLed Redis keeps every acknowledged write), no RDB snapshots.
 * Stopped (and its directory removed) by the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export class RedisServer {
  private child: ChildProcess | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), 'kvm-review-redis-'));
  port = 0;
  log = '';

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (again, on the same port and data after a stop). */
  async start(): Promise<this> {
    this.port ||= await freePort();
    const child = spawn(REDIS_SERVER, ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--daemonize', 'no', '--protected-mode', 'no', '--loglevel', 'warning'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => (this.log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.log += d.toString()));
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
      if (child.exitCode !== null) throw new Error(`redis-server exited ${child.exitCode}:\n${this.log}`);
      if (await this.answers()) return this;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not answer on ${this.port}:\n${this.log}`);
  }

  /** A PING over a raw socket (no client library: the test of the server, not of ioredis). */
  private answers(): Promise<boolean> {
    return new Promise((resolve) => {
      import('node:net').then(({ connect }) => {
        const s = connect(this.port, '127.0.0.1');
        s.on('error', () => resolve(false));
        s.on('data', (d) => {
          resolve(d.toString().startsWith('+PONG'));
          s.destroy();
        });
        s.write('PING\r\n');
      }, () => resolve(false));
    });
  }

  /** Stops it: SIGTERM (Redis flushes and exits) or SIGKILL (a crash). */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
