/**
 * One patch message into a PatchEntry: the commit message, the author (an
 * in-body `From:` wins, as `git am` does), the parsed diff, and a status
 * with its reason. A patch is never dropped: what cannot be parsed says why.
 */
import { createHash } from 'node:crypto';
import { addressParser, decodeWords } from 'postal-mime';
import type { Person, SourceMessage } from '../sources/model.js';
import { formatBytes } from '../sources/text.js';
import { isIndexedPath } from '../index/files.js';
import type { FileDiff } from './diff-model.js';
import { parseSection } from './diff-parse.js';
import { scanDiff, type DiffScan } from './diff-sections.js';
import type { PatchEntry, SubjectInfo } from './model.js';
import { slotOf } from './subject.js';

/**
 * 16 MiB. parse-diff holds about 4.5 bytes of heap per byte of diff (an 8 MB
 * generated header took 37 MB, in 0.1 s); a patch past this size is generated
 * data (register tables, firmware) with no locking to review.
 */
export const DEFAULT_MAX_PATCH_BYTES = 16 * 1024 * 1024;

/** The document a doc patch is reviewed against (knowledge/doc/load.ts LOCKING_RST, spelled with `/`). */
const LOCKING_RST_PATH = 'Documentation/virt/kvm/locking.rst';

/** Builds the entry for `message`, whose subject says `info`. */
export function buildPatch(message: SourceMessage, info: SubjectInfo, maxPatchBytes = DEFAULT_MAX_PATCH_BYTES): PatchEntry {
  const entry: PatchEntry = {
    index: slotOf(info),
    subject: message.subject,
    title: info.title || message.subject,
    messageId: message.messageId,
    author: message.from,
    sender: message.from,
    date: message.date,
    status: 'ok',
    reason: null,
    description: '',
    files: [],
    patchId: null,
    position: message.position,
    warnings: [...message.problems],
  };
  if (message.flowed) entry.warnings.push('sent as format=flowed: lines ending in a space were joined and leading spaces may be lost, so the diff may be damaged');
  if (message.body.length > maxPatchBytes) {
    return fail(entry, 'skipped', `the body is ${formatBytes(message.body.length)}, over the ${formatBytes(maxPatchBytes)} patch limit (maxPatchBytes): not parsed`);
  }
  let scan = scanDiff(message.body);
  let inAttachment = false;
  const block = inBodyHeaders(scan);
  readAuthor(scan, block, entry);
  entry.description = scan.lines.slice(block?.[1] ?? 0, scan.descriptionEnd).join('\n').trim();
  if (scan.sections.length === 0) {
    const attached = message.attachments.map((a) => ({ a, scan: scanDiff(a.text) })).find((x) => x.scan.sections.length > 0);
    if (!attached) return fail(entry, 'failed', 'no diff in the message: it is truncated, or the patch is not in a text part');
    entry.warnings.push(`the diff is in the attachment ${attached.a.filename ?? attached.a.mimeType}; its body lines are the attachment's`);
    scan = attached.scan;
    inAttachment = true;
  }
  const files: FileDiff[] = [];
  const problems: string[] = [];
  for (const section of scan.sections) {
    const parsed = parseSection(scan.lines, section);
    // Attachment lines are not the file's lines, so only body problems get a file:line.
    if ('message' in parsed) problems.push(`${parsed.message}${inAttachment ? '' : fileLine(message, parsed.line)}`);
    else files.push(parsed);
  }
  if (problems.length > 0) return fail(entry, 'failed', problems.join('; '));
  entry.patchId = patchId(files);
  for (const f of files) {
    if (f.spelledAs) entry.warnings.push(`the diff spells ${f.spelledAs.map((p) => `'${p}'`).join(' and ')} for ${f.path}; read as ${f.path}`);
  }
  const binary = files.filter((f) => f.isBinary);
  // A binary change to a file the analysis reads hides code from the review: said, never skipped in silence.
  const hidden = binary.filter((f) => [f.oldPath, f.newPath].some((p) => p !== null && isReviewedPath(p)));
  for (const f of hidden) f.unreviewable = `a binary change to ${f.path}, a file the analysis reads: its content is not in the mail, so its locking cannot be reviewed`;
  const hiddenReason = `cannot be reviewed: binary change to ${hidden.map((f) => f.path).join(', ')} (the analysis reads ${hidden.length > 1 ? 'these files' : 'this file'}, the mail does not carry the text)`;
  for (const f of hidden) entry.warnings.push(f.unreviewable ?? '');
  entry.files = files;
  if (binary.length === files.length) {
    if (hidden.length > 0) return fail(entry, 'skipped', hiddenReason);
    return fail(entry, 'skipped', `only binary changes (${binary.map((f) => f.path).join(', ')}): nothing to review`);
  }
  // Reviewed, partly: the reason says which part was not (the review carries it onto the patch).
  if (hidden.length > 0) entry.reason = `${hiddenReason}; the rest was reviewed`;
  return entry;
}

/** Files whose change the review reads: the indexed C files and locking.rst. */
function isReviewedPath(path: string): boolean {
  return isIndexedPath(path) || path === LOCKING_RST_PATH;
}

function fail(entry: PatchEntry, status: 'skipped' | 'failed', reason: string): PatchEntry {
  return { ...entry, status, reason, ...(status === 'failed' ? { files: [] } : {}) };
}

/** ` (file:line)` when body lines map onto file lines, else empty. */
function fileLine(message: SourceMessage, bodyLine: number): string {
  const first = message.position.bodyLine;
  return first === undefined ? '' : ` (${message.position.file}:${first + bodyLine - 1})`;
}

/**
 * The in-body header block (`From:`, `Date:`, `Subject:` lines, then an empty
 * line) as [start, end) line indexes, or null. git am reads it at the top of
 * the body; stable review mails put it after their own preamble, so any
 * such block before the description's end counts, the first one wins.
 */
function inBodyHeaders(scan: DiffScan): [number, number] | null {
  for (let i = 0; i < scan.descriptionEnd; i++) {
    if (!/^From: .*@/.test(scan.lines[i] ?? '') || (i > 0 && scan.lines[i - 1] !== '')) continue;
    let end = i + 1;
    while (end < scan.descriptionEnd && /^(?:Date|Subject): /.test(scan.lines[end] ?? '')) end++;
    if (scan.lines[end] === '') return [i, end];
  }
  return null;
}

/** An in-body `From:` makes its person the author (`git send-email` of someone else's commit, stable backports). */
function readAuthor(scan: DiffScan, block: [number, number] | null, entry: PatchEntry): void {
  const from = block === null ? undefined : scan.lines[block[0]];
  if (!from) return;
  const box = addressParser(decodeWords(from.slice(6)), { flatten: true })[0];
  if (box?.address) entry.author = { name: box.name, email: box.address.toLowerCase() } satisfies Person;
}

/**
 * git patch-id in spirit: the changed lines with white space removed and
 * no line numbers, per path. A rebase or a v2 that keeps the change keeps it.
 */
function patchId(files: FileDiff[]): string {
  const hash = createHash('sha1');
  for (const f of files) {
    hash.update(`${f.oldPath ?? ''}\0${f.newPath ?? ''}\0`);
    for (const h of f.hunks) for (const l of h.lines) if (l.type !== 'normal') hash.update(`${l.type}${l.content.replace(/\s+/g, '')}\n`);
  }
  return hash.digest('hex');
}
