/**
 * The resident process in `npm run bench`: a server started on a temporary
 * socket, the command line run through it end to end (node's start and the
 * client included), and its request count checked, so that a figure is never
 * one of in-process runs that fell back silently.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class BenchDaemon {
  private readonly dir = mkdtempSync(join(tmpdir(), 'kvm-review-bench-daemon-'));
  private readonly env: NodeJS.ProcessEnv;
  /** Requests run through the server, by this object. */
  private sent = 0;

  constructor(private readonly cli: string) {
    this.env = { ...process.env, KVM_REVIEW_DAEMON_SOCKET: join(this.dir, 'd.sock') };
    delete this.env.KVM_REVIEW_DAEMON;
    execFileSync(process.execPath, [cli, 'daemon', 'start', '--idle-timeout', '10'], { env: this.env, stdio: 'pipe' });
  }

  /** One command through the server; exit 1 (findings) is a result, not a failure. */
  run(args: string[]): void {
    this.sent++;
    try {
      execFileSync(process.execPath, [this.cli, ...args], { env: this.env, stdio: 'pipe', maxBuffer: 256 << 20 });
    } catch (e) {
      if ((e as { status?: number }).status !== 1) throw e;
    }
  }

  /** The last request's time in the server (from `daemon status`): the end-to-end time less the client's start and the socket. */
  lastMs(): number {
    const status = execFileSync(process.execPath, [this.cli, 'daemon', 'status'], { env: this.env, encoding: 'utf8' });
    const ms = /after (\d+) ms in the server/.exec(status)?.[1];
    if (ms === undefined) throw new Error(`daemon status names no last request: ${status}`);
    return Number(ms);
  }

  /** Empty when every run went through the server; else what to print next to the figure. */
  check(): string {
    const status = execFileSync(process.execPath, [this.cli, 'daemon', 'status'], { env: this.env, encoding: 'utf8' });
    const served = Number(/(\d+) requests? served/.exec(status)?.[1] ?? -1);
    return served === this.sent ? '' : ` (WARNING: ${served} of ${this.sent} runs went through the resident process)`;
  }

  stop(): void {
    try {
      execFileSync(process.execPath, [this.cli, 'daemon', 'stop'], { env: this.env, stdio: 'pipe' });
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
