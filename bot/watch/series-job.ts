/**
 * The watcher's `series` job (issue 14): with REDIS_URL, `kvm-review watch`
 * enqueues each due series instead of reviewing it, and a `kvm-review
 * worker` (on this machine or another that sees the same paths) runs it.
 *
 * The payload carries everything the review-and-write step needs, as JSON:
 * the series' raw mails in the watcher's order (base64), the tree (a
 * directory, or a repository and revision pinned to the commit the watcher
 * saw), the outbox, the From: of the replies, the cache settings and the
 * previous version's findings. The worker rebuilds the series from the
 * mails and runs the same step the watcher runs in process
 * (reviewAndWrite), so the outbox ends with the same bytes either way, and
 * a retried job writes nothing twice (the outbox skips a reply that is
 * already there, and a record with the same bytes).
 */
import { isAbsolute } from 'node:path';
import { assemble } from '../../analyzers/series/read-series.js';
import type { PriorVersion } from '../../analyzers/review/compare-versions.js';
import type { Series } from '../../analyzers/series/model.js';
import { GitTree } from '../../analyzers/trees/git-tree.js';
import { assertKernelTree, DirectoryTree, type Tree } from '../../analyzers/trees/index.js';
import type { JobHandler, JobSpec, Json } from '../jobs/queue.js';
import { seriesJob } from '../jobs/queue.js';
import { decode } from './inbox.js';
import { Outbox, type OutboxFormat } from './outbox.js';
import { engineReviewer } from './reviewer.js';
import { reviewAndWrite, type Completion } from './watch.js';
import { counted } from '../../analyzers/counted.js';

/** The tree a series is reviewed against, as the watcher opened it. */
export type SeriesTreeSpec = { kind: 'dir'; path: string } | { kind: 'git'; repo: string; rev: string; commit: string };

/** What stays the same for every job of one watcher run. */
export interface SeriesJobSettings {
  tree: SeriesTreeSpec;
  outbox: { dir: string; format: OutboxFormat };
  from: string;
  cache: { dir: string | null; disabled: boolean };
}

/** One mail of the series: where the watcher read it, and its bytes. */
export interface SeriesMail {
  inbox: string;
  commit: string;
  raw: Buffer;
}

export interface SeriesPayload extends SeriesJobSettings {
  fingerprint: string;
  mails: { inbox: string; commit: string; raw: string }[];
  prev: PriorVersion | null;
  /** Why the series is not compared with its previous version (whose review failed); null when it is, or has none. */
  notCompared: string | null;
  /** The held series this one completes (or grows) with late patches, and the sentence its record carries; null when none. */
  completes: Completion | null;
}

/** The job for one due series. */
export function seriesJobSpec(
  settings: SeriesJobSettings,
  series: Series,
  mails: SeriesMail[],
  prev: PriorVersion | null,
  notCompared: string | null = null,
  completes: Completion | null = null,
): JobSpec {
  const payload: SeriesPayload = {
    ...settings,
    fingerprint: series.fingerprint,
    mails: mails.map((m) => ({ inbox: m.inbox, commit: m.commit, raw: m.raw.toString('base64') })),
    prev,
    notCompared,
    completes,
  };
  // PriorVersion and the settings are plain JSON (strings, numbers, null, arrays).
  return seriesJob(series.fingerprint, payload as unknown as JobSpec['payload']);
}

/** A job payload that is not a series payload: the job fails for good with this reason. */
export class SeriesPayloadError extends Error {
  override readonly name = 'SeriesPayloadError';
}

function str(v: Json | undefined, what: string): string {
  if (typeof v !== 'string' || v === '') throw new SeriesPayloadError(`series job: ${what} must be a non-empty string`);
  return v;
}

function absolute(v: Json | undefined, what: string): string {
  const s = str(v, what);
  if (!isAbsolute(s)) throw new SeriesPayloadError(`series job: ${what} ${s} must be an absolute path (the worker's working directory is not the watcher's)`);
  return s;
}

/** Checks a payload read back from Redis; throws SeriesPayloadError naming what is wrong. */
export function checkSeriesPayload(p: JobSpec['payload']): SeriesPayload {
  const fingerprint = str(p.fingerprint, 'fingerprint');
  const t = p.tree as { [k: string]: Json } | null;
  if (!t || typeof t !== 'object') throw new SeriesPayloadError('series job: tree is missing');
  const tree: SeriesTreeSpec =
    t.kind === 'dir'
      ? { kind: 'dir', path: absolute(t.path, 'tree.path') }
      : t.kind === 'git'
        ? { kind: 'git', repo: absolute(t.repo, 'tree.repo'), rev: str(t.rev, 'tree.rev'), commit: str(t.commit, 'tree.commit') }
        : (() => {
            throw new SeriesPayloadError(`series job: tree.kind ${String(t.kind)}: expected dir or git`);
          })();
  const ob = p.outbox as { [k: string]: Json } | null;
  if (!ob || typeof ob !== 'object') throw new SeriesPayloadError('series job: outbox is missing');
  if (ob.format !== 'maildir' && ob.format !== 'mbox') throw new SeriesPayloadError(`series job: outbox.format ${String(ob.format)}: expected maildir or mbox`);
  const cache = p.cache as { [k: string]: Json } | null;
  if (!cache || typeof cache !== 'object' || typeof cache.disabled !== 'boolean') throw new SeriesPayloadError('series job: cache is missing');
  if (!Array.isArray(p.mails) || p.mails.length === 0) throw new SeriesPayloadError(`series job ${fingerprint}: no mails`);
  const mails = p.mails.map((m, i) => {
    const o = m as { [k: string]: Json };
    return { inbox: str(o.inbox, `mails[${i}].inbox`), commit: str(o.commit, `mails[${i}].commit`), raw: str(o.raw, `mails[${i}].raw`) };
  });
  return {
    fingerprint,
    tree,
    outbox: { dir: absolute(ob.dir, 'outbox.dir'), format: ob.format },
    from: str(p.from, 'from'),
    cache: { dir: cache.dir === null || cache.dir === undefined ? null : absolute(cache.dir, 'cache.dir'), disabled: cache.disabled },
    mails,
    prev: (p.prev ?? null) as unknown as PriorVersion | null,
    // Absent in the jobs of a watcher from before it was carried.
    notCompared: p.notCompared === undefined || p.notCompared === null ? null : str(p.notCompared, 'notCompared'),
    // Absent in the jobs of a watcher from before it was carried.
    completes: completionOf(p.completes),
  };
}

function completionOf(v: Json | undefined): Completion | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw new SeriesPayloadError('series job: completes must be an object { key, note } or null');
  return { key: str(v.key, 'completes.key'), note: str(v.note, 'completes.note') };
}

/** Rebuilds the series from its mails, as the watcher threaded them. */
export async function rebuildSeries(p: SeriesPayload): Promise<Series> {
  const messages = [];
  for (const m of p.mails) messages.push(await decode(Buffer.from(m.raw, 'base64'), m.inbox, m.commit));
  const read = assemble({ kind: 'public-inbox', path: 'watch', messages, warnings: [] });
  const series = read.series.find((s) => s.fingerprint === p.fingerprint);
  if (!series) throw new SeriesPayloadError(`series job ${p.fingerprint}: its ${counted(p.mails.length, 'mail')} assemble to ${read.series.map((s) => s.fingerprint).join(', ') || 'no series'}, not to this series`);
  return series;
}

async function openTree(t: SeriesTreeSpec): Promise<Tree> {
  if (t.kind === 'dir') return new DirectoryTree(t.path);
  const tree = await GitTree.open(t.repo, t.rev);
  // The revision is the one the watcher saw: a branch that moved since would review against another tree.
  if (tree.commit !== t.commit) {
    tree.close();
    throw new SeriesPayloadError(`series job: --rev ${t.rev} in ${t.repo} is now ${tree.commit}, not ${t.commit} as when the series was enqueued`);
  }
  return tree;
}

/** The `series` handler for `kvm-review worker`. */
export function seriesHandler(): JobHandler {
  return async (spec, ctx) => {
    const p = checkSeriesPayload(spec.payload);
    const series = await rebuildSeries(p);
    const tree = await openTree(p.tree);
    try {
      await assertKernelTree(tree);
      const review = engineReviewer(tree, { dir: p.cache.dir ?? undefined, disabled: p.cache.disabled });
      const posted = await reviewAndWrite({ review, outbox: new Outbox(p.outbox.dir, p.outbox.format), from: p.from }, series, p.prev, ctx.superseded, p.notCompared, p.completes);
      if (!posted) return 'superseded';
      return posted.record.status;
    } finally {
      if (tree instanceof GitTree) tree.close();
    }
  };
}
