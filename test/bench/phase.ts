/**
 * One measured phase of the benchmark, in its own process so that its peak
 * RSS is its own: `node dist/test/bench/phase.js parse|index TREE CACHE_DIR`.
 * Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexedFiles } from '../../analyzers/index/files.js';
import { indexTree } from '../../analyzers/index/index-tree.js';
import { parseC } from '../../analyzers/c/parser.js';
import { observeOrder } from '../../analyzers/order/observe.js';

/** The benchmark's file set: generic KVM code plus x86 and arm64. */
export async function benchFiles(tree: string): Promise<string[]> {
  return (await indexedFiles(tree)).filter((f) => !f.startsWith('arch/') || f.startsWith('arch/x86/') || f.startsWith('arch/arm64/'));
}

async function main(): Promise<void> {
  const [phase, tree, cacheDir] = process.argv.slice(2);
  if (!phase || !tree) throw new Error('usage: phase.js parse|index TREE [CACHE_DIR]');
  const files = await benchFiles(tree);
  const texts = files.map((f) => readFileSync(join(tree, f), 'utf8'));
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
  const started = performance.now();
  let functions = 0;
  let edges = 0;
  if (phase === 'parse') {
    await parseC('');
    const t0 = performance.now();
    for (const t of texts) (await parseC(t)).delete();
    const ms = performance.now() - t0;
    console.log(JSON.stringify({ phase, files: files.length, bytes, ms, rssMb: process.resourceUsage().maxRSS / 1024 }));
    return;
  }
  const index = await indexTree(tree, { cache: { dir: cacheDir, disabled: !cacheDir }, files });
  const indexMs = performance.now() - started;
  functions = index.files.reduce((n, f) => n + f.functions.length, 0);
  for (const arch of ['x86', 'arm64']) {
    const files = index.files.filter((f) => f.arch === null || f.arch === arch);
    edges += observeOrder(files.flatMap((f) => f.functions), files.flatMap((f) => f.ops)).edges.length;
  }
  console.log(
    JSON.stringify({
      phase,
      files: files.length,
      bytes,
      ms: indexMs,
      totalMs: performance.now() - started,
      functions,
      edges,
      hits: index.cache.hits,
      rssMb: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

await main();
