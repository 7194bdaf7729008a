/**
 * `kvm-review watch --send` when the SMTP server does not take a reply
 * (a fake server on loopback): a reply refused for good (5xx) is recorded
 * as failed with the server's answer and never tried again, a reply
 * refused for now (4xx) or a server out of reach is tried again next pass,
 * and in every case the other replies go on; a reply without To: is
 * recorded as failed (no recipient), not as sent. A 5xx that is not about
 * the reply (the greeting) fails no reply.
 */
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WatchState } from '../../bot/watch/state.js';
import { kernelTree } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { fakeSmtp, journal, pendingReplies, type FakeSmtp, type SendSetup } from './send-fixture.js';

const TREE = kernelTree('6.1');

// The command and the engine it loads are compiled on first import: on a busy machine that alone can pass a test's timeout.
beforeAll(async () => {
  await import('../../bot/cli/watch-command.js');
}, 600_000);

function watch(d: SendSetup, url: string): ReturnType<typeof runCli> {
  return runCli(['watch', '--once', '--inbox', d.inbox, '--tree', TREE, '--state', d.state, '--outbox', d.outbox, '--no-cache', '--send', '--smtp', url, '--from', 'Bot <bot@example.org>']);
}

/** The journal's verdict on each reply: sent, failed (with the reason) or nothing yet. */
function verdicts(d: SendSetup): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of journal(d.state)) {
    if (r.t === 'sent' && r.messageId) out[r.messageId] = 'sent';
    if (r.t === 'send-failed' && r.messageId) out[r.messageId] = `failed: ${r.reason ?? ''}`;
  }
  return out;
}

/** A loopback port nothing listens on (taken, then let go). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  return typeof address === 'object' && address ? address.port : 0;
}

const id = (n: number): string => `kvm-review.${n}.send@example.org`;

let servers: FakeSmtp[] = [];
afterEach(async () => {
  for (const s of servers) await s.close();
  servers = [];
});
async function server(o: Parameters<typeof fakeSmtp>[0]): Promise<FakeSmtp> {
  const s = await fakeSmtp(o);
  servers.push(s);
  return s;
}

describe('watch --send: replies the server does not take', () => {
  it('550 to one recipient: that reply is recorded as failed with the answer, never tried again; the replies after it are sent', async () => {
    const d = pendingReplies([
      { id: id(1), to: 'gone@example.org' },
      { id: id(2), to: 'dev2@example.org' },
      { id: id(3), to: 'dev3@example.org' },
    ]);
    const smtp = await server({ rcpt: (a) => (a.startsWith('gone@') ? '550 5.1.1 no such user' : '250 ok') });
    const first = await watch(d, smtp.url);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/reply <kvm-review\.1\.send@example\.org> to gone@example\.org: refused for good by the SMTP server \(.*550 5\.1\.1 no such user\); recorded as failed/);
    expect(first.stderr).toMatch(/2 sent, 1 refused \(recorded as failed: 1 in all\), 0 left for the next pass/);
    expect(smtp.messages.map((m) => m.to)).toEqual([['dev2@example.org'], ['dev3@example.org']]);
    expect(verdicts(d)).toEqual({ [id(1)]: expect.stringMatching(/^failed: .*550 5\.1\.1 no such user/), [id(2)]: 'sent', [id(3)]: 'sent' });

    const again = await watch(d, smtp.url);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/0 sent, 0 refused \(recorded as failed: 1 in all\), 0 left for the next pass/);
    expect(smtp.rcpts.filter((a) => a.startsWith('gone@'))).toHaveLength(1);
    expect(smtp.messages).toHaveLength(2);
    expect(verdicts(d)).toEqual({ [id(1)]: expect.stringMatching(/^failed: .*550 5\.1\.1 no such user/), [id(2)]: 'sent', [id(3)]: 'sent' });
  }, 300_000);

  it('450 to one recipient: not recorded, the others sent, exit 2; the next pass sends it', async () => {
    const d = pendingReplies([
      { id: id(1), to: 'busy@example.org' },
      { id: id(2), to: 'dev2@example.org' },
    ]);
    let busy = true;
    const smtp = await server({ rcpt: (a) => (a.startsWith('busy@') && busy ? '450 4.2.1 mailbox busy, try later' : '250 ok') });
    const first = await watch(d, smtp.url);
    expect(first.code).toBe(2);
    expect(first.stderr).toMatch(/reply <kvm-review\.1\.send@example\.org> to busy@example\.org: not sent \(.*450 4\.2\.1 mailbox busy, try later\); tried again next pass/);
    expect(first.stderr).not.toMatch(/internal error/);
    expect(verdicts(d)).toEqual({ [id(2)]: 'sent' });

    busy = false;
    const second = await watch(d, smtp.url);
    expect(second.code).toBe(0);
    expect(verdicts(d)).toEqual({ [id(1)]: 'sent', [id(2)]: 'sent' });
    expect(smtp.messages.map((m) => m.to)).toEqual([['dev2@example.org'], ['busy@example.org']]);
  }, 300_000);

  it('the server out of reach: nothing recorded, exit 2 naming the replies left; a later pass with the server up sends them all', async () => {
    const d = pendingReplies([
      { id: id(1), to: 'dev1@example.org' },
      { id: id(2), to: 'dev2@example.org' },
    ]);
    const port = await closedPort();
    const down = await watch(d, `smtp://127.0.0.1:${port}`);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/reply <kvm-review\.1\.send@example\.org> to dev1@example\.org: not sent \(.*ECONNREFUSED.*\); tried again next pass/);
    expect(down.stderr).toMatch(/1 other reply not sent either/);
    expect(down.stderr).toMatch(/0 sent, 0 refused \(recorded as failed: 0 in all\), 2 left for the next pass/);
    expect(verdicts(d)).toEqual({});

    const smtp = await server({});
    const up = await watch(d, smtp.url);
    expect(up.code).toBe(0);
    expect(verdicts(d)).toEqual({ [id(1)]: 'sent', [id(2)]: 'sent' });
  }, 300_000);

  it('a 554 greeting is about the server, not the reply: no reply recorded as failed', async () => {
    const d = pendingReplies([{ id: id(1), to: 'dev1@example.org' }]);
    const smtp = await server({ greeting: '554 5.3.2 no service for you' });
    const r = await watch(d, smtp.url);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not sent \(.*554 5\.3\.2 no service for you.*\); tried again next pass/);
    expect(verdicts(d)).toEqual({});
  }, 300_000);

  it('a reply without To: is recorded as failed (no recipient), not as sent; the next reply is sent', async () => {
    const d = pendingReplies([
      { id: id(1), to: null },
      { id: id(2), to: 'dev2@example.org' },
    ]);
    const smtp = await server({});
    const r = await watch(d, smtp.url);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('reply <kvm-review.1.send@example.org> has no To: address; recorded as failed (no recipient), not sent');
    expect(verdicts(d)).toEqual({ [id(1)]: 'failed: no recipient: the reply has no To: address', [id(2)]: 'sent' });
    expect(smtp.messages.map((m) => m.to)).toEqual([['dev2@example.org']]);
  }, 300_000);
});

it('compaction keeps the replies recorded as failed, with their reasons', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'kvm-review-send-compact-')), 'state');
  const state = WatchState.open(dir);
  // Read commits (compacted into one head record) and a failed reply.
  state.append(Array.from({ length: 5 }, (_, i) => ({ t: 'msg' as const, inbox: '/inbox', commit: `c${i}`, kind: 'reply' as const, messageId: `m${i}@example.org`, date: null })));
  state.append([{ t: 'send-failed', messageId: id(1), reason: '550 5.1.1 no such user' }]);
  state.compact();
  state.close();
  expect(journal(dir).map((r) => r.t)).toEqual(['head', 'send-failed']);
  const again = WatchState.open(dir);
  expect(again.sendFailure(id(1))).toBe('550 5.1.1 no such user');
  expect(again.sendFailure(id(2))).toBeNull();
  again.close();
});
