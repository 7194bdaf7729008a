/**
 * The watcher's outbox: the replies (a maildir, or one mbox) and one JSON
 * record per series. Every file's name and bytes come from the input
 * alone, and every write is a rename of a complete temporary file, so a
 * second run (or a run repeated after a crash) finds the file already
 * there with the same bytes and writes nothing.
 *
 *   series/<date>-v<N>-<title>-<key>.json   the record of a series
 *   new/<id>.kvm-review, tmp/, cur/          replies (maildir: tmp/ then rename into new/)
 *   replies.mbox                             replies (mbox, with --outbox-format mbox)
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { alive, atomicWrite, writeIfChanged, writeSynced } from './state.js';

export type OutboxFormat = 'maildir' | 'mbox';

/** One reply as written. */
export interface OutboxReply {
  /** The reply's Message-ID, without angle brackets. */
  messageId: string;
  /** The message as RFC 822 text (no mbox separator, no `>From` escapes). */
  text: string;
  /** The envelope recipient: the To: address; null when the reply has none. */
  to: string | null;
  /** The From: address. */
  from: string;
  /** True when this run wrote it (false: it was already there). */
  written: boolean;
}

export class Outbox {
  constructor(
    readonly dir: string,
    readonly format: OutboxFormat,
  ) {
    mkdirSync(join(dir, 'series'), { recursive: true });
    if (format === 'maildir') for (const sub of ['tmp', 'new', 'cur']) mkdirSync(join(dir, sub), { recursive: true });
    this.clearTemporaries();
  }

  /**
   * A run killed inside a write leaves its temporary file; the write is
   * redone, the leftover goes. Temporaries carry their writer's pid: those
   * of a live process (another worker writing to the same outbox) stay.
   */
  private clearTemporaries(): void {
    const leftover = (name: string): boolean => {
      const pid = /\.tmp-(\d+)$/.exec(name)?.[1];
      if (pid) return Number(pid) === process.pid || !alive(Number(pid));
      return false;
    };
    for (const sub of ['', 'series', ...(this.format === 'maildir' ? ['tmp'] : [])]) {
      for (const name of readdirSync(join(this.dir, sub))) {
        // A bare `tmp/<id>.kvm-review` is the temporary of an older version, which named no pid.
        if (leftover(name) || (sub === 'tmp' && name.endsWith('.kvm-review'))) rmSync(join(this.dir, sub, name), { force: true });
      }
    }
  }

  /** A series record written earlier (by this process or a worker); null when it is not there. */
  readRecord(name: string): string | null {
    const path = join(this.dir, 'series', name);
    return existsSync(path) ? readFileSync(path, 'utf8') : null;
  }

  /** Writes a series record; true when the file was new or different. */
  writeRecord(name: string, json: string): boolean {
    return writeIfChanged(join(this.dir, 'series', name), Buffer.from(json));
  }

  /** A reply written earlier, by Message-ID; null when it is not in the outbox. */
  readReply(messageId: string): OutboxReply | null {
    if (this.format === 'maildir') {
      const name = fileName(messageId);
      for (const sub of ['new', 'cur']) {
        const hit = readdirSync(join(this.dir, sub)).find((n) => n.startsWith(name));
        if (hit) return splitReplies(toMbox(readFileSync(join(this.dir, sub, hit), 'utf8')))[0] ?? null;
      }
      return null;
    }
    const path = join(this.dir, 'replies.mbox');
    if (!existsSync(path)) return null;
    return splitReplies(readFileSync(path, 'utf8')).find((r) => r.messageId === messageId) ?? null;
  }

  /** Writes the replies of an mbox from the email renderer; each once, whatever ran before. */
  writeReplies(mbox: string): OutboxReply[] {
    const replies = splitReplies(mbox);
    if (this.format === 'maildir') {
      for (const r of replies) {
        const name = fileName(r.messageId);
        // A reader may have moved it to cur/ (read); it is not written again.
        const there = existsSync(join(this.dir, 'new', name)) || readdirSync(join(this.dir, 'cur')).some((n) => n.startsWith(name));
        if (there) continue;
        const tmp = join(this.dir, 'tmp', `${name}.tmp-${process.pid}`);
        writeSynced(tmp, Buffer.from(r.text));
        // tmp/ then new/: the maildir delivery protocol, which is also our atomic write.
        renameSync(tmp, join(this.dir, 'new', name));
        r.written = true;
      }
      return replies;
    }
    const path = join(this.dir, 'replies.mbox');
    const old = existsSync(path) ? readFileSync(path, 'utf8') : '';
    const have = new Set([...old.matchAll(/^Message-ID: <([^>]+)>/gim)].map((m) => m[1]));
    const add = replies.filter((r) => !have.has(r.messageId));
    if (add.length === 0) return replies;
    for (const r of add) r.written = true;
    atomicWrite(path, Buffer.from(old + add.map((r) => toMbox(r.text)).join('')));
    return replies;
  }
}

/** A reply's maildir file name: its Message-ID, made safe for a file name. */
function fileName(messageId: string): string {
  return `${messageId.replace(/[^\w.-]/g, '_')}.kvm-review`;
}

/** The replies of an mbox written by the email renderer (mboxrd: body lines `>*From ` carry one extra `>`). */
export function splitReplies(mbox: string): OutboxReply[] {
  const out: OutboxReply[] = [];
  for (const chunk of mbox.split(/^(?=From \S+ \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$)/m)) {
    if (!chunk.startsWith('From ')) continue;
    const lines = chunk.replace(/\n+$/, '\n').split('\n').slice(1);
    const text = lines.map((l) => (/^>+From /.test(l) ? l.slice(1) : l)).join('\n');
    const head = text.slice(0, text.indexOf('\n\n'));
    const id = /^Message-ID: <([^>]+)>/im.exec(head)?.[1];
    if (!id) continue;
    out.push({ messageId: id, text, to: address(/^To: (.*)$/im.exec(head)?.[1]), from: address(/^From: (.*)$/im.exec(head)?.[1]) ?? '', written: false });
  }
  return out;
}

function address(value: string | undefined): string | null {
  if (!value) return null;
  return /<([^>]+)>/.exec(value)?.[1] ?? value.trim();
}

/** mboxrd: a separator line, and one more `>` on every `>*From ` body line. */
function toMbox(text: string): string {
  const body = text.split('\n').map((l) => (/^>*From /.test(l) ? `>${l}` : l));
  return `From kvm-review@localhost Thu Jan  1 00:00:00 1970\n${body.join('\n').replace(/\n*$/, '\n')}\n`;
}
