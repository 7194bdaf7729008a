/**
 * `npm run bench` (third part): the lore watcher on the real kvmarm slice
 * (1,054 messages, November 2022), one run each, printed, not asserted:
 *
 * - ingest: every commit's blob `m` read (one `git cat-file --batch` per
 *   200 commits, as the watcher reads them), decoded, classified, and the
 *   covers and patches threaded into postings; no review;
 * - review: `kvm-review watch --once` over the slice against the 6.1 tree
 *   with an empty index cache (every series the watcher would review).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classify } from '../../analyzers/series/classify.js';
import { assemble } from '../../analyzers/series/read-series.js';
import type { SourceMessage } from '../../analyzers/sources/model.js';
import { newCommits, readEntries } from '../../bot/watch/inbox.js';

export async function watchBench(shared: string, cli: string): Promise<void> {
  const slice = join(shared, 'corpus', 'public-inbox', 'kvmarm-2022-11.git');
  const t0 = performance.now();
  const commits = await newCommits(slice, null);
  const kept: SourceMessage[] = [];
  let bad = 0;
  for (let at = 0; at < commits.length; at += 200) {
    for (const e of await readEntries(slice, commits.slice(at, at + 200))) {
      if (!e.message) bad++;
      else if (['cover', 'patch'].includes(classify(e.message).kind)) kept.push(e.message);
    }
  }
  const read = performance.now();
  const postings = assemble({ kind: 'public-inbox', path: slice, messages: kept, warnings: [] }).series;
  const threaded = performance.now();
  console.log(
    `watch ingest  ${commits.length} commits (${bad} bad): read and decoded in ${(read - t0).toFixed(0)} ms, ` +
      `${kept.length} covers and patches threaded into ${postings.length} postings in ${(threaded - read).toFixed(0)} ms`,
  );

  const tree = execFileSync(join(shared, 'tools', 'kernel-tree'), ['6.1'], { encoding: 'utf8' }).trim();
  const work = mkdtempSync(join(tmpdir(), 'kvm-review-watch-bench-'));
  try {
    const args = ['watch', '--once', '--inbox', slice, '--tree', tree, '--state', join(work, 'state'), '--outbox', join(work, 'outbox'), '--cache-dir', join(work, 'cache')];
    const t1 = performance.now();
    const run = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const ms = performance.now() - t1;
    const pass = /pass: (.*)$/m.exec(run.stderr)?.[1] ?? `no pass line (exit ${run.status}): ${run.stderr.trim().split('\n').pop() ?? ''}`;
    console.log(`watch review  --once against 6.1, empty index cache: ${(ms / 1000).toFixed(1)} s (exit ${run.status}); ${pass}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
