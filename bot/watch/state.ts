/**
 * What the watcher has seen and reviewed, in a state directory that
 * survives `kill -9` at any point (SQLite packages do not install here, so
 * this is the other option: an append-only journal with atomic
 * renames).
 *
 *   journal.jsonl        one JSON record a line, appended and fsync'ed
 *   messages/<commit>    the raw mail of each cover and patch not yet reviewed, and of a
 *                        series done while missing patches (held: late patches join it)
 *   lock                 the pid of the watcher using the directory
 *
 * The order of writes is what makes a restart safe: a message file is
 * renamed into place before the record that names it is appended; outbox
 * files are renamed into place before the series record. A crash between
 * the two repeats the work, and the repeat writes the same bytes under the
 * same names. A torn last line (a crash inside an append) is cut off on load.
 * Every append is synchronous, so a signal handler never runs inside one.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { PriorFinding } from '../../analyzers/review/compare-versions.js';

/** What became of one commit of an inbox. */
export type MessageKind =
  /** a cover or patch, kept in `messages/` until its series is reviewed */
  | 'pool'
  /** a reply: read, never reviewed */
  | 'reply'
  /** neither patch, cover nor reply (a pull request, an announcement) */
  | 'other'
  /** a second copy of a message already kept (same Message-ID, another commit or inbox) */
  | 'duplicate'
  /** a commit without a usable message; `reason` says why */
  | 'bad';

/** A commit read from an inbox. */
export interface MessageRecord {
  t: 'msg';
  inbox: string;
  commit: string;
  kind: MessageKind;
  messageId: string | null;
  /** ISO 8601 date of the message; null when it has none. */
  date: string | null;
  /** Optional: why a commit is bad. */
  reason?: string;
}

/** A series the watcher is done with: reviewed (complete or partial), not reviewed (nothing could be), or skipped. */
export interface SeriesRecord {
  t: 'series';
  /** The series fingerprint (sender, revision, patch ids). */
  key: string;
  /**
   * enqueued: handed to the shared queue (REDIS_URL); a worker writes its record and replies.
   * not-reviewed: read against the tree, but no patch could be reviewed (already in the tree, not applying); no reply.
   */
  status: 'reviewed' | 'partial' | 'not-reviewed' | 'skipped' | 'enqueued';
  version: number;
  title: string;
  /** The sender's address, lower case; null when unknown. */
  sender: string | null;
  /** The b4 change-id trailer; null when absent. */
  changeId: string | null;
  /** The cover's Message-ID, else patch 1's: how a later version names this one. */
  messageId: string | null;
  /** Every cover and patch Message-ID of the series: these leave the pool. */
  messageIds: string[];
  /** The JSON record's file name in the outbox. */
  record: string;
  /** The findings, for the next version's comparison. */
  findings: PriorFinding[];
  /** Message-IDs of the replies written to the outbox (for --send). */
  replies: string[];
  /**
   * Optional: true when the series was done while missing patches (reviewed
   * as partial, enqueued as partial, nothing reviewed): its messages are held
   * in the pool so that patches arriving later join it, and the series is
   * assembled and reviewed again, complete. The watcher ends the hold (the
   * same record again with `open: false`) once its wait for late patches is
   * over or a later version came. Absent: its messages leave the pool.
   */
  open?: boolean;
  /** Optional: the key of the held series this one completed (or grew) with late patches. */
  completes?: string;
}

/** A reply handed to the SMTP server. */
export interface SentRecord {
  t: 'sent';
  messageId: string;
}

/**
 * A reply that will never be sent: the SMTP server refused it for good (a
 * 5xx to its sender, recipient or data), or it has no recipient. Not tried
 * again; `reason` is the server's answer, or why it was not handed over.
 */
export interface SendFailedRecord {
  t: 'send-failed';
  messageId: string;
  reason: string;
}

/** The newest commit and message date of an inbox, written by compaction in place of its message records. */
export interface HeadRecord {
  t: 'head';
  inbox: string;
  commit: string;
  /** ISO 8601; null when no message had a date. */
  newest: string | null;
  /** How many commits were read in all. */
  read: number;
}

/** A pool message carried over by compaction (its `msg` record is gone; it is not a new read). */
export interface KeptRecord {
  t: 'kept';
  inbox: string;
  commit: string;
  messageId: string | null;
}

export type JournalRecord = MessageRecord | SeriesRecord | SentRecord | SendFailedRecord | HeadRecord | KeptRecord;

/** A pool message: a cover or patch waiting for its series. */
export interface PoolEntry {
  inbox: string;
  commit: string;
  messageId: string | null;
}

/** The state directory is in use by another live watcher, or unreadable. */
export class StateError extends Error {}

export class WatchState {
  private readonly last = new Map<string, string>();
  private readonly newest = new Map<string, string>();
  private readonly readCount = new Map<string, number>();
  private readonly pool = new Map<string, PoolEntry>();
  private readonly keptIds = new Set<string>();
  private readonly series = new Map<string, SeriesRecord>();
  private readonly sent = new Set<string>();
  private readonly sendFailed = new Map<string, string>();
  private records = 0;

  private constructor(readonly dir: string) {}

  /** Opens (creating) the state directory, takes its lock and replays the journal. */
  static open(dir: string): WatchState {
    mkdirSync(join(dir, 'messages'), { recursive: true });
    const state = new WatchState(dir);
    state.lock();
    // Temporaries of a run killed inside an atomic write.
    for (const sub of ['', 'messages']) {
      for (const name of readdirSync(join(dir, sub))) if (/\.tmp-\d+$/.test(name)) rmSync(join(dir, sub, name), { force: true });
    }
    state.replay();
    return state;
  }

  /** Releases the lock. */
  close(): void {
    rmSync(join(this.dir, 'lock'), { force: true });
  }

  /** The last commit read from `inbox`; null before the first. */
  lastCommit(inbox: string): string | null {
    return this.last.get(inbox) ?? null;
  }

  /** The newest message date read from `inbox` (ISO 8601); null when none. */
  newestDate(inbox: string): string | null {
    return this.newest.get(inbox) ?? null;
  }

  /** How many commits of `inbox` were recorded in all. */
  readOf(inbox: string): number {
    return this.readCount.get(inbox) ?? 0;
  }

  /** True when a cover or patch with this Message-ID is kept or was reviewed. */
  knows(messageId: string): boolean {
    return this.keptIds.has(messageId);
  }

  /** The covers and patches waiting for their series, in the order read. */
  pending(): PoolEntry[] {
    return [...this.pool.values()];
  }

  /** The raw mail of a pool message. */
  readMessage(commit: string): Buffer {
    return readFileSync(join(this.dir, 'messages', commit));
  }

  /** Stores the raw mail of a cover or patch (atomically) before its record is appended. */
  keepMessage(commit: string, raw: Buffer): void {
    atomicWrite(join(this.dir, 'messages', commit), raw);
  }

  /** Every series done with. */
  done(): SeriesRecord[] {
    return [...this.series.values()];
  }

  /** The record of a series done while missing patches whose messages are still held for late patches; null when none. */
  holding(key: string): SeriesRecord | null {
    const r = this.series.get(key);
    return r?.open && r.messageIds.some((id) => !this.doneIds.has(id)) ? r : null;
  }

  /** The held series whose every message is one of `messageIds` (a larger posting they joined), latest first. */
  heldWithin(messageIds: string[]): SeriesRecord[] {
    const ids = new Set(messageIds);
    return this.done()
      .filter((r) => this.holding(r.key) && r.messageIds.length > 0 && r.messageIds.every((id) => ids.has(id)))
      .reverse();
  }

  /** True when the series with this fingerprint was reviewed, skipped or enqueued. */
  isDone(key: string): boolean {
    return this.series.has(key);
  }

  /** True when the reply with this Message-ID was sent. */
  wasSent(messageId: string): boolean {
    return this.sent.has(messageId);
  }

  /** Why the reply with this Message-ID will never be sent; null when it was not recorded as failed. */
  sendFailure(messageId: string): string | null {
    return this.sendFailed.get(messageId) ?? null;
  }

  /** Every reply recorded as failed, with the reason. */
  sendFailures(): SendFailedRecord[] {
    return [...this.sendFailed].map(([messageId, reason]) => ({ t: 'send-failed', messageId, reason }));
  }

  /** Appends records in one write and fsync: a batch is recorded whole or (torn) cut back on load. */
  append(records: JournalRecord[]): void {
    if (records.length === 0) return;
    const fd = openSync(join(this.dir, 'journal.jsonl'), 'a');
    try {
      writeSync(fd, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    for (const r of records) this.apply(r);
    this.records += records.length;
  }

  /**
   * Rewrites the journal as the smallest equivalent one (heads, pool
   * messages, series, sent and failed replies) and deletes the files of reviewed
   * messages. Atomic: the old journal stays until the new one is renamed in.
   */
  compact(): void {
    const heads: HeadRecord[] = [...this.last].map(([inbox, commit]) => ({ t: 'head', inbox, commit, newest: this.newest.get(inbox) ?? null, read: this.readOf(inbox) }));
    const pool: KeptRecord[] = this.pending().map((p) => ({ t: 'kept', inbox: p.inbox, commit: p.commit, messageId: p.messageId }));
    const sent = [...this.sent].map((messageId): SentRecord => ({ t: 'sent', messageId }));
    const records: JournalRecord[] = [...heads, ...pool, ...this.series.values(), ...sent, ...this.sendFailures()];
    if (records.length >= this.records) return;
    atomicWrite(join(this.dir, 'journal.jsonl'), Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join('')));
    this.records = records.length;
    const keep = new Set(this.pool.keys());
    for (const name of readdirSync(join(this.dir, 'messages'))) if (!keep.has(name)) rmSync(join(this.dir, 'messages', name), { force: true });
  }

  private apply(r: JournalRecord): void {
    switch (r.t) {
      case 'head':
        this.last.set(r.inbox, r.commit);
        if (r.newest) this.newest.set(r.inbox, r.newest);
        this.readCount.set(r.inbox, r.read);
        break;
      case 'msg': {
        this.last.set(r.inbox, r.commit);
        this.readCount.set(r.inbox, this.readOf(r.inbox) + 1);
        const newest = this.newest.get(r.inbox);
        if (r.date && (!newest || r.date > newest)) this.newest.set(r.inbox, r.date);
        if (r.kind === 'pool') this.keep(r);
        break;
      }
      case 'kept':
        this.keep(r);
        break;
      case 'series':
        this.series.set(r.key, r);
        for (const id of r.messageIds) this.keptIds.add(id);
        // Held for late patches: the messages stay in the pool, known (a second copy is a duplicate).
        if (r.open) break;
        for (const id of r.messageIds) this.doneIds.add(id);
        for (const [commit, p] of this.pool) if (p.messageId && this.doneIds.has(p.messageId)) this.pool.delete(commit);
        break;
      case 'sent':
        this.sent.add(r.messageId);
        break;
      case 'send-failed':
        this.sendFailed.set(r.messageId, r.reason);
        break;
    }
  }

  private readonly doneIds = new Set<string>();

  private keep(r: { inbox: string; commit: string; messageId: string | null }): void {
    if (r.messageId && this.doneIds.has(r.messageId)) return;
    this.pool.set(r.commit, { inbox: r.inbox, commit: r.commit, messageId: r.messageId });
    if (r.messageId) this.keptIds.add(r.messageId);
  }

  private replay(): void {
    const path = join(this.dir, 'journal.jsonl');
    if (!existsSync(path)) return;
    const bytes = readFileSync(path);
    const text = bytes.toString('utf8');
    let good = 0;
    const lines: JournalRecord[] = [];
    for (let at = 0; at < text.length; ) {
      const eol = text.indexOf('\n', at);
      if (eol < 0) break;
      try {
        lines.push(JSON.parse(text.slice(at, eol)) as JournalRecord);
      } catch {
        break;
      }
      at = eol + 1;
      good = Buffer.byteLength(text.slice(0, at));
    }
    // A crash inside an append leaves a torn line: cut it off so the next append starts on a fresh line.
    if (good < bytes.length) truncateSync(path, good);
    for (const r of lines) this.apply(r);
    this.records = lines.length;
  }

  private lock(): void {
    const path = join(this.dir, 'lock');
    if (existsSync(path)) {
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (pid && pid !== process.pid && alive(pid)) throw new StateError(`${this.dir}: in use by another kvm-review watch (pid ${pid})`);
    }
    atomicWrite(path, Buffer.from(`${process.pid}\n`));
  }
}

/** True when a process with this pid runs (EPERM: it runs as another user). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes `bytes` to `path` through a temporary file in the same directory, fsync'ed, then renamed. */
export function atomicWrite(path: string, bytes: Buffer): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeSynced(tmp, bytes);
  renameSync(tmp, path);
}

/** Writes and fsyncs a file (not atomic by itself: the caller renames it into place). */
export function writeSynced(path: string, bytes: Buffer): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `bytes` atomically unless `path` already holds exactly them; true when it wrote. */
export function writeIfChanged(path: string, bytes: Buffer): boolean {
  if (existsSync(path) && readFileSync(path).equals(bytes)) return false;
  atomicWrite(path, bytes);
  return true;
}
