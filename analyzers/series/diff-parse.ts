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
import { messageOf } from '../sources/errors.js';
import { normaliseDiffPath, unquoteGitPath, unquoteIfQuoted } from './diff-path.js';
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
  let files: parseDiff.File[];
  try {
    files = parseDiff(text.join('\n'));
  } catch (e) {
    // parse-diff 0.12.0 throws on some shapes (a `\ No newline at end of file` first in a hunk): the patch fails, the run goes on.
    return { line: section.start + 1, message: `the diff at body line ${section.start + 1} could not be parsed (parse-diff: ${messageOf(e)})` };
  }
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

/** A path as the diff writes it (`as`), and as it names the file (`path`: C-quoting undone). */
interface Written {
  path: string;
  quoted: boolean;
  as: string;
}

/** The git extended header `name <value>` among `headers`, or undefined. */
function gitHeader(headers: string[], name: string): string | undefined {
  const line = headers.find((h) => h.startsWith(`${name} `));
  return line?.slice(name.length + 1);
}

/**
 * Which sides of the section git C-quoted (`--- "a/d\\303\\251mo.c"`): the `---`/`+++` lines
 * when there are some, else the `diff --git` line (a rename, mode or binary change has no others).
 * parse-diff drops the quotes but keeps the escapes inside, so only here can it be told.
 */
function quotedSides(headers: string[]): { old: boolean; new: boolean } {
  const minus = headers.find((h) => h.startsWith('--- '));
  const plus = headers.find((h) => h.startsWith('+++ '));
  const gitLine = headers.find((h) => h.startsWith('diff --git '));
  return {
    old: minus !== undefined ? minus.startsWith('--- "') : (gitLine?.startsWith('diff --git "') ?? false),
    new: plus !== undefined ? plus.startsWith('+++ "') : (gitLine?.endsWith('"') ?? false),
  };
}

function toFileDiff(file: parseDiff.File, headers: string[], hunks: Hunk[], bodyLine: number): FileDiff | SectionProblem {
  const quoted = quotedSides(headers);
  // parse-diff's from/to of a quoted side: the quotes gone, the escapes still in.
  const side = (p: string | undefined, isQuoted: boolean): Written | null =>
    p === undefined || p === '/dev/null' ? null : isQuoted ? { path: unquoteGitPath(p), quoted: true, as: p } : { path: p, quoted: false, as: p };
  // `rename from "x\ty"` is given whole, quotes and all.
  const header = (name: string): Written | undefined => {
    const value = gitHeader(headers, name);
    if (value === undefined) return undefined;
    const u = unquoteIfQuoted(value);
    return { path: u.path, quoted: u.quoted, as: value };
  };
  const renameFrom = header('rename from');
  const copyFrom = header('copy from');
  const writtenOld = renameFrom ?? copyFrom ?? side(file.from, quoted.old);
  const writtenNew = header('rename to') ?? header('copy to') ?? side(file.to, quoted.new);
  // Normalised here, so every consumer (apply, index match, attribution) sees one spelling.
  const spelled: string[] = [];
  const normal = (written: Written | null): string | null | SectionProblem => {
    if (written === null) return null;
    const n = normaliseDiffPath(written.path, { quoted: written.quoted });
    if ('refused' in n) return { line: bodyLine, message: `the diff at body line ${bodyLine} names the path '${written.as}', which is refused: ${n.refused}` };
    // git's quoting is not a misspelling: only a path that normalising changed is reported.
    if (n.path !== written.path && !spelled.includes(written.as)) spelled.push(written.as);
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
