/**
 * A parsed locking.rst kept in the index cache, keyed by its bytes, its
 * path (the output names it) and the reader's code: a warm check parsed the
 * same document on every run (a twentieth of its time). Stored through
 * FactCache: integrity-hashed, and JSON-faithful when written.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, FactCache, moduleTexts, sha256, type CacheOptions, type ValueSchema } from '../../analyzers/index/cache.js';
import { s } from '../../analyzers/index/shape.js';
import { docLines, keepDocLines, splitDocLines } from './doc-text.js';
import type { DocSource, DocumentedOrder } from './model.js';

let version: string | null = null;

/** A hash of the reader's code: the modules of knowledge/ and knowledge/doc/. */
function readerVersion(): string {
  if (version) return version;
  const doc = dirname(fileURLToPath(import.meta.url));
  const parts = [join(doc, '..'), doc].flatMap((d) => moduleTexts(d, (f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts')));
  version = sha256(...parts).slice(0, 16);
  return version;
}

const DOC = s.json<DocumentedOrder>() as ValueSchema<DocumentedOrder>;

/** `parse()`'s answer for these bytes, from the cache when it has it (no cache: parsed). */
export function parseCached(bytes: Buffer, path: string, kind: DocSource['kind'], cache: CacheOptions | undefined, parse: () => DocumentedOrder): DocumentedOrder {
  const dir = cache ? cacheDir(cache) : null;
  if (!dir) return parse();
  let store: FactCache<DocumentedOrder>;
  try {
    store = new FactCache<DocumentedOrder>(join(dir, 'docs'), DOC);
  } catch {
    // An unusable directory is the index's to report (openCacheDir); the document is read as without a cache.
    return parse();
  }
  const key = sha256(readerVersion(), 'doc', kind, path, sha256(bytes));
  const owner = { file: path, identity: key };
  const known = store.get(key, owner);
  if (known) {
    // The facts come from the cache, the lines from the same bytes: suggestions spell locks as the document does.
    // A value this process had already (the key names the bytes) keeps the lines it has, and what was answered from them.
    if (!docLines(known)) keepDocLines(known, splitDocLines(bytes.toString('utf8')));
    return known;
  }
  const doc = parse();
  store.put(key, owner, doc);
  return doc;
}
