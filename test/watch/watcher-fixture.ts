/**
 * A watcher run in process for the watch tests: a state directory and an
 * outbox of its own, and a pass over them (runPass) that logs which
 * postings were handed to the reviewer, what it logged and, with `send`,
 * the Message-IDs handed to SMTP.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tree } from '../../analyzers/trees/index.js';
import { Outbox, type OutboxReply } from '../../bot/watch/outbox.js';
import { engineReviewer } from '../../bot/watch/reviewer.js';
import { WatchState } from '../../bot/watch/state.js';
import { runPass, type PassReport } from '../../bot/watch/watch.js';

const DAY = 24 * 3600_000;

export interface RecordJson {
  status: string;
  reason?: string;
  completes?: string;
  series: { subject: string; version: number; total: number };
  previous: { version: number } | null;
  patches: { index: number; messageId: string | null }[];
}

/** A state directory and outbox, and a pass over them that logs which postings were handed to the reviewer. */
export function watcher(tree: Tree, cache: string, prefix = 'kvm-review-watcher-') {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const reviewed: string[] = [];
  const logs: string[] = [];
  /** Message-IDs handed to SMTP, in order, by the passes run with `send`. */
  const sent: string[] = [];
  const review = engineReviewer(tree, { dir: cache });
  const pass = async (inbox: string, opts: { send?: boolean } = {}): Promise<PassReport> => {
    const state = WatchState.open(join(root, 'state'));
    try {
      return await runPass({
        inboxes: [inbox],
        state,
        outbox: new Outbox(join(root, 'outbox'), 'maildir'),
        review: (s, label) => {
          reviewed.push(`v${s.version} ${s.patches.map((p) => p.index).join(',')}/${s.expected}`);
          return review(s, label);
        },
        partialAfterMs: DAY,
        from: 'kvm-review <bot@example.org>',
        log: (l) => logs.push(l),
        ...(opts.send
          ? {
              send: (reply: OutboxReply) => {
                sent.push(reply.messageId);
                return Promise.resolve();
              },
            }
          : {}),
      });
    } finally {
      state.close();
    }
  };
  const records = (): RecordJson[] => readdirSync(join(root, 'outbox', 'series')).map((f) => JSON.parse(readFileSync(join(root, 'outbox', 'series', f), 'utf8')) as RecordJson);
  const replies = (): string[] => readdirSync(join(root, 'outbox', 'new'));
  /** The covers and patches the state holds, by Message-ID. */
  const held = (): (string | null)[] => {
    const state = WatchState.open(join(root, 'state'));
    try {
      return state.pending().map((p) => p.messageId);
    } finally {
      state.close();
    }
  };
  return { reviewed, logs, sent, pass, records, replies, held, outbox: join(root, 'outbox') };
}
