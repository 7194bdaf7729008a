/**
 * Regenerate knowledge/data/default-order.json from a locking.rst revision:
 *
 *   npm run gen:default-order -- [PATH]
 *
 * PATH defaults to the newest revision in ../shared/corpus/locking-doc. Only
 * facts and line numbers are written, never the document's text.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { packageRoot } from '../package-root.js';
import { EMBEDDED_PATH, toEmbedded } from './embedded.js';
import { readLockingDoc } from './reader.js';

function newestCorpusRevision(): string {
  const dir = resolve(packageRoot(), '..', 'shared', 'corpus', 'locking-doc');
  const files = readdirSync(dir).filter((f) => f.endsWith('.rst')).sort();
  const last = files[files.length - 1];
  if (!last) throw new Error(`no .rst revisions in ${dir}`);
  return join(dir, last);
}

const path = process.argv[2] ?? newestCorpusRevision();
const order = readLockingDoc(readFileSync(path), path);
if (order.unrecognized.length) {
  for (const u of order.unrecognized) console.error(`${path}:${u.line}: unrecognised ordering sentence: ${u.text}`);
  process.exit(1);
}
const out = join(packageRoot(), EMBEDDED_PATH);
writeFileSync(out, JSON.stringify(toEmbedded(order, basename(path)), null, 2) + '\n');
console.log(`wrote ${out}: ${order.edges.length} edges, ${order.srcu.length} SRCU rules, ${order.locks.length} locks from ${basename(path)}`);
