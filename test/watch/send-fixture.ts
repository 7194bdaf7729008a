/**
 * For the `watch --send` tests: an SMTP server on loopback, enough of RFC
 * 5321 for nodemailer (EHLO, MAIL, RCPT, DATA, QUIT), recording each
 * message it takes; what it answers is the test's (a code per recipient,
 * when or whether the 250 after the data comes). Nothing leaves the
 * machine. And a state directory and outbox as a reviewing pass leaves
 * them: replies written, none sent yet, written by the watcher's own
 * WatchState and Outbox.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Outbox } from '../../bot/watch/outbox.js';
import { WatchState, type SeriesRecord } from '../../bot/watch/state.js';
import { buildInbox, mail } from './inbox-fixture.js';

/** A message the server took (its data ended): the envelope and the text. */
export interface TakenMessage {
  from: string;
  to: string[];
  data: string;
}

export interface FakeSmtpOptions {
  /** The greeting; default `220 fake ESMTP` (a 4xx or 5xx here: the server takes no session). */
  greeting?: string;
  /** The answer to RCPT TO for an address; default `250 ok`. */
  rcpt?: (address: string) => string;
  /**
   * Called once a message's data ended (the server holds the message from
   * then on): the delay in ms before its 250, or null to never answer.
   * Default: answer at once.
   */
  taken?: (message: TakenMessage, count: number) => number | null;
}

export interface FakeSmtp {
  port: number;
  url: string;
  /** Every message taken, in order, across connections. */
  messages: TakenMessage[];
  /** Every RCPT TO address asked, taken or not, in order. */
  rcpts: string[];
  close(): Promise<void>;
}

export async function fakeSmtp(o: FakeSmtpOptions = {}): Promise<FakeSmtp> {
  const messages: TakenMessage[] = [];
  const rcpts: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    let inData = false;
    let buf = '';
    let envelope: TakenMessage = { from: '', to: [], data: '' };
    const say = (line: string): void => {
      if (s.writable) s.write(`${line}\r\n`);
    };
    say(o.greeting ?? '220 fake ESMTP');
    s.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          const m = { ...envelope, data: buf.slice(0, end) };
          buf = buf.slice(end + 5);
          inData = false;
          envelope = { from: '', to: [], data: '' };
          messages.push(m);
          const delay = o.taken ? o.taken(m, messages.length) : 0;
          if (delay !== null) setTimeout(() => say('250 2.0.0 queued'), delay);
          continue;
        }
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        const address = /<([^>]*)>/.exec(line)?.[1] ?? '';
        if (verb === 'EHLO' || verb === 'HELO') say('250-fake\r\n250 8BITMIME');
        else if (verb === 'MAIL') {
          envelope.from = address;
          say('250 ok');
        } else if (verb === 'RCPT') {
          rcpts.push(address);
          const answer = o.rcpt ? o.rcpt(address) : '250 ok';
          if (answer.startsWith('2')) envelope.to.push(address);
          say(answer);
        } else if (verb === 'DATA') {
          inData = true;
          say('354 go on');
        } else if (verb === 'QUIT') s.end('221 bye\r\n');
        else say('250 ok');
      }
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    rcpts,
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  };
}

/** A reply to write: its Message-ID (no brackets) and its To: (none: no To: header). */
export interface PendingReply {
  id: string;
  to: string | null;
}

/** The paths a `watch --send` run needs: an inbox with one plain reply (nothing to review), a state directory and an outbox. */
export interface SendSetup {
  inbox: string;
  state: string;
  outbox: string;
}

/**
 * A state directory whose journal has one reviewed series with these
 * replies, in this order, and an outbox (maildir) holding them: the pass
 * goes straight to sending them.
 */
export function pendingReplies(replies: PendingReply[]): SendSetup {
  const root = mkdtempSync(join(tmpdir(), 'kvm-review-send-'));
  const inbox = buildInbox([
    mail({ From: 'A <a@example.org>', Subject: 'Re: [PATCH] KVM: x', Date: 'Thu, 1 Jan 2026 00:00:00 +0000', 'Message-ID': '<q1@example.org>', 'In-Reply-To': '<p1@example.org>' }, 'Thanks.\n'),
  ]);
  const d = { inbox, state: join(root, 'state'), outbox: join(root, 'outbox') };
  const outbox = new Outbox(d.outbox, 'maildir');
  outbox.writeReplies(
    replies
      .map((r, i) =>
        [
          'From kvm-review@localhost Thu Jan  1 00:00:00 1970',
          'From: Bot <bot@example.org>',
          ...(r.to ? [`To: Dev ${i + 1} <${r.to}>`] : []),
          `Subject: Re: [PATCH ${i + 1}/${replies.length}] KVM: x`,
          `Message-ID: <${r.id}>`,
          'Date: Thu, 1 Jan 2026 00:00:00 +0000',
          '',
          `review of patch ${i + 1}`,
          '',
        ].join('\n'),
      )
      .join(''),
  );
  const state = WatchState.open(d.state);
  const series: SeriesRecord = {
    t: 'series',
    key: 'fp-send',
    status: 'reviewed',
    version: 1,
    title: 'KVM: x',
    sender: 'dev@example.org',
    changeId: null,
    messageId: 'p1@example.org',
    messageIds: ['p1@example.org'],
    record: 'send.json',
    findings: [],
    replies: replies.map((r) => r.id),
  };
  state.append([series]);
  state.close();
  return d;
}

/** The journal's records, in order. */
export function journal(stateDir: string): { t: string; messageId?: string; reason?: string }[] {
  return readFileSync(join(stateDir, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { t: string; messageId?: string; reason?: string });
}
