/**
 * Exit codes are what a CI gate reads: 0 reviewed and clean, 1 error
 * findings, 2 input or options unusable, nothing reviewed, or kvm-review
 * itself failed. An internal failure never exits 1 and prints one line;
 * the stack only with --debug. The installed entry point (bot/kvm-review.js
 * reading dist/, built by `npm ci`) is run as a process for what only a
 * process shows: /dev/zero, an endless FIFO, an exception thrown outside
 * main()'s promise.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../bot/cli/main.js';
import { corpusRevision, ROOT } from '../helpers/paths.js';

const tmp = mkdtempSync(join(tmpdir(), 'kvm-review-exit-'));
const BIN = join(ROOT, 'bot', 'kvm-review.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the installed entry point; `nodeArgs` go to node itself, `env` joins the environment. */
function runBin(args: string[], nodeArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  if (!existsSync(join(ROOT, 'dist', 'bot', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` before the CLI end-to-end tests');
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - start }));
  });
}

/** main() in-process with an stdout that throws: an internal failure in the middle of a command. */
async function failingStdout(extra: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await main(['node', 'kvm-review', ...extra, 'doc', '--file', corpusRevision('25')], {
    stdout: () => {
      throw new TypeError('renderer exploded');
    },
    stderr: (t) => (stderr += t),
    cwd: tmp,
  });
  return { code, stderr };
}

function mbox(subject: string, body: string): string {
  return `From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nFrom: Jane <jane@example.org>\nSubject: ${subject}\nMessage-ID: <x-${subject.length}@example.org>\n\n${body}\n`;
}

describe('a command that ends when its output is written', () => {
  it('exits with its code once it is written, not when the last of node\'s work is done', async () => {
    // Something the process is left with (here a 20 s timer from NODE_OPTIONS; in a review, V8's
    // background compile jobs) does not hold the exit back, and the output is whole.
    const hold = 'data:text/javascript,setTimeout(()=>{},20000)';
    const direct = await runBin(['doc', '--file', corpusRevision('25'), '--format', 'json'], [], { KVM_REVIEW_DAEMON: 'off' });
    const held = await runBin(['doc', '--file', corpusRevision('25'), '--format', 'json'], [], { KVM_REVIEW_DAEMON: 'off', NODE_OPTIONS: `--import ${hold}` });
    expect([held.code, held.stderr]).toEqual([direct.code, direct.stderr]);
    expect(held.stdout).toBe(direct.stdout);
    expect(JSON.parse(held.stdout)).toBeTruthy();
    expect(held.ms).toBeLessThan(20000);
  });
});

describe('an internal failure exits 2, never 1', () => {
  it('prints one line without a stack trace', async () => {
    const r = await failingStdout([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('kvm-review: internal error: TypeError: renderer exploded (run with --debug for the stack trace)\n');
  });

  it('prints the stack with --debug, before or after the command', async () => {
    const r = await failingStdout(['--debug']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('kvm-review: internal error: TypeError: renderer exploded');
    expect(r.stderr).toMatch(/\n\s+at .*main\.ts|\n\s+at /);
  });

  it('an exception thrown outside main() exits 2 with one line (process)', async () => {
    // Fires after the entry point installed its handlers (the timer keeps the process alive until then).
    const boom = 'data:text/javascript,setTimeout(()=>{throw new RangeError("Maximum call stack size exceeded")},500)';
    const r = await runBin(['doc', '--file', corpusRevision('25')], ['--import', boom]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('kvm-review: internal error: Maximum call stack size exceeded (run with --debug for the stack trace)\n');
  });
});

describe('unusable input exits 2 quickly, in bounded memory (process)', () => {
  it('/dev/zero', async () => {
    const r = await runBin(['mbox', '/dev/zero', '--format', 'json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('kvm-review: /dev/zero: 65.0 MiB or more is over the 64.0 MiB input limit (raise it with --max-input SIZE, e.g. 256M)\n');
    expect(r.ms).toBeLessThan(10_000);
  });

  it('a FIFO that never ends', async () => {
    const fifo = join(tmp, 'endless');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', `exec yes 'From x Thu Jan  1 00:00:00 1970' > '${fifo}'`], { stdio: 'ignore' });
    try {
      const r = await runBin(['mbox', fifo, '--max-input', '2M']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^kvm-review: .*endless: 2\.\d MiB or more is over the 2\.0 MiB input limit/);
    } finally {
      writer.kill();
    }
  });

  it('--max-input refuses a file over it, and a bad value is a usage error', async () => {
    const path = join(tmp, 'big.mbx');
    writeFileSync(path, mbox('[PATCH] x', 'y'.repeat(4096)));
    const over = await runBin(['mbox', path, '--max-input', '1K']);
    expect(over.code).toBe(2);
    expect(over.stderr).toBe(`kvm-review: ${path}: 4 KiB is over the 1 KiB input limit (raise it with --max-input SIZE, e.g. 256M)\n`);
    const bad = await runBin(['mbox', path, '--max-input', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("option '--max-input <size>' argument 'lots' is invalid. expected a size such as 65536, 64M or 1G, got 'lots'");
  });
});

describe('nothing reviewed exits 2 (process)', () => {
  it('a series whose only patch cannot be reviewed', async () => {
    const body = ['Why.', '---', 'diff --git a/virt/kvm/kvm_main.c b/virt/kvm/kvm_main.c', 'index 029ace0..d186a24 100644', 'GIT binary patch', 'literal 18', 'ZcmeAS@N?(olHy`uVBq!ia0y~y1OOmw0^a}t', ''].join('\n');
    const path = join(tmp, 'binary.mbx');
    writeFileSync(path, mbox('[PATCH] KVM: hidden', body));
    const r = await runBin(['mbox', path, '--format', 'json']);
    expect(r.code).toBe(2);
    const json = JSON.parse(r.stdout) as { patches: { status: string; reason: string }[] };
    expect(json.patches).toEqual([expect.objectContaining({ status: 'skipped', reason: expect.stringContaining('cannot be reviewed: binary change to virt/kvm/kvm_main.c') })]);
    expect(r.stderr).toContain(`kvm-review: ${path}: no patch could be reviewed (every patch was skipped, failed or did not apply; see each reason)`);
  });

  it('--series naming no series', async () => {
    const path = join(tmp, 'one.mbx');
    writeFileSync(path, mbox('[PATCH] KVM: one', 'Why.\n---\ndiff --git a/a.c b/a.c\n--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-a\n+b'));
    const r = await runBin(['mbox', path, '--series', '3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`kvm-review: ${path}: --series 3: no such series; the input holds #1 v1 (1/1)\n`);
  });
});
