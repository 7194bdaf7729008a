/**
 * `kvm-review watch --send` stopped by a signal while the SMTP server is
 * answering a reply's data (it holds the message from then on): the send
 * ends and is recorded as sent before the watcher exits, the next reply is
 * not started, and a restart sends each reply exactly once. The wait has a
 * limit (KVM_REVIEW_SEND_GRACE_MS), and a second signal stops at once.
 *
 * Needs `npm run build` (the CLI runs from dist/ in a child process, which
 * the test signals).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { kernelTree, ROOT } from '../helpers/paths.js';
import { fakeSmtp, journal, pendingReplies, type FakeSmtp, type SendSetup } from './send-fixture.js';

const BIN = join(ROOT, 'bot', 'kvm-review.js');
const TREE = kernelTree('6.1');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** From the first signal to exit; null when none was sent. */
  afterSignalMs: number | null;
}

/** One `watch --once --send` run; `then` gets the child (to signal it) and its stderr so far. */
function watch(d: SendSetup, smtp: FakeSmtp, env: NodeJS.ProcessEnv = {}, then?: (child: ChildProcess, stderr: () => string) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [BIN, 'watch', '--once', '--inbox', d.inbox, '--tree', TREE, '--state', d.state, '--outbox', d.outbox, '--no-cache', '--send', '--smtp', smtp.url, '--from', 'Bot <bot@example.org>'],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } },
    );
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    then?.(child, () => stderr);
    let signalledAt: number | null = null;
    const kill = child.kill.bind(child);
    child.kill = (signal?: NodeJS.Signals | number) => {
      signalledAt ??= Date.now();
      return kill(signal);
    };
    child.on('close', (code, signal) => resolve({ code, signal, stderr, afterSignalMs: signalledAt === null ? null : Date.now() - signalledAt }));
  });
}

const REPLIES = [
  { id: 'kvm-review.1.sig@example.org', to: 'dev1@example.org' },
  { id: 'kvm-review.2.sig@example.org', to: 'dev2@example.org' },
];

let smtp: FakeSmtp | null = null;
afterEach(async () => {
  await smtp?.close();
  smtp = null;
});

describe('watch --send stopped by a signal', () => {
  it('SIGTERM while the server answers the first reply: it is recorded as sent, the second waits; a restart sends each reply once', async () => {
    const d = pendingReplies(REPLIES);
    let child: ChildProcess | null = null;
    // The 250 after the first reply's data comes 2 s late; the signal comes as the server takes the data.
    const server = await fakeSmtp({
      taken: (_m, n) => {
        if (n === 1) child?.kill('SIGTERM');
        return n === 1 ? 2000 : 0;
      },
    });
    smtp = server;
    const first = await watch(d, server, {}, (c) => (child = c));
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('SIGTERM: stopping once the reply being sent is recorded');
    expect(server.messages.map((m) => m.to)).toEqual([['dev1@example.org']]);
    expect(journal(d.state).filter((r) => r.t === 'sent').map((r) => r.messageId)).toEqual([REPLIES[0]?.id]);

    const second = await watch(d, server);
    expect(second.code).toBe(0);
    const third = await watch(d, server);
    expect(third.code).toBe(0);
    expect(server.messages.map((m) => m.to)).toEqual([['dev1@example.org'], ['dev2@example.org']]);
  }, 300_000);

  it('a send that never ends: the watcher stops once KVM_REVIEW_SEND_GRACE_MS ran out, saying the reply is not recorded', async () => {
    const d = pendingReplies(REPLIES.slice(0, 1));
    let child: ChildProcess | null = null;
    const server = await fakeSmtp({
      taken: () => {
        child?.kill('SIGTERM');
        return null;
      },
    });
    smtp = server;
    const r = await watch(d, server, { KVM_REVIEW_SEND_GRACE_MS: '1000' }, (c) => (child = c));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/SIGTERM: stopping once the reply being sent is recorded \(at most 1 s/);
    expect(r.stderr).toMatch(/did not end within 1 s: stopping; the reply is not recorded as sent/);
    expect(r.afterSignalMs).toBeGreaterThanOrEqual(1000);
    expect(r.afterSignalMs).toBeLessThan(10_000);
    expect(journal(d.state).filter((x) => x.t === 'sent')).toEqual([]);
  }, 300_000);

  it('a second signal during the wait stops at once', async () => {
    const d = pendingReplies(REPLIES.slice(0, 1));
    let child: ChildProcess | null = null;
    let stderr = (): string => '';
    const server = await fakeSmtp({
      taken: () => {
        child?.kill('SIGTERM');
        // The second signal once the first was handled (its line printed); given up when the child is gone.
        const again = setInterval(() => {
          if (child?.exitCode !== null || child?.signalCode !== null) clearInterval(again);
          else if (/SIGTERM: stopping once/.test(stderr())) {
            clearInterval(again);
            child.kill('SIGINT');
          }
        }, 20);
        return null;
      },
    });
    smtp = server;
    const r = await watch(d, server, {}, (c, e) => {
      child = c;
      stderr = e;
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('SIGINT again: stopping now; the reply being sent is not recorded as sent');
    // Far below the default 30 s grace.
    expect(r.afterSignalMs).toBeLessThan(10_000);
  }, 300_000);
});
