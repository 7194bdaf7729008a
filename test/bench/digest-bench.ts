/**
 * `npm run bench`, the digest: `kvm-review digest` over the whole test
 * history (25 locking.rst revisions, the 6.1 and 6.12 code; built by
 * test/helpers/digest-history.ts), cold (an empty index cache) and warm,
 * one run each, each in its own process. Target: warm under 5 s.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { digestHistory } from '../helpers/digest-history.js';

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '..', '..', '..', 'bot', 'kvm-review.js');

export async function digestBench(): Promise<void> {
  const t0 = performance.now();
  const h = await digestHistory();
  const built = performance.now() - t0;
  const cache = mkdtempSync(join(tmpdir(), 'kvm-review-digest-bench-'));
  const run = (): { ms: number; code: number } => {
    const started = performance.now();
    let code = 0;
    try {
      execFileSync(process.execPath, [bin, 'digest', '--repo', h.repo, '--since', '2000-01-01', '--weeks', '8', '--format', 'json', '--cache-dir', cache], { stdio: ['ignore', 'ignore', 'ignore'] });
    } catch (e) {
      code = (e as { status?: number }).status ?? -1;
    }
    return { ms: performance.now() - started, code };
  };
  try {
    const cold = run();
    const warm = run();
    console.log(`digest over the test history (${h.commits.length} commits; history ready in ${built.toFixed(0)} ms):`);
    console.log(`  cold ${cold.ms.toFixed(0).padStart(6)} ms (exit ${cold.code})`);
    console.log(`  warm ${warm.ms.toFixed(0).padStart(6)} ms (exit ${warm.code}); warm < 5 s: ${warm.ms < 5000 ? 'yes' : 'NO'}`);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}
