/**
 * An index worker thread (started by worker-pool.ts from the compiled
 * dist/ file): parses files with its own web-tree-sitter instance (the
 * WASM parser is per thread) and walks them with the struct types the main
 * thread sends (index-handler.ts). Requests are handled one at a time, in
 * arrival order, so the oldest request in flight is the one being worked
 * on when the thread dies.
 */
import { parentPort } from 'node:worker_threads';
import { factsReply, indexHandler } from './index-handler.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';

if (!parentPort) throw new Error('index-worker.js runs as a worker thread (worker-pool.ts), not as a program');
const port = parentPort;
const handle = indexHandler();

let queue: Promise<void> = Promise.resolve();
port.on('message', (req: WorkerRequest) => {
  queue = queue.then(async () => {
    let reply: WorkerReply;
    try {
      const value = await handle(req);
      reply = { id: req.id, ok: true, value: req.kind === 'facts' ? factsReply(value) : value };
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      reply = { id: req.id, ok: false, message: err.message, stack: err.stack ?? '' };
    }
    port.postMessage(reply);
  });
});
