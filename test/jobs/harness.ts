/**
 * The load harness shared by the queue's load test and `npm run bench`: a
 * tiny kernel repository (the few files of the Debian 6.1 tree a review of
 * virt/kvm/kvm_main.c reads, copied at run time), pull requests whose
 * heads take kvm->lock under vcpu->mutex in kvm_vcpu_ioctl(), the App's
 * real server with REDIS_URL, and `kvm-review worker` processes, all on
 * loopback against the fake GitHub. No jest here: the bench runs it too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT } from '../helpers/paths.js';
import { appIdentityEnv, type AppServer, payload } from '../app/app-server.js';
import { BUG_ANCHOR, BUG_FILE as FILE, BUG_LINES, git, insertAfter } from '../app/kernel-repo.js';

const BIN = join(ROOT, 'bot', 'kvm-review.js');

/**
 * A repository of the files the review reads: locking.rst, kvm_main.c, the
 * KVM headers, and one x86 KVM file (findings are per architecture).
 */
export function tinyKernelRepo(source: string): { dir: string; base: string; bugTree: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kvm-review-tiny-'));
  const files = [
    'Documentation/virt/kvm/locking.rst',
    FILE,
    'arch/x86/kvm/irq.c',
    ...readdirSync(join(source, 'include', 'linux')).filter((f) => /^kvm.*\.h$/.test(f)).map((f) => `include/linux/${f}`),
  ];
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    copyFileSync(join(source, f), join(dir, f));
  }
  git(dir, ['init', '-q', '-b', 'master']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'Linux base (the files a KVM review reads)']);
  const base = git(dir, ['rev-parse', 'HEAD']).trim();
  // The bug's tree, once; each head is a commit of it with its own message.
  writeFileSync(join(dir, FILE), insertAfter(BUG_ANCHOR, BUG_LINES, 1)(readFileSync(join(dir, FILE), 'utf8')));
  git(dir, ['add', FILE]);
  const bugTree = git(dir, ['write-tree']).trim();
  git(dir, ['checkout', '-q', '--', '.']);
  git(dir, ['reset', '-q', '--hard', base]);
  return { dir, base, bugTree };
}

/** A head commit on `base` with the bug, distinct per (pr, version). */
export function head(dir: string, base: string, bugTree: string, pr: number, version: number): string {
  return git(dir, ['commit-tree', bugTree, '-p', base, '-m', `KVM: take kvm->lock in the vCPU ioctl (PR ${pr} v${version})\n\nSigned-off-by: Test Author <author@example.org>`]).trim();
}

/** A pull_request delivery for PR `n`. */
export function prPayload(action: string, n: number, headSha: string, base: string): unknown {
  const p = payload(`pull_request.${action === 'opened' ? 'opened' : 'synchronize'}`, { HEAD_SHA: headSha, BASE_SHA: base }) as { action: string; number: number; pull_request: { number: number } };
  p.action = action;
  p.number = n;
  p.pull_request.number = n;
  return p;
}

/** Delivers until the App answers 2xx (as a sender that retries would); returns the answers that were not. */
export async function deliverAcked(app: AppServer, event: string, body: unknown): Promise<number[]> {
  const refused: number[] = [];
  for (;;) {
    const status = await app.deliver(event, body).catch(() => 0);
    if (status >= 200 && status < 300) return refused;
    refused.push(status);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The environment `npm start` and `kvm-review worker` share. */
export function appEnv(gheHost: string, redisUrl: string, cacheDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...appIdentityEnv(gheHost),
    LOG_FORMAT: 'json',
    REDIS_URL: redisUrl,
    KVM_REVIEW_CACHE_DIR: cacheDir,
    ...extra,
  };
}

/** `kvm-review worker` as a child process; its log tells which jobs it is running. */
export class WorkerProcess {
  readonly child: ChildProcess;
  log = '';
  private exit: Promise<number | null>;

  constructor(env: Record<string, string>, args: string[] = []) {
    if (!existsSync(join(ROOT, 'dist', 'bot', 'cli', 'main.js'))) throw new Error('dist/ is missing: run npm run build first');
    this.child = spawn(process.execPath, [BIN, 'worker', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (d: Buffer) => (this.log += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => (this.log += d.toString()));
    this.exit = new Promise((r) => this.child.once('exit', (code) => r(code)));
  }

  /** Ids this worker started and has not finished (from its log). */
  running(): string[] {
    const started = new Set<string>();
    for (const line of this.log.split('\n')) {
      const m = /"id":"([^"]+)".*"msg":"job (started|done)"|"msg":"job (started|done)".*"id":"([^"]+)"/.exec(line);
      if (!m) continue;
      const id = (m[1] ?? m[4]) as string;
      const what = m[2] ?? m[3];
      if (what === 'started') started.add(id);
      else started.delete(id);
    }
    return [...started];
  }

  /** Sends `signal`; resolves with the exit code and how long the exit took. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; ms: number }> {
    const t = Date.now();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const code = await this.exit;
    return { code, ms: Date.now() - t };
  }

  /** Resident memory of the process in MB (Linux /proc), or null once it exited. */
  rssMb(): number | null {
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
      return Number.isFinite(kb) ? kb / 1024 : null;
    } catch {
      return null;
    }
  }
}
