/**
 * One pass of `kvm-review watch`, as a list of steps:
 *
 * 1. read each inbox's new commits; keep covers and patches (their mail in
 *    the state directory), record every commit, bad ones with the reason;
 * 2. thread the kept messages into postings (the series stage);
 * 3. for each posting, oldest first: wait (incomplete, not yet due),
 *    skip (no KVM file), or review (complete, or partial once due);
 * 4. compare a review with the previous version's, write the replies and
 *    the JSON record to the outbox, then record the series as done;
 * 5. send the replies not sent yet (only with --send).
 *
 * With a shared queue (`enqueue`, REDIS_URL), step 4 is a `series` job: the
 * watcher hands the series' mails to the queue and records the series as
 * enqueued; a worker runs the same review-and-write step (reviewAndWrite,
 * see series-job.ts).
 *
 * Writes happen in that order so a pass killed anywhere and run again ends
 * with the same outbox (see state.ts).
 */
import { relative } from 'node:path';
import { assemble } from '../../analyzers/series/read-series.js';
import { classify } from '../../analyzers/series/classify.js';
import type { PatchEntry, Series } from '../../analyzers/series/model.js';
import type { ReviewResult } from '../../analyzers/review/model.js';
import type { SourceMessage } from '../../analyzers/sources/model.js';
import { compareVersions, priorOf, replyAnchor, type ComparedReview, type PriorVersion } from '../../analyzers/review/compare-versions.js';
import { anchorId, postingIdentity, previousVersion, type PostingIdentity } from '../../analyzers/series/versions.js';
import { renderReviewEmail } from '../render/review/email.js';
import { decode, epochsOf, hasCommit, newCommits, readEntries } from './inbox.js';
import type { Outbox, OutboxReply } from './outbox.js';
import { forEmail } from './reply-notes.js';
import type { SeriesReviewer } from './reviewer.js';
import type { JournalRecord, MessageRecord, SeriesRecord, WatchState } from './state.js';
import { counted } from '../../analyzers/counted.js';

/** A KVM file (issue 13, §5): the series must touch one to be reviewed. */
const KVM_FILE = /^(?:virt\/kvm\/|arch\/[^/]+\/kvm\/|include\/kvm\/|include\/linux\/kvm|Documentation\/virt\/kvm\/)/;

/** Commits read per `git cat-file --batch` and recorded per journal append. */
const BATCH = 200;

/**
 * How long (by the inbox's clock, after its newest message) a series done
 * while missing patches holds its messages for patches that come late: one
 * that arrives within it joins its series, which is reviewed again. Past it,
 * or once a later version came, the messages leave the pool.
 */
export const LATE_PATCH_HOLD_MS = 14 * 24 * 3600_000;

export interface WatchOptions {
  inboxes: string[];
  state: WatchState;
  outbox: Outbox;
  review: SeriesReviewer;
  /** A series missing patches is reviewed as partial this long (ms) after its newest message, by the inbox's clock. */
  partialAfterMs: number;
  /** The From: of the replies. */
  from: string;
  /** One line to stderr (no newline). */
  log: (line: string) => void;
  /** Optional: hands a reply to SMTP; absent, nothing is sent. */
  send?: (reply: OutboxReply) => Promise<void>;
  /**
   * Optional: true once a signal asked the watcher to stop. The pass then
   * returns between two series or two replies, so that a reply whose send
   * was in flight is recorded as sent before the process exits (a restart
   * would send it again otherwise).
   */
  stopping?: () => boolean;
  /**
   * Optional: stores a due series as a job on the shared queue (its mails in
   * the order read, the previous version's findings) and resolves with the
   * job's id once the queue acknowledged it; absent, the pass reviews in process.
   */
  enqueue?: (series: Series, mails: QueuedMail[], prev: PriorVersion | null, notCompared: string | null, completes: Completion | null) => Promise<string>;
  /**
   * Optional, with `enqueue`: what became of an enqueued series' job on the
   * shared queue, by the series fingerprint. A later version waits for the
   * record of a job that is waiting or running; once the job failed for
   * good or left the queue, the wait would never end, and the later version
   * is reviewed without the comparison. Absent: it waits for the record.
   */
  jobOf?: (fingerprint: string) => Promise<SeriesJobState>;
}

/** A series job as the watcher needs it: still to run, failed for good (why), completed, or no longer on the queue. */
export type SeriesJobState = { state: 'pending' } | { state: 'failed'; reason: string } | { state: 'completed' } | { state: 'gone' };

/** A mail of a series handed to the queue: where it was read, and its bytes. */
export interface QueuedMail {
  inbox: string;
  commit: string;
  raw: Buffer;
}

/** What a pass did. */
export interface PassReport {
  /** Commits read and recorded. */
  read: number;
  /** Commits without a usable message. */
  bad: number;
  /** Series reviewed (complete or partial) in this pass. */
  reviewed: number;
  /** Series skipped in this pass (no KVM file, no patches). */
  skipped: number;
  /** Series read against the tree of which no patch could be reviewed (already in the tree, not applying): done, no reply. */
  notReviewed: number;
  /** Postings still waiting for patches. */
  waiting: number;
  /** A series reviewed in this pass had an error-severity finding. */
  errors: boolean;
  /** Replies written to the outbox in this pass. */
  replies: number;
  /** Series handed to the shared queue in this pass. */
  enqueued: number;
  /** Series the shared queue did not take (Redis unreachable...): not recorded, tried again next pass. */
  unqueued: number;
  /** Replies the SMTP server took in this pass (with `send`). */
  sent: number;
  /** Replies recorded as failed in this pass: refused for good by the SMTP server, or without a recipient. */
  refused: number;
  /** Replies not sent in this pass and tried again next pass (a 4xx, the server unreachable). */
  unsent: number;
}

export async function runPass(o: WatchOptions): Promise<PassReport> {
  const report: PassReport = { read: 0, bad: 0, reviewed: 0, skipped: 0, notReviewed: 0, waiting: 0, errors: false, replies: 0, enqueued: 0, unqueued: 0, sent: 0, refused: 0, unsent: 0 };
  // 1.
  for (const inbox of epochsToRead(o)) await ingest(o, inbox, report);
  // 2.
  const pool = o.state.pending();
  const messages: SourceMessage[] = [];
  const inboxOf = new Map<string, string>();
  for (const p of pool) {
    messages.push(await decode(o.state.readMessage(p.commit), p.inbox, p.commit));
    inboxOf.set(p.commit, p.inbox);
  }
  const read = assemble({ kind: 'public-inbox', path: 'watch', messages, warnings: [] });
  // 3. Oldest first, so v1 is done before v2 arrives at the comparison.
  const postings = [...read.series].sort((a, b) => (a.date ?? '').localeCompare(b.date ?? '') || a.fingerprint.localeCompare(b.fingerprint));
  for (const series of postings) {
    if (o.stopping?.()) break;
    const inboxes = [...new Set(members(series).map((p) => inboxOf.get(p.position.commit ?? '') ?? ''))];
    const clocks = inboxes.map((i) => o.state.newestDate(i));
    if (o.state.isDone(series.fingerprint)) {
      const held = o.state.holding(series.fingerprint);
      if (held) endHold(o, series, held, clocks, postings);
      continue;
    }
    const due = isDue(series, clocks, o.partialAfterMs);
    if (series.patches.length === 0) {
      if (!due) report.waiting++;
      else coverAlone(o, series, postings, report);
      continue;
    }
    const notForTree = notForThisTree(series);
    if (notForTree) {
      done(o, series, 'skipped', notForTree, report);
      continue;
    }
    if (!touchesKvm(series)) {
      done(o, series, 'skipped', 'the series touches no KVM file (virt/kvm/, arch/*/kvm/, include/kvm/, include/linux/kvm*, Documentation/virt/kvm/)', report);
      continue;
    }
    if (!series.complete) {
      // Its missing patches will not come once the author posted a later version: a partial
      // review of it, after the later one's, would only answer code nobody asks about any more.
      const newer = laterVersion(series, o.state.done(), postings);
      if (newer !== null) {
        done(o, series, 'skipped', `superseded by v${newer} before its missing patches arrived (${series.patches.length} of ${series.expected} patches)`, report);
        continue;
      }
    }
    if (!series.complete && !due) {
      report.waiting++;
      continue;
    }
    // 4.
    if (o.enqueue) {
      // Once the queue refused one, the others would wait for the same timeout: they go next pass.
      if (report.unqueued > 0) report.unqueued++;
      else await enqueuePosting(o, series, pool, report);
    }
    else {
      // A review can run without giving the event loop a turn (the index reads synchronously):
      // give it one before each, so that a SIGTERM or SIGINT that came during the last is handled
      // now, between two postings, not after the whole pass.
      await new Promise((turn) => setImmediate(turn));
      await reviewPosting(o, series, report);
    }
  }
  // 5.
  if (o.send && !o.stopping?.()) await sendPending(o, report);
  o.state.compact();
  return report;
}

/**
 * The epochs announced by this process, by state directory: an epoch lore has made but not
 * written to yet has nothing read after a pass either, and a line every pass about it is noise.
 */
const announced = new Map<string, Set<string>>();

/**
 * The epochs this pass reads: each --inbox that is an epoch, and the epochs an inbox
 * directory holds now (epochsOf: a new one lore started since the last pass included,
 * said once, when nothing of it has been read yet).
 */
function epochsToRead(o: WatchOptions): string[] {
  const out: string[] = [];
  let said = announced.get(o.state.dir);
  if (!said) announced.set(o.state.dir, (said = new Set()));
  for (const inbox of o.inboxes) {
    const epochs = epochsOf(inbox);
    if (!epochs) {
      out.push(inbox);
      continue;
    }
    for (const epoch of epochs) {
      if (o.state.lastCommit(epoch) === null && !said.has(epoch)) {
        said.add(epoch);
        o.log(`${inbox}: reading its epoch ${relative(inbox, epoch)} from its first message`);
      }
      out.push(epoch);
    }
  }
  return out;
}

/** Reads an inbox's new commits in batches; each batch is recorded in one journal append. */
async function ingest(o: WatchOptions, inbox: string, report: PassReport): Promise<void> {
  let commits: string[];
  let since = o.state.lastCommit(inbox);
  if (since && !(await hasCommit(inbox, since))) {
    // Waiting would never end: read it all again. Covers and patches already read are known by
    // Message-ID (duplicates, never reviewed twice); what the new history adds is read as new.
    o.log(`${inbox}: the last commit read, ${since}, is no longer in the inbox (its history was rewritten, or it was cloned again): reading all its commits again; covers and patches already read are known by Message-ID and not reviewed twice`);
    since = null;
  }
  try {
    commits = await newCommits(inbox, since);
  } catch (e) {
    o.log(`${inbox}: cannot list commits after ${since ?? 'the start'}: ${(e as Error).message.trim()}; skipped this pass`);
    return;
  }
  for (let at = 0; at < commits.length; at += BATCH) {
    const records: JournalRecord[] = [];
    const seen = new Set<string>();
    for (const e of await readEntries(inbox, commits.slice(at, at + BATCH))) {
      const m = e.message;
      if (!m) {
        o.log(`${inbox}: commit ${e.commit}: ${e.error ?? 'unreadable'}; skipped`);
        records.push({ t: 'msg', inbox, commit: e.commit, kind: 'bad', messageId: null, date: null, reason: e.error ?? 'unreadable' });
        report.bad++;
        continue;
      }
      for (const w of threadProblems(m)) o.log(`${inbox}: commit ${e.commit}: ${w}`);
      const c = classify(m);
      let kind: MessageRecord['kind'] = c.kind === 'cover' || c.kind === 'patch' ? 'pool' : c.kind;
      if (kind === 'pool' && m.messageId && (o.state.knows(m.messageId) || seen.has(m.messageId))) kind = 'duplicate';
      if (kind === 'pool' && e.raw) {
        o.state.keepMessage(e.commit, e.raw);
        if (m.messageId) seen.add(m.messageId);
      }
      records.push({ t: 'msg', inbox, commit: e.commit, kind, messageId: m.messageId, date: m.date });
    }
    o.state.append(records);
    report.read += records.length;
  }
}

/** Thread headers that name no message: the message is threaded by its subject instead, and the log says so. */
function threadProblems(m: SourceMessage): string[] {
  const out: string[] = [];
  if (m.messageId === null) out.push('no Message-ID; replies cannot name it');
  if (m.inReplyTo !== null && m.references.length > 0 && !m.references.includes(m.inReplyTo)) {
    out.push(`broken References chain: In-Reply-To <${m.inReplyTo}> is not in References; threaded by In-Reply-To and subject`);
  }
  if (m.references.some((id) => !/^[^\s@<>]+@[^\s@<>]+$/.test(id))) out.push('broken References header (an id that is not local@domain); threaded by subject');
  return out;
}

/** Cover and patches (duplicates too: their messages leave the pool with the series). */
function members(s: Series): { position: { commit?: string }; messageId: string | null }[] {
  return [...(s.cover ? [s.cover] : []), ...s.patches, ...s.duplicates];
}

/** A stable backport or the stable team's "added to the stable tree" notice: not a posting for the tree under review. */
function notForThisTree(s: Series): string | null {
  if (s.backport) return `a backport to the ${s.backport} stable tree, not reviewed against this tree`;
  if (/^Patch ".*" has been added to the [\w.-]+ tree$/.test(s.title)) return "the stable team's notice that a patch was queued, not a posting";
  return null;
}

function touchesKvm(s: Series): boolean {
  return s.patches.some((p) => p.files.some((f) => [f.newPath, f.oldPath, f.path].some((x) => x && KVM_FILE.test(x))));
}

/** True when the series' newest message is at least `after` ms older than the newest message of its inboxes. */
function isDue(s: Series, inboxNewest: (string | null)[], after: number): boolean {
  const dates = [s.cover?.date ?? null, ...s.patches.map((p) => p.date)].filter((d): d is string => d !== null).sort();
  const newest = dates.at(-1);
  const clock = inboxNewest.filter((d): d is string => d !== null).sort().at(-1);
  if (!newest || !clock) return false;
  return Date.parse(clock) - Date.parse(newest) >= after;
}

/** The file name of a series record: its date, version, title and fingerprint. */
function recordName(s: Series): string {
  const slug = s.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 48).replace(/-$/, '');
  return `${(s.date ?? 'undated').slice(0, 10)}-v${s.version}-${slug || 'untitled'}-${s.fingerprint.slice(0, 8)}.json`;
}

function seriesRecord(s: Series, status: SeriesRecord['status'], review: ComparedReview | null): SeriesRecord {
  const id = postingIdentity(s);
  // Done while missing patches: its messages are held for the patches that come late (see LATE_PATCH_HOLD_MS).
  const open = !s.complete && status !== 'skipped';
  return {
    ...(open ? { open } : {}),
    t: 'series',
    key: s.fingerprint,
    status,
    version: s.version,
    title: s.title,
    sender: id.sender,
    changeId: id.changeId,
    messageId: anchorId(s),
    messageIds: id.messageIds,
    record: recordName(s),
    findings: review ? priorOf(review, null).findings : [],
    replies: [],
  };
}

/** A held series that a posting of this pass grew out of with late patches: its key, and what the record says. */
export interface Completion {
  key: string;
  note: string;
}

/** The held series `s` holds every message of (the latest done), with the sentence its record and log carry; null when none. */
function completionOf(o: WatchOptions, s: Series): Completion | null {
  const held = o.state.heldWithin(postingIdentity(s).messageIds)[0];
  if (!held) return null;
  const had = new Set(held.messageIds);
  const late = s.patches.filter((p) => !p.messageId || !had.has(p.messageId)).map((p) => p.index);
  const before = s.patches.length - late.length;
  const verb = s.complete ? 'completed' : 'joined';
  const by = `${verb} by the late ${late.length === 1 ? 'patch' : 'patches'} ${late.join(', ')}`;
  if (held.status === 'skipped') return { key: held.key, note: `${by} after its cover letter waited alone (${held.record})` };
  // Enqueued: the record its worker wrote says how it ended, so the note (and the outbox) is the one a watcher without Redis writes.
  const status = held.status === 'enqueued' ? (writtenStatus(o, held) ?? held.status) : held.status;
  const what = status === 'partial' ? 'partial review' : status === 'enqueued' ? 'partial review enqueued' : 'partial reading (no patch reviewable)';
  return { key: held.key, note: `${by} after the ${what} of ${before} of ${s.expected} patches (${held.record})` };
}

/** The status of the record a worker wrote for an enqueued series; null before it wrote one (or one that does not say). */
function writtenStatus(o: WatchOptions, rec: SeriesRecord): SeriesRecord['status'] | null {
  const text = o.outbox.readRecord(rec.record);
  if (text === null) return null;
  try {
    const status = (JSON.parse(text) as { status?: unknown }).status;
    return status === 'partial' || status === 'not-reviewed' ? status : null;
  } catch {
    return null;
  }
}

/**
 * Ends the hold of a series done while missing patches once no late patch
 * will join it: a later version came, or the hold ran out. The same record
 * again, closed: its messages leave the pool.
 */
function endHold(o: WatchOptions, s: Series, held: SeriesRecord, clocks: (string | null)[], postings: Series[]): void {
  const newer = laterVersion(s, o.state.done(), postings);
  if (newer === null && !isDue(s, clocks, LATE_PATCH_HOLD_MS)) return;
  o.state.append([{ ...held, open: false }]);
  const why = newer !== null ? `v${newer} came` : `no patch came within ${LATE_PATCH_HOLD_MS / (24 * 3600_000)} days`;
  const what = held.status === 'skipped' ? COVER_ALONE : held.status;
  o.log(`v${s.version} "${s.title}" (${what}, ${s.patches.length} of ${s.expected} patches): ${why}; its messages are no longer held for late patches`);
}

/**
 * A cover letter still alone once its wait is over (a series delivered over
 * minutes can reach the archive hours apart): recorded as skipped, and held
 * for its late patches as a partial series is (LATE_PATCH_HOLD_MS); patches
 * that come within the hold join it and the series is reviewed with its
 * cover. Unless a later version is already there: its patches will not come.
 */
function coverAlone(o: WatchOptions, s: Series, postings: Series[], report: PassReport): void {
  const newer = laterVersion(s, o.state.done(), postings);
  if (newer !== null) {
    done(o, s, 'skipped', `a cover letter without patches, superseded by v${newer} before its patches arrived`, report);
    return;
  }
  const hours = (ms: number): string => (ms % 3600_000 === 0 ? `${ms / 3600_000} h` : `${Math.round(ms / 60_000)} min`);
  const reason = `${COVER_ALONE}: none of its ${counted(s.expected, 'patch', 'patches')} came within ${hours(o.partialAfterMs)}; held ${LATE_PATCH_HOLD_MS / (24 * 3600_000)} days for them`;
  done(o, s, 'skipped', reason, report, true);
  o.log(`v${s.version} "${s.title}": ${reason}`);
}

/** The reason a held cover letter's record starts with (endHold and completionOf name it so). */
const COVER_ALONE = 'a cover letter without patches';

/** Records a skipped series: its JSON record, no reply; `hold` keeps its messages for late patches (a cover letter alone). */
function done(o: WatchOptions, s: Series, status: 'skipped', reason: string, report: PassReport, hold = false): void {
  const rec = seriesRecord(s, status, null);
  if (hold) rec.open = true;
  const json = {
    status,
    reason,
    key: s.fingerprint,
    series: { subject: s.title, version: s.version, total: s.expected, missing: s.missing, choice: '' },
    patches: s.patches.map((p) => ({ index: p.index, subject: p.subject, messageId: p.messageId, author: author(p), date: p.date, status: 'skipped', reason })),
    previous: null,
    fixed: [],
  };
  o.outbox.writeRecord(rec.record, `${JSON.stringify(json, null, 2)}\n`);
  o.state.append([rec]);
  report.skipped++;
}

function author(p: PatchEntry): string | null {
  return p.author ? (p.author.name ? `${p.author.name} <${p.author.email}>` : p.author.email) : null;
}

/** What reviewAndWrite needs: the same in the watcher and in a worker. */
export interface PostingWriter {
  review: SeriesReviewer;
  outbox: Outbox;
  /** The From: of the replies. */
  from: string;
}

/** What reviewAndWrite wrote. */
export interface Posted {
  /** The journal record of the series (the caller appends it). */
  record: SeriesRecord;
  compared: ComparedReview;
  replies: OutboxReply[];
  /** Why nothing was reviewed, else why the review is partial; null for a complete series reviewed. */
  partial: string | null;
}

/**
 * Step 4's work for one posting that is due (complete, or partial after the
 * wait): review it, compare with the previous version, write the record
 * and the replies. Bytes come from the input alone, and the outbox skips
 * what is already there: run twice (a retried job), it writes nothing new.
 * Null when `stop()` turned true before anything was written.
 */
export async function reviewAndWrite(
  w: PostingWriter,
  s: Series,
  prev: PriorVersion | null,
  stop: () => boolean = () => false,
  notCompared: string | null = null,
  completes: Completion | null = null,
): Promise<Posted | null> {
  const partial = s.complete ? null : `partial series: ${s.patches.length} of ${s.expected} patches`;
  const result = await w.review(s, `v${s.version} "${s.title}"`);
  if (stop()) return null;
  const compared = compareVersions(result, prev, replyAnchor(s));
  // In the record's notes and, through forEmail, in the replies.
  if (notCompared) compared.notes.push(notCompared);
  const unreviewed = nothingReviewed(compared);
  const status: SeriesRecord['status'] = unreviewed ? 'not-reviewed' : partial ? 'partial' : 'reviewed';
  const reason = unreviewed ?? partial;
  const rec = seriesRecord(s, status, compared);
  if (completes) rec.completes = completes.key;
  const json = { status, ...(reason ? { reason } : {}), ...(completes ? { completes: completes.note } : {}), key: s.fingerprint, ...compared };
  // Reply dates come from the input (the series' newest message), never the clock: a rerun writes the same bytes.
  const dates = [s.cover?.date ?? null, ...s.patches.map((p) => p.date)].filter((d): d is string => d !== null).sort();
  // Nothing reviewed, nothing to tell the author: no finding to answer, and no "fixed in vN" for code nobody looked at.
  const mbox = unreviewed ? '' : renderReviewEmail(forEmail(compared, partial, notCompared), { from: w.from, date: new Date(dates.at(-1) ?? 0) });
  w.outbox.writeRecord(rec.record, `${JSON.stringify(json, (k, v: unknown) => (k === 'files' ? undefined : v), 2)}\n`);
  const replies = mbox ? w.outbox.writeReplies(mbox) : [];
  rec.replies = replies.map((r) => r.messageId);
  return { record: rec, compared, replies, partial: reason };
}

/**
 * Why no patch of a review was reviewed (each patch's reason: already in the tree, written against
 * another tree, no diff), or null when some was. Such a series is done all the same: the same mails on
 * the same tree give the same reasons, so a later pass would only repeat them.
 */
export function nothingReviewed(r: ReviewResult): string | null {
  if (r.patches.length === 0 || r.patches.some((p) => p.status === 'reviewed')) return null;
  return `no patch could be reviewed: ${r.patches.map((p) => `patch ${p.index}: ${p.reason ?? p.status}`).join('; ')}`;
}

/**
 * The previous version of a posting, for the comparison:
 *  - none: there is none;
 *  - found: its findings (from the journal, or from the record a worker wrote);
 *  - pending: it was enqueued and no worker has written its record yet (the
 *    comparison needs its findings: the posting waits for a later pass);
 *  - lost: it was enqueued and its job failed for good, or left the queue,
 *    without a record: waiting would never end, the posting goes on without
 *    the comparison, and `why` says so in its replies.
 */
type Previous =
  | { kind: 'none' }
  | { kind: 'found'; prior: PriorVersion; record: SeriesRecord }
  | { kind: 'pending'; record: SeriesRecord }
  | { kind: 'lost'; record: SeriesRecord; why: string };

async function previousOf(o: WatchOptions, s: Series): Promise<Previous> {
  // A version nothing of which was reviewed has no findings to compare with: the one before it is compared.
  const earlier = o.state.done().filter((r) => r.status !== 'skipped' && r.status !== 'not-reviewed');
  const prev = previousVersion(postingIdentity(s), earlier.map((r) => ({ ...identity0(r), record: r })));
  if (!prev) return { kind: 'none' };
  const r = prev.record;
  if (r.status !== 'enqueued') return { kind: 'found', prior: { version: r.version, messageId: r.messageId, findings: r.findings }, record: r };
  const written = (): Previous | null => {
    const text = o.outbox.readRecord(r.record);
    if (text === null) return null;
    return { kind: 'found', prior: { version: r.version, messageId: r.messageId, findings: priorOf(JSON.parse(text) as ComparedReview, null).findings }, record: r };
  };
  const found = written();
  if (found) return found;
  if (!o.jobOf) return { kind: 'pending', record: r };
  let job: SeriesJobState;
  try {
    job = await o.jobOf(r.key);
  } catch (e) {
    // The queue out of reach says nothing about v1's job: wait, as without it.
    o.log(`cannot read the job of v${r.version} "${r.title}" from the shared queue: ${(e as Error).message.replace(/\s+/g, ' ').trim()}`);
    return { kind: 'pending', record: r };
  }
  if (job.state === 'pending') return { kind: 'pending', record: r };
  // Its job may have ended after the record was looked for: look again.
  const late = written();
  if (late) return late;
  const what =
    job.state === 'failed'
      ? `its review failed on the shared queue (${job.reason})`
      : job.state === 'gone'
        ? 'its job is no longer on the shared queue'
        : 'its job completed without writing its record';
  return { kind: 'lost', record: r, why: `not compared with v${r.version}: ${what}` };
}

/** Step 4 in process: review, write, record the series as done. */
async function reviewPosting(o: WatchOptions, s: Series, report: PassReport): Promise<void> {
  const prev = await previousOf(o, s);
  if (prev.kind === 'pending') {
    report.waiting++;
    o.log(`v${s.version} "${s.title}" waits for its previous version's review (enqueued, not written yet)`);
    return;
  }
  const notCompared = prev.kind === 'lost' ? prev.why : null;
  const completes = completionOf(o, s);
  const posted = await reviewAndWrite(o, s, prev.kind === 'found' ? prev.prior : null, () => false, notCompared, completes);
  if (!posted) return;
  const { record: rec, compared, replies, partial } = posted;
  o.state.append([rec]);
  if (rec.status === 'not-reviewed') {
    report.notReviewed++;
    o.log(`not reviewed v${s.version} "${s.title}": ${partial ?? ''}; recorded as done, no reply`);
    return;
  }
  report.reviewed++;
  report.replies += replies.filter((r) => r.written).length;
  if (compared.patches.some((p) => p.findings.some((f) => f.severity === 'error'))) report.errors = true;
  const findings = compared.patches.reduce((n, p) => n + p.findings.length, 0);
  const against = prev.kind === 'found' ? `, compared with v${prev.record.version}` : notCompared ? `, ${notCompared}` : '';
  const late = completes ? `; ${completes.note}, replies already written are not written again` : '';
  o.log(`reviewed ${partial ? `(${partial}) ` : ''}v${s.version} "${s.title}": ${counted(findings, 'finding')}, ${counted(replies.length, 'reply', 'replies')}${against}${late}`);
}

/**
 * Step 4 with a shared queue: the series' mails go to the queue, then the
 * series is recorded as enqueued (a restart does not enqueue it again; a
 * crash between the two enqueues the same fingerprint again, which the
 * queue takes as a duplicate).
 */
async function enqueuePosting(o: WatchOptions, s: Series, pool: { inbox: string; commit: string }[], report: PassReport): Promise<void> {
  const enqueue = o.enqueue;
  if (!enqueue) return;
  const prev = await previousOf(o, s);
  if (prev.kind === 'pending') {
    report.waiting++;
    o.log(`v${s.version} "${s.title}" waits for its previous version's review (enqueued, not written yet)`);
    return;
  }
  const notCompared = prev.kind === 'lost' ? prev.why : null;
  // The mails in the order the watcher read them, so the worker threads them as the watcher did.
  const commits = new Set(members(s).map((p) => p.position.commit));
  const mails = pool.filter((p) => commits.has(p.commit)).map((p) => ({ inbox: p.inbox, commit: p.commit, raw: o.state.readMessage(p.commit) }));
  // Carried by the job: the worker's record says what it completes, as the watcher's would.
  const completes = completionOf(o, s);
  let id: string;
  try {
    id = await enqueue(s, mails, prev.kind === 'found' ? prev.prior : null, notCompared, completes);
  } catch (e) {
    // Nothing recorded: the next pass enqueues it again.
    report.unqueued++;
    o.log(`cannot enqueue v${s.version} "${s.title}": ${(e as Error).message.replace(/\s+/g, ' ').trim()}; tried again next pass`);
    return;
  }
  const rec = seriesRecord(s, 'enqueued', null);
  if (completes) rec.completes = completes.key;
  o.state.append([rec]);
  report.enqueued++;
  o.log(`enqueued ${s.complete ? '' : `(partial series: ${s.patches.length} of ${s.expected} patches) `}v${s.version} "${s.title}" as job ${id}${prev.kind === 'found' ? `, to be compared with v${prev.record.version}` : notCompared ? `, ${notCompared}` : ''}${completes ? `; ${completes.note}` : ''}`);
}

/** The version of a later posting of `s` (done, or read in this pass), found as the comparison finds versions; null when none. */
function laterVersion(s: Series, doneRecords: SeriesRecord[], postings: Series[]): number | null {
  const self = [postingIdentity(s)];
  const later = [...doneRecords.map(identity0), ...postings.filter((p) => p !== s).map(postingIdentity)].filter((id) => id.version > s.version && previousVersion(id, self) !== null);
  return later.length ? Math.max(...later.map((id) => id.version)) : null;
}

/** A done series as an identity for the version link. */
function identity0(r: SeriesRecord): PostingIdentity {
  return { version: r.version, title: r.title, sender: r.sender, changeId: r.changeId, messageIds: r.messageIds, links: [] };
}

/**
 * Step 5: each reply not sent and not failed yet goes to SMTP, and is
 * recorded as sent once the server took it. A failure stays with its
 * reply: refused for good (see sendFailure), it is recorded as failed with
 * the server's answer and never tried again; refused for now, it is tried
 * again next pass; the server unreachable (or our session refused), the
 * rest wait for the next pass too, as each would fail the same way.
 */
async function sendPending(o: WatchOptions, report: PassReport): Promise<void> {
  const send = o.send;
  if (!send) return;
  // A series reviewed again with its late patches lists the replies of its partial review too: each is sent once.
  const pending = [...new Set(o.state.done().flatMap((rec) => rec.replies.filter((id) => !o.state.wasSent(id) && o.state.sendFailure(id) === null)))];
  for (const [at, id] of pending.entries()) {
    // Checked between replies: the one just sent is recorded, the next is not started.
    if (o.stopping?.()) return;
    const reply = o.outbox.readReply(id);
    if (!reply) {
      o.log(`reply <${id}> is no longer in the outbox; not sent`);
      continue;
    }
    if (!reply.to) {
      o.state.append([{ t: 'send-failed', messageId: id, reason: 'no recipient: the reply has no To: address' }]);
      report.refused++;
      o.log(`reply <${id}> has no To: address; recorded as failed (no recipient), not sent`);
      continue;
    }
    try {
      await send(reply);
    } catch (e) {
      const failure = sendFailure(e);
      if (failure.kind === 'refused') {
        o.state.append([{ t: 'send-failed', messageId: id, reason: failure.reason }]);
        report.refused++;
        o.log(`reply <${id}> to ${reply.to}: refused for good by the SMTP server (${failure.reason}); recorded as failed, not sent again`);
        continue;
      }
      report.unsent++;
      o.log(`reply <${id}> to ${reply.to}: not sent (${failure.reason}); tried again next pass`);
      if (failure.kind === 'later') continue;
      const rest = pending.length - at - 1;
      report.unsent += rest;
      if (rest > 0) o.log(`${rest} other repl${rest === 1 ? 'y' : 'ies'} not sent either: the SMTP server did not take the session; tried again next pass`);
      return;
    }
    o.state.append([{ t: 'sent', messageId: id }]);
    report.sent++;
  }
}

/** SMTP commands whose refusal is about the reply itself (its sender, its recipient, its text), not about the server or our login. */
const REPLY_COMMANDS = new Set(['MAIL FROM', 'RCPT TO', 'DATA']);

/**
 * What a send's error means for its reply, from nodemailer's error: its
 * `responseCode` (the server's answer) and `command` (what it answered).
 *  - refused: a 5xx to the reply's own commands, or an envelope nodemailer
 *    would not send (an address it cannot use): the same again would fail;
 *  - later: a 4xx to the reply's own commands (a mailbox busy, greylisting);
 *  - down: anything else (no connection, a timeout, the greeting, EHLO or
 *    login refused, an error of ours): no reply could be sent now, and a
 *    5xx here says nothing about the reply.
 */
function sendFailure(e: unknown): { kind: 'refused' | 'later' | 'down'; reason: string } {
  const err = (typeof e === 'object' && e !== null ? e : {}) as { message?: unknown; responseCode?: unknown; command?: unknown; code?: unknown };
  const reason = (typeof err.message === 'string' ? err.message : String(e)).replace(/\s+/g, ' ').trim();
  const command = typeof err.command === 'string' ? err.command : null;
  if (typeof err.responseCode === 'number' && command && REPLY_COMMANDS.has(command)) return { kind: err.responseCode >= 500 ? 'refused' : 'later', reason };
  if (command === 'API' && (err.code === 'EENVELOPE' || err.code === 'EMESSAGE')) return { kind: 'refused', reason };
  return { kind: 'down', reason };
}
