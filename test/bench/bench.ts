/**
 * `npm run bench`: figures for the 6.12 tree, printed, not asserted.
 * Cold and warm index of virt/kvm + arch/x86/kvm + arch/arm64/kvm (and
 * their headers) next to tree-sitter's parse-only time of the same files.
 * Targets: cold within 3x parse-only and under 4 s, warm under 0.5 s,
 * peak RSS under 300 MB. Then a series review, `git`, the App's
 * webhook-to-review time (app-bench.ts) and the lore watcher on the
 * kvmarm slice (watch-bench.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appBench } from './app-bench.js';
import { jobsBench } from './jobs-bench.js';
import { gitBench, reviewBench } from './review-bench.js';
import { watchBench } from './watch-bench.js';
import { digestBench } from './digest-bench.js';

interface Phase {
  phase: string;
  files: number;
  bytes: number;
  ms: number;
  totalMs?: number;
  functions?: number;
  edges?: number;
  hits?: number;
  rssMb: number;
}

const here = dirname(fileURLToPath(import.meta.url));
const shared = join(here, '..', '..', '..', '..', 'shared');

function run(args: string[]): Phase {
  const out = execFileSync(process.execPath, [join(here, 'phase.js'), ...args], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as Phase;
}

const tree = process.argv[2] ?? execFileSync(join(shared, 'tools', 'kernel-tree'), ['6.12'], { encoding: 'utf8' }).trim();
const cache = mkdtempSync(join(tmpdir(), 'kvm-review-bench-'));
try {
  const parse = run(['parse', tree]);
  const cold = run(['index', tree, cache]);
  const warm = run(['index', tree, cache]);
  const mb = parse.bytes / 1e6;
  const line = (name: string, p: Phase, extra = ''): string =>
    `${name.padEnd(12)} ${p.ms.toFixed(0).padStart(6)} ms  ${(mb / (p.ms / 1000)).toFixed(1).padStart(5)} MB/s  peak RSS ${p.rssMb.toFixed(0).padStart(4)} MB${extra}`;
  console.log(`kvm-review benchmark: ${tree}`);
  console.log(`files: ${parse.files} (${mb.toFixed(2)} MB) in virt/kvm, include/linux/kvm*.h, arch/x86 and arch/arm64 KVM code`);
  console.log(line('parse only', parse));
  console.log(line('cold index', cold, `  ${cold.functions} functions, ${cold.edges} observed edges (x86 + arm64)`));
  console.log(line('warm index', warm, `  ${warm.hits} cache hits`));
  console.log(`cold / parse-only: ${(cold.ms / parse.ms).toFixed(2)}x (target <= 3x); cold < 4 s: ${cold.ms < 4000 ? 'yes' : 'NO'}; warm < 0.5 s: ${warm.ms < 500 ? 'yes' : 'NO'}; peak RSS < 300 MB: ${Math.max(cold.rssMb, warm.rssMb) < 300 ? 'yes' : 'NO'}`);
  reviewBench(tree);
  await gitBench(tree);
  await appBench(tree);
  await watchBench(shared, join(here, '..', '..', '..', 'bot', 'kvm-review.js'));
  await jobsBench();
  await digestBench();
} finally {
  rmSync(cache, { recursive: true, force: true });
}
