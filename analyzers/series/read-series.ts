/**
 * readSeries: a path (or `-`) in, the series to review out. It reads as the
 * list of stage calls it is; each step is one module.
 */
import { openSource } from '../sources/open-source.js';
import type { SourceMessages } from '../sources/model.js';
import { assembleSeries } from './assemble.js';
import { chooseSeries, newestFirst, type SeriesFacts } from './choose.js';
import { classify, type Classified } from './classify.js';
import { groupPostings } from './group.js';
import type { OtherMessage, ReadSeriesOptions, Series, SeriesReadResult } from './model.js';
import { threadsOf } from './thread-roots.js';
import { attachFollowUps } from './threads.js';

/**
 * Reads `path` (`-` for stdin; a file, a directory of patches or a
 * public-inbox repository) and assembles its series. Rejects only with a
 * SourceError (the input as a whole is unusable: empty, not mail, missing);
 * every patch message otherwise appears in the result with a status.
 */
export async function readSeries(path: string, options: ReadSeriesOptions = {}): Promise<SeriesReadResult> {
  const source = await openSource(path, options);
  const read = await source.read();
  return assemble(read, options);
}

/** The series of messages read by any source (the second half of readSeries). */
export function assemble(read: SourceMessages, options: Pick<ReadSeriesOptions, 'maxPatchBytes' | 'select'> = {}): SeriesReadResult {
  // 1. Cover, patch, reply or other, from the subject, the body and the thread.
  const threads = threadsOf(read.messages);
  const known = new Set(read.messages.map((m) => m.messageId).filter((id): id is string => id !== null));
  const classified = read.messages.map((m) => answersThread(classify(m), known));
  const order = new Map(classified.map((c, i) => [c, i]));
  const ofKind = (kind: Classified['kind']): Classified[] => classified.filter((c) => c.kind === kind);
  // 2. Postings: one sender, one revision, one count.
  const groups = groupPostings(classified.filter((c) => c.kind === 'cover' || c.kind === 'patch'));
  // 3. Slots, missing patches, parsed diffs.
  const assembled = groups.map((g) => ({ group: g, ...assembleSeries(g, options.maxPatchBytes) }));
  const facts = new Map<Series, SeriesFacts>(
    assembled.map((a) => {
      const at = a.group.map((c) => order.get(c) ?? 0);
      return [a.series, { first: at.reduce((a, b) => Math.min(a, b), Number.MAX_SAFE_INTEGER), threads: new Set(at.map((i) => threads[i] ?? -1)), untagged: a.group.every((c) => c.note !== undefined) }];
    }),
  );
  const series = newestFirst(assembled.map((a) => a.series));
  // 4. Replies to the slot they answer.
  const orphanFollowUps = attachFollowUps(series, ofKind('reply'));
  // 5. The series to review.
  const { chosen, choice, candidates } = chooseSeries(series, facts, read.path, options.select);
  const others: OtherMessage[] = [
    ...ofKind('other').map((c) => other(c, 'not a patch, a cover letter or a reply')),
    ...assembled.flatMap((a) => a.extraCovers.map((c) => other(c, 'a second cover letter for a series that already has one'))),
  ];
  return {
    source: { path: read.path, kind: read.kind, messages: read.messages.length },
    chosen,
    choice,
    series,
    candidates,
    orphanFollowUps,
    others,
    warnings: read.warnings,
  };
}

/**
 * A mail without a `[PATCH]` tag that answers a message of this input is a
 * follow-up with a snippet (a reviewer's "something like this?"), not a
 * patch of its own: it must not stand in for the series it answers.
 */
function answersThread(c: Classified, known: Set<string>): Classified {
  if (c.kind !== 'patch' || c.note === undefined) return c;
  const parents = [c.message.inReplyTo, ...c.message.references].filter((id): id is string => id !== null);
  if (!parents.some((id) => known.has(id))) return c;
  return { kind: 'reply', message: c.message, info: c.info };
}

function other(c: Classified, reason: string): OtherMessage {
  return { subject: c.message.subject, messageId: c.message.messageId, position: c.message.position, reason };
}
