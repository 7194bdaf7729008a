/**
 * Turns a mail body's file sections (diff-sections.ts) into FileDiffs with
 * parse-diff 0.12.0, one section at a time. parse-diff gives line numbers
 * and paths; what it leaves out is added here from the section's git
 * headers: rename/copy (it only shows different from/to), binary, modes,
 * similarity. Its `\ No newline at end of file` pseudo-change is dropped and
 * marked on the line before it.
 */
import parseDiff from 'parse-diff';
import type { DiffLine, FileDiff, Hunk } from './diff-model.js';
import { normaliseDiffPath } from './diff-path.js';
import { HUNK_HEADER, type DiffSection } from './diff-sections.js';

/** A section parse-diff could not map onto one file, with the 1-based body line. */
export interface SectionProblem {
  line: number;
  message: string;
}

/** Parses one section of `lines`. Returns the file, or why it cannot be trusted. */
export function parseSection(lines: string[], section: DiffSection): FileDiff | SectionProblem {
  if (section.problem) return section.problem;
  const text = lines.slice(section.start, section.end);
  const files = parseDiff(text.join('\n'));
  const file = files[0];
  if (files.length !== 1 || !file) {
    return { line: section.start + 1, message: `parse-diff read ${files.length} files in the diff at body line ${section.start + 1}, expected one` };
  }
  const firstHunk = text.findIndex((l) => HUNK_HEADER.test(l));
  const headers = firstHunk < 0 ? text : text.slice(0, firstHunk);
  const hunkLines = text.flatMap((l, i) => (HUNK_HEADER.test(l) ? [section.start + i + 1] : []));
  if (file.chunks.length !== hunkLines.length) {
    return { line: section.start + 1, message: `parse-diff read ${file.chunks.length} of the ${hunkLines.length} hunks at body line ${section.start + 1}` };
  }
  const hunks: Hunk[] = [];
  for (const [i, chunk] of file.chunks.entries()) {
    const hunk = toHunk(chunk, hunkLines[i] ?? section.start + 1);
    const olds = hunk.lines.filter((l) => l.type !== 'add').length;
    const news = hunk.lines.filter((l) => l.type !== 'del').length;
    if (olds !== hunk.oldLines || news !== hunk.newLines) {
      return { line: hunk.bodyLine, message: `the hunk at body line ${hunk.bodyLine} has ${olds}/${news} old/new lines, its header says ${hunk.oldLines}/${hunk.newLines}` };
    }
    hunks.push(hunk);
  }
  const diff = toFileDiff(file, headers, hunks, section.start + 1);
  if ('message' in diff) return diff;
  // A header with nothing after it is a cut mail, unless the header is the change.
  const headerOnly = diff.isBinary || diff.isRenamed || diff.isCopied || diff.isNew || diff.isDeleted || diff.oldMode !== diff.newMode;
  if (hunks.length === 0 && !headerOnly) {
    return { line: section.start + 1, message: `the diff of ${diff.path} at body line ${section.start + 1} has a header but no hunks` };
  }
  return diff;
}

/** One chunk with its changes as DiffLines. */
function toHunk(chunk: parseDiff.Chunk, bodyLine: number): Hunk {
  const lines: DiffLine[] = [];
  for (const change of chunk.changes) {
    if (change.content.startsWith('\\')) {
      // `\ No newline at end of file`: parse-diff repeats the previous change for it.
      const last = lines[lines.length - 1];
      if (last) last.noNewlineAtEnd = true;
      continue;
    }
    const content = change.content.slice(1);
    if (change.type === 'add') lines.push({ type: 'add', newLine: change.ln, content });
    else if (change.type === 'del') lines.push({ type: 'del', oldLine: change.ln, content });
    else lines.push({ type: 'normal', oldLine: change.ln1, newLine: change.ln2, content });
  }
  return {
    header: chunk.content,
    oldStart: chunk.oldStart,
    oldLines: chunk.oldLines,
    newStart: chunk.newStart,
    newLines: chunk.newLines,
    bodyLine,
    lines,
  };
}

/** The git extended header `name <value>` among `headers`, or undefined. */
function gitHeader(headers: string[], name: string): string | undefined {
  const line = headers.find((h) => h.startsWith(`${name} `));
  return line?.slice(name.length + 1);
}

function toFileDiff(file: parseDiff.File, headers: string[], hunks: Hunk[], bodyLine: number): FileDiff | SectionProblem {
  const path = (p: string | undefined): string | null => (p === undefined || p === '/dev/null' ? null : p);
  const renameFrom = gitHeader(headers, 'rename from');
  const copyFrom = gitHeader(headers, 'copy from');
  const writtenOld = renameFrom ?? copyFrom ?? path(file.from);
  const writtenNew = gitHeader(headers, 'rename to') ?? gitHeader(headers, 'copy to') ?? path(file.to);
  // Normalised here, so every consumer (apply, index match, attribution) sees one spelling.
  const spelled: string[] = [];
  const normal = (written: string | null): string | null | SectionProblem => {
    if (written === null) return null;
    const n = normaliseDiffPath(written);
    if ('refused' in n) return { line: bodyLine, message: `the diff at body line ${bodyLine} names the path '${written}', which is refused: ${n.refused}` };
    if (n.path !== written && !spelled.includes(written)) spelled.push(written);
    return n.path;
  };
  const oldPath = normal(writtenOld);
  if (oldPath !== null && typeof oldPath === 'object') return oldPath;
  const newPath = normal(writtenNew);
  if (newPath !== null && typeof newPath === 'object') return newPath;
  const isNew = file.new === true || (oldPath === null && newPath !== null);
  const isDeleted = file.deleted === true || (newPath === null && oldPath !== null);
  const isCopied = copyFrom !== undefined;
  const similarity = gitHeader(headers, 'similarity index');
  const oldMode = gitHeader(headers, 'old mode') ?? gitHeader(headers, 'deleted file mode') ?? modeOfIndex(headers);
  const newMode = gitHeader(headers, 'new mode') ?? gitHeader(headers, 'new file mode') ?? modeOfIndex(headers);
  return {
    oldPath: isNew ? null : oldPath,
    newPath: isDeleted ? null : newPath,
    path: (isDeleted ? oldPath : newPath) ?? oldPath ?? '(unknown)',
    isNew,
    isDeleted,
    isRenamed: renameFrom !== undefined || (!isCopied && !isNew && !isDeleted && oldPath !== null && newPath !== null && oldPath !== newPath),
    isCopied,
    isBinary: headers.some((h) => h === 'GIT binary patch' || /^Binary files .+ differ$/.test(h)),
    ...(oldMode === undefined || isNew ? {} : { oldMode }),
    ...(newMode === undefined || isDeleted ? {} : { newMode }),
    ...(similarity === undefined ? {} : { similarity: Number.parseInt(similarity, 10) }),
    additions: hunks.reduce((n, h) => n + h.lines.filter((l) => l.type === 'add').length, 0),
    deletions: hunks.reduce((n, h) => n + h.lines.filter((l) => l.type === 'del').length, 0),
    hunks,
    bodyLine,
    ...(spelled.length === 0 ? {} : { spelledAs: spelled }),
  };
}

/** The mode of `index abc..def 100644` (unchanged mode), if given. */
function modeOfIndex(headers: string[]): string | undefined {
  return /^index \S+ (\d+)$/.exec(headers.find((h) => h.startsWith('index ')) ?? '')?.[1];
}
