/**
 * A small pool of index threads, one per core: a cold index of a whole
 * tree is CPU-bound per file (tree-sitter, the held-lock walk), so it
 * splits over the cores. The main thread is one of them (between its own
 * files it answers the workers; PoolOptions.mainThread), the others are
 * workers running the compiled index-worker.js next to this module; where
 * there is none (the TypeScript sources under jest) poolAvailable() says
 * false and the index stays in-process.
 *
 * Failure is all or nothing: a thread that throws on a file, a worker that dies
 * (out of memory, killed), fails every pending task with one IndexError
 * naming the file it was working on, and the pool takes no more work.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { CStructDef, StructTypes } from '../c/model.js';
import type { FileFacts } from './index-tree.js';
import { registerJson } from './cache.js';
import { fileFactsSchema } from './cache-schema.js';
import { indexHandler, isFactsText } from './index-handler.js';
import type { WorkerReply, WorkerRequest, WorkerTask } from './worker-protocol.js';

/** A file the index could not produce facts for: the run has no result. */
export class IndexError extends Error {
  override readonly name = 'IndexError';
  constructor(
    readonly file: string | null,
    message: string,
  ) {
    super(file === null ? message : `cannot index ${file}: ${message}`);
  }
}

const WORKER = new URL('./index-worker.js', import.meta.url);
/** More threads than cores only adds start-up and memory (each has its own parser and heap). */
const MAX_THREADS = 8;
/**
 * A worker's young generation: V8's default is sized for a main thread; a worker walking one file at
 * a time keeps little alive, and each worker's heap adds to the process's peak RSS (issue 15: under
 * 300 MB cold). 16 MB took about 25 MB off each worker's peak without more CPU.
 */
const YOUNG_MB = 16;
/**
 * Requests queued on one worker: the next files are there when it posts a result, even when the main
 * thread is slow to answer (busy, or descheduled on a loaded machine). Small, so that the longest
 * waiting file still goes to the first worker free.
 */
const DEPTH = 4;
/**
 * Text queued on each worker, at least, when this thread indexes too (it answers the workers only
 * between its own files, its cache writes and its GC): about 80 ms of work.
 */
const HERE_MIN_FILL = 128 * 1024;

/**
 * Threads for an index, this one included: KVM_REVIEW_THREADS when set (1
 * indexes in-process), else one per core up to MAX_THREADS.
 */
export function indexPoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.KVM_REVIEW_THREADS?.trim();
  if (raw === undefined || raw === '') return Math.min(availableParallelism(), MAX_THREADS);
  if (!/^[1-9][0-9]{0,2}$/.test(raw)) throw new Error(`KVM_REVIEW_THREADS=${raw}: not a number of threads (1 to 999; 1 indexes in one thread)`);
  return Number(raw);
}

/**
 * Each worker's V8 heap limit from KVM_REVIEW_WORKER_HEAP_MB (a container
 * with little memory): a worker over it dies and the index fails naming
 * the file it was on. Unset: V8's default.
 */
export function indexWorkerLimits(env: NodeJS.ProcessEnv = process.env): ResourceLimits | undefined {
  const raw = env.KVM_REVIEW_WORKER_HEAP_MB?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (!/^[1-9][0-9]{0,5}$/.test(raw)) throw new Error(`KVM_REVIEW_WORKER_HEAP_MB=${raw}: not a heap size in MB`);
  return { maxOldGenerationSizeMb: Number(raw) };
}

/** Whether the compiled worker is there to run (not under jest, which runs the TypeScript sources). */
export function poolAvailable(): boolean {
  return existsSync(fileURLToPath(WORKER));
}

interface Task {
  req: WorkerRequest;
  /** The file the request is about, for the error when it fails. */
  file: string | null;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  /** Told which worker the request went to. */
  onPost?: (worker: number) => void;
  /** The text's length: the longest waiting file of the lowest rank is sent first. */
  size: number;
  /** Lower ranks first (the files an early result needs); 0 by default. */
  rank: number;
}

interface Slot {
  /** The thread's worker; null: this (the main) thread, which indexes alongside the workers (`local`). */
  worker: Worker | null;
  /** The main thread's handler and the requests it runs, one after another. */
  local?: { handle: (req: WorkerRequest) => Promise<unknown>; queue: Promise<void> };
  /** Requests only this worker can serve (it holds the file's parse; a broadcast). */
  pinned: Task[];
  /** Posted, oldest first: the first is the one being worked on. */
  inflight: Task[];
}

export interface PoolOptions {
  /** V8 heap limits of each worker (a worker over them dies: the index fails naming the file). */
  resourceLimits?: ResourceLimits;
  /**
   * Whether this thread is one of the `size` (default): it parses and walks files between answering
   * the workers, so `size` cores take one worker fewer (each costs a parser, its JIT warm-up, its heap
   * and the copying of facts: 20-30% more CPU for two than for one thread in all).
   */
  mainThread?: boolean;
}

/** Whether `waiting` goes out after `task`: a higher rank, or the same rank and shorter. */
const after = (waiting: Task | undefined, task: Task): boolean => waiting !== undefined && (waiting.rank > task.rank || (waiting.rank === task.rank && waiting.size < task.size));

/** The text a thread has been sent and not answered yet. */
const inflightBytes = (slot: Slot): number => slot.inflight.reduce((n, t) => n + t.size, 0);

export class IndexPool {
  private readonly slots: Slot[];
  private readonly shared: Task[] = [];
  private nextId = 1;
  private failure: IndexError | null = null;
  private closing = false;
  /** Whether this thread indexes too. */
  private readonly here: boolean;

  constructor(size: number, opts: PoolOptions = {}) {
    const main = opts.mainThread !== false;
    this.slots = Array.from({ length: main ? size - 1 : size }, () => {
      const worker = new Worker(WORKER, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_MB, ...opts.resourceLimits } });
      const slot: Slot = { worker, pinned: [], inflight: [] };
      worker.on('message', (reply: WorkerReply) => this.settle(slot, reply));
      worker.on('error', (err: Error) => this.fail(slot, `its worker thread died (${err.message})`));
      worker.on('exit', (code: number) => this.fail(slot, `its worker thread exited (code ${code})`));
      return slot;
    });
    // Last: a request pinned to worker N is the Nth worker's either way.
    this.here = main;
    if (main) this.slots.push({ worker: null, local: { handle: indexHandler(), queue: Promise.resolve() }, pinned: [], inflight: [] });
  }

  get size(): number {
    return this.slots.length;
  }

  /** Set once a worker failed: every later request fails with it. */
  get failed(): IndexError | null {
    return this.failure;
  }

  /** A header's struct definitions, and the worker that keeps its parse for facts(). */
  async structs(file: string, text: string): Promise<{ structs: CStructDef[]; worker: number }> {
    let worker = -1;
    const structs = (await this.submit({ kind: 'structs', file, text }, file, null, text.length, (w) => (worker = w))) as CStructDef[];
    return { structs, worker };
  }

  /** Every worker walks with these types from now on. */
  async setTypes(types: StructTypes): Promise<void> {
    await Promise.all(this.slots.map((_, w) => this.submit({ kind: 'types', types }, null, w, 0)));
  }

  /**
   * A file's facts: from its text on any worker, or (no text) on the worker that kept its parse.
   * Waiting texts go out by `rank` (lower first), then longest first.
   */
  async facts(file: string, source: { text: string } | { worker: number }, rank = 0): Promise<FileFacts> {
    const reply =
      'text' in source
        ? await this.submit({ kind: 'facts', file, text: source.text }, file, null, source.text.length, undefined, rank)
        : await this.submit({ kind: 'facts', file }, file, source.worker, 0, undefined, rank);
    if (!isFactsText(reply)) return reply as FileFacts;
    // A worker's answer is the facts' text (index-handler.ts): the cache writes it as it is.
    const facts = JSON.parse(reply.factsJson) as FileFacts;
    registerJson(facts, reply.factsJson, fileFactsSchema);
    return facts;
  }

  /** Stop every worker; pending requests fail. */
  async close(): Promise<void> {
    this.closing = true;
    const pending = [...this.shared, ...this.slots.flatMap((s) => [...s.inflight, ...s.pinned])];
    this.shared.length = 0;
    for (const s of this.slots) s.pinned.length = s.inflight.length = 0;
    for (const t of pending) t.reject(new IndexError(t.file, 'the index was stopped'));
    await Promise.all(this.slots.map((s) => s.worker?.terminate()));
  }

  private submit(req: WorkerTask, file: string | null, pin: number | null, size: number, onPost?: (worker: number) => void, rank = 0): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new IndexError(file, 'the index was stopped'));
    return new Promise((resolve, reject) => {
      const task: Task = { req: { ...req, id: this.nextId++ } as WorkerRequest, file, resolve, reject, size, rank, ...(onPost ? { onPost } : {}) };
      if (pin === null) {
        // By rank, then longest first, else in arrival order: a long file (x86.c is listed last) that
        // started last would leave the other workers idle while one finishes it.
        let at = this.shared.length;
        while (at > 0 && after(this.shared[at - 1], task)) at--;
        this.shared.splice(at, 0, task);
      }
      else {
        const slot = this.slots[pin];
        if (!slot) return reject(new Error(`no index worker ${pin}`));
        slot.pinned.push(task);
      }
      this.dispatch();
    });
  }

  /**
   * Queue waiting files on the threads until each has `bytes` of text in flight (or none wait), least
   * loaded first: before the main thread runs a long synchronous step (an architecture's observe,
   * audit-archs.ts), during which it cannot answer a thread that finished its few requests.
   */
  fill(bytes: number): void {
    if (this.failure || this.closing) return;
    // The worker threads only: this thread is the one about to be busy.
    const workers = this.slots.filter((s) => s.worker);
    while (workers.length) {
      const slot = workers.reduce((a, b) => (inflightBytes(b) < inflightBytes(a) ? b : a));
      if (inflightBytes(slot) >= bytes || !this.shared.length) return;
      this.post(slot, this.shared.shift() as Task);
    }
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      // This thread takes one file at a time: a file waiting here would wait for the one it walks. A
      // worker keeps some text queued too: this thread answers it only between its own files.
      while (slot.worker ? slot.inflight.length < DEPTH || (this.here && inflightBytes(slot) < HERE_MIN_FILL) : slot.inflight.length < 1) {
        const task = slot.pinned.shift() ?? this.shared.shift();
        if (!task) break;
        this.post(slot, task);
      }
    }
  }

  private post(slot: Slot, task: Task): void {
    slot.inflight.push(task);
    task.onPost?.(this.slots.indexOf(slot));
    if (slot.worker) slot.worker.postMessage(task.req);
    else this.runHere(slot, task);
  }

  /** A request on this thread: after the workers' waiting answers, and with enough files queued on them to last while it runs. */
  private runHere(slot: Slot, task: Task): void {
    const local = slot.local;
    if (!local) return;
    local.queue = local.queue.then(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      // Failed or stopped meanwhile: the request was already rejected.
      if (this.failure || this.closing || slot.inflight[0] !== task) return;
      this.fill(Math.max(task.size, HERE_MIN_FILL));
      let reply: WorkerReply;
      try {
        reply = { id: task.req.id, ok: true, value: await local.handle(task.req) };
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        reply = { id: task.req.id, ok: false, message: err.message, stack: err.stack ?? '' };
      }
      this.settle(slot, reply);
    });
  }

  private settle(slot: Slot, reply: WorkerReply): void {
    const task = slot.inflight[0];
    if (!task || task.req.id !== reply.id) return this.fail(slot, `its worker thread answered request ${reply.id} out of order`);
    // A failed request stays first in flight while fail() runs: it names the file.
    if (!reply.ok) return this.fail(slot, reply.message, reply.stack);
    slot.inflight.shift();
    task.resolve(reply.value);
    this.dispatch();
  }

  /** The first failure wins: its error (naming the file being worked on) fails every pending request. */
  private fail(slot: Slot, why: string, stack?: string): void {
    if (this.closing || this.failure) return;
    const file = slot.inflight[0]?.file ?? null;
    const err = new IndexError(file, file === null ? `an index worker thread failed: ${why}` : why);
    if (stack) err.stack = `${err.name}: ${err.message}\n(in the worker thread) ${stack}`;
    this.failure = err;
    const pending = [...this.slots.flatMap((s) => [...s.inflight, ...s.pinned]), ...this.shared];
    this.shared.length = 0;
    for (const s of this.slots) s.pinned.length = s.inflight.length = 0;
    // One error for all: whichever request the caller awaits first, it names the file that failed.
    for (const t of pending) t.reject(err);
  }
}
