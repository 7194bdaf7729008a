/**
 * What an index thread does with a request (worker-protocol.ts): parse a
 * header for its structs (keeping the parse), take the struct types, give
 * a file's facts. One handler per thread, with the parses it keeps: the
 * worker threads (index-worker.ts) and the main thread when it indexes
 * alongside them (worker-pool.ts) run the same code.
 */
import type { StructTypes } from '../c/model.js';
import { parseFile, type ParsedFile } from '../c/parse-file.js';
import { factsOf } from './file-facts.js';
import type { WorkerRequest } from './worker-protocol.js';
import { fileFactsSchema } from './cache-schema.js';

/**
 * A file's facts as a worker thread answers them: their JSON text, which the cache's shape
 * (cache-schema.ts) passed on the worker. The main thread parses it (faster than a structured clone
 * of the object) and the cache writes the text as it is, without checking and serialising it again
 * there (cache.ts registerJson). Facts that fail the shape go as the object, for the cache to refuse.
 */
export interface FactsText {
  factsJson: string;
}

/** `facts` as a worker sends them (FactsText), or as they are when the shape refuses them. */
export function factsReply(facts: unknown): unknown {
  return fileFactsSchema.safeParse(facts).success ? ({ factsJson: JSON.stringify(facts) } satisfies FactsText) : facts;
}

export function isFactsText(v: unknown): v is FactsText {
  return typeof v === 'object' && v !== null && typeof (v as Partial<FactsText>).factsJson === 'string';
}

export function indexHandler(): (req: WorkerRequest) => Promise<unknown> {
  /** Headers parsed for their structs, kept for their facts (step 2 sends them back here). */
  const kept = new Map<string, { parsed: ParsedFile; bytes: number }>();
  let types: StructTypes | null = null;

  return async (req) => {
    switch (req.kind) {
      case 'structs': {
        const parsed = await parseFile(req.file, req.text);
        kept.set(req.file, { parsed, bytes: Buffer.byteLength(req.text) });
        return parsed.structs;
      }
      case 'types':
        types = req.types;
        return null;
      case 'facts': {
        if (!types) throw new Error('no struct types received before the first file');
        const known = kept.get(req.file);
        const parsed = known?.parsed ?? (req.text !== undefined ? await parseFile(req.file, req.text) : null);
        if (!parsed) throw new Error('neither its text nor its parse from step 1 is here');
        kept.delete(req.file);
        try {
          return factsOf(parsed, types, known?.bytes ?? Buffer.byteLength(req.text ?? ''));
        } finally {
          parsed.dispose();
        }
      }
    }
  };
}
