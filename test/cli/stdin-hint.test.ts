/**
 * Reading `-` (splat's default) from a terminal waits for the user: one
 * line on stderr says what is awaited and how to end it, so that
 * `kvm-review splat` typed to see what it does does not look hung. The
 * built command line runs on a pseudo-terminal (util-linux script(1)),
 * and Ctrl-D ends the input at once; from a pipe, nothing is added.
 */
import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/paths.js';
import { BIN, runBin } from '../helpers/run-bin.js';

const tmp = mkdtempSync(join(tmpdir(), 'kvm-review-stdin-'));
const env = { ...process.env, KVM_REVIEW_DAEMON: 'off', NO_COLOR: '1' };

/** `args` with stdin, stdout and stderr on a terminal; Ctrl-D typed at once. The terminal's output, CRs removed. */
function onTerminal(args: string[]): Promise<{ code: number | null; out: string }> {
  if (!existsSync(join(ROOT, 'dist', 'bot', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` before the CLI end-to-end tests');
  const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: tmp, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out: out.replace(/\r/g, '') }));
    child.stdin.end('\x04');
  });
}

describe('reading - from a terminal', () => {
  it('splat with no FILE says it reads the report from the terminal and how to end it', async () => {
    const r = await onTerminal(['splat']);
    expect(r.out).toMatch(/^kvm-review splat: reading the lockdep report from the terminal: paste it, then Ctrl-D on a line of its own \(or give a FILE\)\n/);
    expect(r.code).toBe(2);
  });

  it('mbox - says it reads the series', async () => {
    const r = await onTerminal(['mbox', '-']);
    expect(r.out).toMatch(/^kvm-review mbox: reading the series from the terminal: paste it, then Ctrl-D/);
    expect(r.code).toBe(2);
  });

  it('from a pipe nothing is added: the only line is the error, which names stdin as such rather than "-"', async () => {
    for (const args of [['splat'], ['mbox', '-']]) {
      const r = await runBin(args, { cwd: tmp, env });
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 2, stderr: 'kvm-review: stdin: the input is empty\n' });
    }
  });
});
