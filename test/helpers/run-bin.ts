/** Run the built command line (bot/kvm-review.js, which reads dist/) in a process of its own and capture what it prints. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './paths.js';

export const BIN = join(ROOT, 'bot', 'kvm-review.js');

export interface BinRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runBin(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<BinRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: opts.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
