/**
 * The series stage: decoded mail in, series of parsed patches out. The
 * review calls readSeries(path | '-'); everything else here is its steps.
 *
 * 1. classify.ts      cover, patch, reply or other (subject.ts parses `[PATCH v2 3/7]`)
 * 2. group.ts         postings: one sender, one revision, one count
 * 3. assemble.ts      slots, missing patches, duplicates, flags
 *    patch.ts         one patch: description, author, diff, status
 *    diff-sections.ts file diffs in a body, hunk counts checked
 *    diff-parse.ts    parse-diff into FileDiff/Hunk/DiffLine
 * 4. threads.ts       replies to the slot they answer
 * 5. choose.ts        the newest complete series, said in one sentence
 * read-series.ts runs 1-5 on a source's messages.
 */
export type {
  CoverLetter,
  DiffLine,
  FileDiff,
  FollowUp,
  Hunk,
  OtherMessage,
  PatchEntry,
  PatchStatus,
  ReadSeriesOptions,
  Series,
  SeriesReadResult,
  SourceSummary,
  SubjectInfo,
} from './model.js';
export { readSeries, assemble } from './read-series.js';
export { parseSubject } from './subject.js';
export { DEFAULT_MAX_PATCH_BYTES } from './patch.js';
export { isSourceError, SourceError, type SourceErrorCode } from '../sources/errors.js';
export type { Person, SourceKind, SourcePosition, SourceWarning } from '../sources/model.js';
export type { SourceOptions } from '../sources/input.js';
