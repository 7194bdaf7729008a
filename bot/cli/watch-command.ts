/**
 * `kvm-review watch`: follow public-inbox epochs and review each complete
 * series once, replies to the outbox. Wiring only: options checked before
 * anything is written, then the inbox, state, outbox and reviewer handed
 * to the pass loop (bot/watch/watch.ts). With REDIS_URL, due series go to
 * the shared queue as `series` jobs for `kvm-review worker` (series-job.ts).
 */
import { resolve } from 'node:path';
import { createTransport } from 'nodemailer';
import { checkInbox, InboxError } from '../watch/inbox.js';
import { Outbox, type OutboxFormat } from '../watch/outbox.js';
import { engineReviewer } from '../watch/reviewer.js';
import { StateError, WatchState } from '../watch/state.js';
import { runPass, type WatchOptions } from '../watch/watch.js';
import { seriesJobSpec, type SeriesJobSettings, type SeriesTreeSpec } from '../watch/series-job.js';
import { BullQueue, redactUrl } from '../jobs/bullmq-queue.js';
import { seriesJob, type JobInfo } from '../jobs/queue.js';
import { DEFAULT_FROM } from '../render/review/email.js';
import type { Io } from './doc-command.js';
import { EXIT, InputError, type ExitCode } from './exit-codes.js';
import { positiveIntEnv } from '../env-number.js';
import { resolveTree } from './tree-option.js';
import { writableDir } from './dir-option.js';
import { checkAddress } from './address-option.js';
import { GitTree } from '../../analyzers/trees/git-tree.js';
import { assertKernelTree, DirectoryTree, type Tree } from '../../analyzers/trees/index.js';
import { counted } from '../../analyzers/counted.js';

export interface WatchCommandOptions {
  inbox: string[];
  tree?: string;
  /** A git repository whose revision (--rev, default HEAD) is the tree, read from the object store. */
  repo?: string;
  rev?: string;
  state: string;
  outbox: string;
  outboxFormat: OutboxFormat;
  once?: boolean;
  interval: string;
  partialAfter: string;
  from?: string;
  send?: boolean;
  smtp?: string;
  cacheDir?: string;
  cache: boolean;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** `90s`, `5m`, `24h` (a number with unit s, m or h) in milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)([smh])$/.exec(text.trim());
  if (!m) throw new InputError(`${flag} ${text}: expected a number with unit s, m or h (90s, 5m, 24h)`);
  return Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 1000);
}

export async function runWatch(o: WatchCommandOptions, io: Io): Promise<ExitCode> {
  // Everything is checked before the state or the outbox is touched.
  const interval = parseDuration(o.interval, '--interval');
  const partialAfterMs = parseDuration(o.partialAfter, '--partial-after');
  if (interval <= 0) throw new InputError(`--interval ${o.interval}: must be more than zero`);
  const smtp = o.smtp ?? process.env.KVM_REVIEW_SMTP_URL;
  if (o.send && !smtp) throw new InputError('--send needs SMTP settings: --smtp smtp[s]://user:pass@host:port or KVM_REVIEW_SMTP_URL; nothing was sent');
  if (o.smtp !== undefined && !o.send) throw new InputError('--smtp goes with --send: without it, the replies are only written to the outbox and nothing is sent');
  checkAddress(o.from, '--from');
  if (o.send && !o.from) throw new InputError('--send needs --from "Name <address>" (the replies must come from a real mailbox)');
  const graceMs = sendGrace();
  const redisUrl = process.env.REDIS_URL || undefined;
  // Workers write the replies: the watcher has no reply to send, and appends to one mbox from several processes would race.
  if (redisUrl && o.send) throw new InputError('--send with REDIS_URL: the workers write the replies, and sending them from the watcher is not supported yet; send from the outbox, or watch without REDIS_URL');
  if (redisUrl && o.outboxFormat === 'mbox') throw new InputError('--outbox-format mbox with REDIS_URL: workers writing at once would race on one mbox file; use the maildir outbox');
  const stateDir = writableDir(o.state, '--state', io.cwd);
  const outboxDir = writableDir(o.outbox, '--outbox', io.cwd);
  const inboxes = await usableInboxes(o.inbox.map((i) => resolve(io.cwd, i)), io);
  const tree = await openTree(o, io.cwd);

  let state: WatchState;
  try {
    state = WatchState.open(stateDir);
  } catch (e) {
    if (e instanceof StateError) throw new InputError(e.message);
    throw e;
  }
  const log = (line: string): void => io.stderr(`kvm-review watch: ${line}\n`);
  // Replies handed to SMTP and not answered yet, and whether a signal asked to stop (see stop() below).
  let sending = 0;
  let stopping = false;
  let graceTimer: NodeJS.Timeout | null = null;
  const transport = o.send && smtp ? createTransport(smtp) : null;
  const queue = redisUrl ? new BullQueue(redisUrl) : null;
  if (queue && redisUrl) log(`series go to the shared queue at ${redactUrl(redisUrl)}; kvm-review worker processes review them`);
  const jobSettings: SeriesJobSettings = {
    tree: treeSpec(tree, o, io.cwd),
    outbox: { dir: outboxDir, format: o.outboxFormat },
    from: o.from ?? DEFAULT_FROM,
    cache: { dir: o.cacheDir === undefined ? null : resolve(io.cwd, o.cacheDir), disabled: !o.cache },
  };
  const options: WatchOptions = {
    inboxes,
    state,
    outbox: new Outbox(outboxDir, o.outboxFormat),
    review: engineReviewer(tree, { dir: o.cacheDir, disabled: !o.cache }),
    partialAfterMs,
    from: o.from ?? DEFAULT_FROM,
    log,
    ...(transport
      ? {
          send: async (r) => {
            sending++;
            try {
              // The pass records a reply without To: as failed and never hands it here; an empty envelope would be refused anyway.
              await transport.sendMail({ envelope: { from: r.from, to: r.to ? [r.to] : [] }, raw: r.text });
            } finally {
              // The pass appends the `sent` record in the same run of microtasks that ends this
              // send: no signal handler runs between the two.
              sending--;
            }
          },
        }
      : {}),
    ...(queue && redisUrl
      ? {
          enqueue: async (series, mails, prev, notCompared, completes) => {
            try {
              return (await queue.enqueue(seriesJobSpec(jobSettings, series, mails, prev, notCompared, completes))).id;
            } catch (e) {
              throw new Error(`Redis at ${redactUrl(redisUrl)}: ${e instanceof Error ? e.message : String(e)}`);
            }
          },
          jobOf: async (fingerprint) => {
            let job: JobInfo | null;
            try {
              // The newest job of the series (a retried or re-enqueued one replaces the older).
              job = await queue.newestOf(seriesJob(fingerprint, {}).key);
            } catch (e) {
              throw new Error(`Redis at ${redactUrl(redisUrl)}: ${e instanceof Error ? e.message : String(e)}`);
            }
            if (!job) return { state: 'gone' };
            if (job.state === 'failed') return { state: 'failed', reason: job.reason ?? 'no reason recorded' };
            if (job.state === 'completed') return { state: 'completed' };
            return { state: 'pending' };
          },
        }
      : {}),
    stopping: () => stopping,
  };
  // Every write is synchronous (see bot/watch/state.ts), so a signal handler never runs inside one:
  // stopping here leaves each file either complete or not there, and a review cut short is redone.
  // A reply being sent is different: the server may take it before the pass can record it as
  // sent, and a restart would send it again. So a signal during a send lets the send end and be
  // recorded (the pass returns before the next reply), for at most the grace time; a second
  // signal, or the grace time running out, stops at once.
  const exitNow = (): never => {
    state.close();
    return process.exit(EXIT.ok);
  };
  const stop = (signal: string): void => {
    if (stopping) {
      log(`${signal} again: stopping now; the reply being sent is not recorded as sent, and a restart sends it again`);
      exitNow();
    }
    if (sending === 0) {
      log(`${signal}: stopping`);
      exitNow();
    }
    stopping = true;
    log(`${signal}: stopping once the reply being sent is recorded (at most ${graceMs / 1000} s; a second signal stops at once)`);
    graceTimer = setTimeout(() => {
      log(`the SMTP send did not end within ${graceMs / 1000} s: stopping; the reply is not recorded as sent, and a restart sends it again`);
      exitNow();
    }, graceMs);
  };
  const onInt = (): void => stop('SIGINT');
  const onTerm = (): void => stop('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    for (;;) {
      const r = await runPass(options);
      if (stopping) {
        log('stopped after recording the reply that was being sent');
        return EXIT.ok;
      }
      const reviewed = queue ? `${r.enqueued} series enqueued${r.unqueued ? ` (${r.unqueued} not: the queue did not take them)` : ''}` : `${r.reviewed} series reviewed${r.notReviewed ? `, ${r.notReviewed} not reviewed (no patch could be)` : ''}`;
      const sent = transport ? `; ${r.sent} sent, ${r.refused} refused (recorded as failed: ${state.sendFailures().length} in all), ${r.unsent} left for the next pass` : '';
      log(`pass: ${counted(r.read, 'commit')} read (${r.bad} bad), ${reviewed}, ${r.skipped} skipped, ${r.waiting} waiting, ${counted(r.replies, 'new reply', 'new replies')}${sent}`);
      // A series the queue did not take, or a reply not sent, is not done: --once says so with exit 2 (a later run does it).
      if (o.once) return r.unqueued > 0 || r.unsent > 0 ? EXIT.usage : r.errors ? EXIT.findings : EXIT.ok;
      await new Promise((done) => setTimeout(done, interval));
    }
  } finally {
    if (graceTimer) clearTimeout(graceTimer);
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    state.close();
    transport?.close();
    await queue?.close();
    if (tree instanceof GitTree) tree.close();
  }
}

/** KVM_REVIEW_SEND_GRACE_MS (default 30 s): how long a signal waits for an SMTP send in flight to end and be recorded. */
function sendGrace(): number {
  try {
    return positiveIntEnv(process.env, 'KVM_REVIEW_SEND_GRACE_MS', 30_000);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
}

/**
 * The tree every series is reviewed against: `--tree DIR`, or `--repo DIR`
 * at `--rev` (default HEAD) read from git's object store (nothing checked
 * out), else the current directory when it is a kernel tree. Checked once,
 * before anything is written: a bad one is exit 2 naming it.
 */
async function openTree(o: WatchCommandOptions, cwd: string): Promise<Tree> {
  if (o.rev !== undefined && o.repo === undefined) throw new InputError(`--rev ${o.rev}: needs --repo DIR (the repository the revision is in)`);
  if (o.repo === undefined) return new DirectoryTree(resolveTree(o.tree, cwd));
  if (o.tree !== undefined) throw new InputError('give --tree DIR or --repo DIR, not both');
  const tree = await GitTree.open(resolve(cwd, o.repo), o.rev ?? 'HEAD');
  try {
    await assertKernelTree(tree);
  } catch (e) {
    tree.close();
    throw e;
  }
  return tree;
}

/** The tree as a worker opens it: absolute paths, a revision pinned to the commit seen here. */
function treeSpec(tree: Tree, o: WatchCommandOptions, cwd: string): SeriesTreeSpec {
  if (tree instanceof GitTree) return { kind: 'git', repo: tree.repo, rev: tree.revision, commit: tree.commit };
  return { kind: 'dir', path: resolveTree(o.tree, cwd) };
}

/** The inboxes that are public-inbox epochs; one bad inbox alone is an input error, among several a warning. */
async function usableInboxes(dirs: string[], io: Io): Promise<string[]> {
  if (dirs.length === 0) throw new InputError('give at least one --inbox DIR (a public-inbox v2 epoch, or an inbox directory whose git/ holds its epochs)');
  const good: string[] = [];
  const bad: string[] = [];
  for (const dir of dirs) {
    try {
      await checkInbox(dir);
      good.push(dir);
    } catch (e) {
      if (!(e instanceof InboxError)) throw e;
      bad.push(e.message);
    }
  }
  if (good.length === 0) throw new InputError(bad.join('; '));
  for (const b of bad) io.stderr(`kvm-review watch: warning: ${b}; skipped\n`);
  return good;
}
