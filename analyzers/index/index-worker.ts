/**
 * An index worker thread (started by worker-pool.ts from the compiled
 * dist/ file): parses files with its own web-tree-sitter instance (the
 * WASM parser is per thread) and walks them with the struct types the main
 * thread sends. Requests are handled one at a time, in arrival order, so
 * the oldest request in flight is the one being worked on when the thread
 * dies.
 */
import { parentPort } from 'node:worker_threads';
import type { StructTypes } from '../c/model.js';
import { parseFile, type ParsedFile } from '../c/parse-file.js';
import { factsOf } from './file-facts.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';

if (!parentPort) throw new Error('index-worker.js runs as a worker thread (worker-pool.ts), not as a program');
const port = parentPort;

/** Headers parsed for their structs, kept for their facts (step 2 sends them back here). */
const kept = new Map<string, { parsed: ParsedFile; bytes: number }>();
let types: StructTypes | null = null;

async function handle(req: WorkerRequest): Promise<unknown> {
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
}

let queue: Promise<void> = Promise.resolve();
port.on('message', (req: WorkerRequest) => {
  queue = queue.then(async () => {
    let reply: WorkerReply;
    try {
      reply = { id: req.id, ok: true, value: await handle(req) };
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      reply = { id: req.id, ok: false, message: err.message, stack: err.stack ?? '' };
    }
    port.postMessage(reply);
  });
});
