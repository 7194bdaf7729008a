/**
 * The in-process queue's journal: what `npm start` accepted and has not
 * settled, on disk, so a restart (or a crash) loses no review. One JSON
 * file per job, written whole to a temporary name, flushed, then renamed
 * over the old one: a reader sees the old record or the new one, never half.
 *
 *   DIR/pending/ID.json   accepted and not settled: waiting, delayed for a
 *                         retry, or running when the process stopped
 *   DIR/failed/ID.json    failed for good, with its reason
 *   DIR/corrupt/NAME      an entry that could not be read, moved aside
 *
 * A completed (or superseded) job's file is removed. Synchronous on
 * purpose: enqueue() returns (and the webhook is answered 2xx) only once the
 * job is on disk, and the files are a few kilobytes.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { checkSpec, type JobSpec } from './queue.js';

/** One job as the journal keeps it. */
export interface JournalRecord {
  id: string;
  spec: JobSpec;
  /** Runs that ended in an error so far. */
  attemptsMade: number;
  /** Why the last run failed (a failed record: why it failed for good). */
  reason: string | null;
  enqueuedAt: number;
  /** Not before this (epoch ms): a delayed retry's time. */
  runAt: number;
  /** When it failed for good (failed records). */
  finishedAt: number | null;
}

export type JournalState = 'pending' | 'failed';

/** What the journal tells the operator (the App's log). */
export type JournalLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

/** Written into each record: a later format is refused (moved aside with its reason), not misread. */
const VERSION = 1;
const TMP = /^\..*\.tmp-\d+$/;

export class JobJournal {
  constructor(
    readonly dir: string,
    private readonly log: JournalLog = () => undefined,
  ) {
    for (const sub of ['pending', 'failed', 'corrupt']) mkdirSync(join(dir, sub), { recursive: true });
  }

  /** Stores (or replaces) a job's record, atomically. Throws when it cannot: the job was then not accepted. */
  save(state: JournalState, record: JournalRecord): void {
    const file = this.file(state, record.id);
    const tmp = join(this.dir, state, `.${record.id}.json.tmp-${process.pid}`);
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, `${JSON.stringify({ version: VERSION, ...record })}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    this.syncDir(state);
  }

  /** A failed job's record replaces its pending one (written first: a crash between leaves both, and the pending one runs again). */
  fail(record: JournalRecord): void {
    this.save('failed', record);
    this.remove('pending', record.id);
  }

  remove(state: JournalState, id: string): void {
    rmSync(this.file(state, id), { force: true });
  }

  /**
   * Every record, oldest id first. An entry that cannot be read (not JSON,
   * not a job, another version) is moved to corrupt/ and logged with its
   * file name and why; a temporary file a crash left behind (its rename
   * never happened: the old record, if any, is still there) is removed and
   * logged.
   */
  load(): { pending: JournalRecord[]; failed: JournalRecord[] } {
    const read = (state: JournalState): JournalRecord[] => {
      const out: JournalRecord[] = [];
      for (const name of readdirSync(join(this.dir, state)).sort()) {
        const path = join(this.dir, state, name);
        if (TMP.test(name)) {
          rmSync(path, { force: true });
          this.log('warn', 'kvm-review: queue journal: removed a write a crash interrupted (the job it held was never acknowledged, or its previous record stands)', { file: path });
          continue;
        }
        try {
          out.push(parseRecord(readFileSync(path, 'utf8'), name));
        } catch (e) {
          const aside = this.moveAside(state, name);
          this.log('error', `kvm-review: queue journal: ${path}: ${e instanceof Error ? e.message : String(e)}; moved to ${aside}, not run`, { file: path, movedTo: aside });
        }
      }
      return out.sort((a, b) => Number(a.id) - Number(b.id));
    };
    return { pending: read('pending'), failed: read('failed') };
  }

  private file(state: JournalState, id: string): string {
    return join(this.dir, state, `${id}.json`);
  }

  /** corrupt/<state>-<name>, with a number added when that name is taken (an earlier start moved one aside too). */
  private moveAside(state: JournalState, name: string): string {
    let target = join(this.dir, 'corrupt', `${state}-${name}`);
    for (let n = 1; existsSync(target); n++) target = join(this.dir, 'corrupt', `${state}-${name}.${n}`);
    renameSync(join(this.dir, state, name), target);
    return target;
  }

  /** The rename itself on disk (Linux: fsync of the directory); where a directory cannot be opened, the rename stands as the OS keeps it. */
  private syncDir(state: JournalState): void {
    let fd: number | null = null;
    try {
      fd = openSync(join(this.dir, state), 'r');
      fsyncSync(fd);
    } catch {
      // Not supported here (Windows): the file's own fsync is what there is.
    } finally {
      if (fd !== null) closeSync(fd);
    }
  }
}

/** A record's text, checked: throws naming what is wrong. */
function parseRecord(text: string, name: string): JournalRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const v = value as Partial<JournalRecord> & { version?: unknown };
  if (!v || typeof v !== 'object') throw new Error('not a job record');
  if (v.version !== VERSION) throw new Error(`record version ${String(v.version)}: this kvm-review reads version ${VERSION}`);
  if (typeof v.id !== 'string' || !/^\d+$/.test(v.id) || `${v.id}.json` !== name) throw new Error(`id ${String(v.id)} does not match the file name`);
  const spec = checkSpec(v.spec);
  const num = (x: unknown, what: string): number => {
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw new Error(`${what} must be a number`);
    return x;
  };
  return {
    id: v.id,
    spec,
    attemptsMade: num(v.attemptsMade, 'attemptsMade'),
    reason: typeof v.reason === 'string' ? v.reason : null,
    enqueuedAt: num(v.enqueuedAt, 'enqueuedAt'),
    runAt: num(v.runAt, 'runAt'),
    finishedAt: typeof v.finishedAt === 'number' ? v.finishedAt : null,
  };
}
