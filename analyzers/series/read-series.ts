/**
 * readSeries: a path (or `-`) in, the series to review out. It reads as the
 * list of stage calls it is; each step is one module.
 */
import { openSource } from '../sources/open-source.js';
import type { SourceMessages } from '../sources/model.js';
import { assembleSeries } from './assemble.js';
import { chooseSeries, newestFirst } from './choose.js';
import { classify, type Classified } from './classify.js';
import { groupPostings } from './group.js';
import type { OtherMessage, ReadSeriesOptions, SeriesReadResult } from './model.js';
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
export function assemble(read: SourceMessages, options: Pick<ReadSeriesOptions, 'maxPatchBytes'> = {}): SeriesReadResult {
  // 1. Cover, patch, reply or other, from the subject and the body.
  const classified = read.messages.map(classify);
  const ofKind = (kind: Classified['kind']): Classified[] => classified.filter((c) => c.kind === kind);
  // 2. Postings: one sender, one revision, one count.
  const groups = groupPostings(classified.filter((c) => c.kind === 'cover' || c.kind === 'patch'));
  // 3. Slots, missing patches, parsed diffs.
  const assembled = groups.map((g) => assembleSeries(g, options.maxPatchBytes));
  const series = newestFirst(assembled.map((a) => a.series));
  // 4. Replies to the slot they answer.
  const orphanFollowUps = attachFollowUps(series, ofKind('reply'));
  // 5. The series to review.
  const { chosen, choice } = chooseSeries(series);
  const others: OtherMessage[] = [
    ...ofKind('other').map((c) => other(c, 'not a patch, a cover letter or a reply')),
    ...assembled.flatMap((a) => a.extraCovers.map((c) => other(c, 'a second cover letter for a series that already has one'))),
  ];
  return {
    source: { path: read.path, kind: read.kind, messages: read.messages.length },
    chosen,
    choice,
    series,
    orphanFollowUps,
    others,
    warnings: read.warnings,
  };
}

function other(c: Classified, reason: string): OtherMessage {
  return { subject: c.message.subject, messageId: c.message.messageId, position: c.message.position, reason };
}
