/**
 * One patch message into a PatchEntry: the commit message, the author (an
 * in-body `From:` wins, as `git am` does), the parsed diff, and a status
 * with its reason. A patch is never dropped: what cannot be parsed says why.
 */
import { createHash } from 'node:crypto';
import { addressParser, decodeWords } from 'postal-mime';
import type { Person, SourceMessage, TextAttachment } from '../sources/model.js';
import { formatBytes } from '../sources/text.js';
import { counted } from '../counted.js';
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
  const body = scanDiff(message.body);
  const block = inBodyHeaders(body);
  readAuthor(body, block, entry);
  entry.description = body.lines.slice(block?.[1] ?? 0, body.descriptionEnd).join('\n').trim();
  const joined = flowedDamage(message, body);
  if (joined !== null) return fail(entry, 'failed', joined);
  const parts = diffParts(body, message.attachments, entry.warnings);
  if (parts.length === 0) return fail(entry, 'failed', 'no diff in the message: it is truncated, or the patch is not in a text part');
  const files: FileDiff[] = [];
  const problems: string[] = [];
  for (const part of parts) {
    for (const section of part.scan.sections) {
      const parsed = parseSection(part.scan.lines, section);
      if ('message' in parsed) problems.push(`${parsed.message}${place(message, parsed.line, part.attachment)}`);
      else files.push(parsed);
    }
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
  // A file whose mode alone changes has the same text after: the review has nothing of it to read.
  const modes = files.filter(isModeOnly);
  if (binary.length + modes.length === files.length) {
    if (hidden.length > 0) return fail(entry, 'skipped', hiddenReason);
    const what = modes.length === 0 ? 'binary' : binary.length === 0 ? 'mode' : 'binary and mode';
    const names = [...binary.map((f) => f.path), ...modes.map((f) => `${f.path} ${f.oldMode} -> ${f.newMode}`)];
    return fail(entry, 'skipped', `only ${what} changes (${names.join(', ')}): nothing to review`);
  }
  // Reviewed, partly: the reason says which part was not (the review carries it onto the patch).
  if (hidden.length > 0) entry.reason = `${hiddenReason}; the rest was reviewed`;
  return entry;
}

/** A line that means something to the diff reader on its own: a diff line, a hunk or file header, the signature, an empty line. */
const DIFF_STRUCTURE = /^(?:$|[-+ @\\]|diff --git |index [0-9a-f]+\.\.|Binary files |GIT binary patch$)/;

/**
 * Why a flowed mail's diff cannot be trusted, or null. Unflowing joins a line that ends in a space with
 * the next line of the mail. A long line the sender wrapped at a space comes back whole (git am unflows
 * too), but a diff line that ended in a space swallows what follows it: a diff line, whose hunk then
 * comes up short, or a hunk header, whose hunk is lost without a trace when the line before it ended a
 * hunk. A join that took in such a line is damage, said with the body line.
 */
function flowedDamage(message: SourceMessage, body: DiffScan): string | null {
  const damaged = (message.flowedJoins ?? []).filter((j) => j.line - 1 >= body.descriptionEnd && j.continuations.some((c) => DIFF_STRUCTURE.test(c)));
  const first = damaged[0];
  if (!first) return null;
  const what = first.continuations.find((c) => DIFF_STRUCTURE.test(c)) ?? '';
  const shown = what === '' ? 'an empty line' : `${what.length > 100 ? `${what.slice(0, 100)}...` : what}`;
  const more = damaged.length > 1 ? `, and ${counted(damaged.length - 1, 'other line')} of the diff likewise` : '';
  return `format=flowed decoding joined body line ${first.line} with the line after it in the mail (${shown})${more}, so the diff is damaged: a diff line that ends in a space reads as a soft line break; the patch needs sending again without format=flowed (git send-email)${place(message, first.line, null)}`;
}

/** A file diff that only changes the file's mode (`old mode` / `new mode`, no hunk, same path). */
function isModeOnly(f: FileDiff): boolean {
  const plain = !f.isBinary && !f.isNew && !f.isDeleted && !f.isRenamed && !f.isCopied;
  return plain && f.hunks.length === 0 && f.oldMode !== undefined && f.newMode !== undefined && f.oldMode !== f.newMode;
}

/** Files whose change the review reads: the indexed C files and locking.rst. */
export function isReviewedPath(path: string): boolean {
  return isIndexedPath(path) || path === LOCKING_RST_PATH;
}

function fail(entry: PatchEntry, status: 'skipped' | 'failed', reason: string): PatchEntry {
  return { ...entry, status, reason, ...(status === 'failed' ? { files: [] } : {}) };
}

/**
 * Where a diff problem is: ` (file:line)` when body lines are the file's lines, else the file and the
 * message (its number and first line), and the attachment whose lines the problem counts.
 */
function place(message: SourceMessage, line: number, attachment: TextAttachment | null): string {
  const { file, index, commit, line: start, bodyLine } = message.position;
  if (attachment === null && bodyLine !== undefined) return ` (${file}:${bodyLine + line - 1})`;
  // A decoded body (quoted-printable, base64, flowed, multipart) or an attachment: its lines are not the file's.
  const where = `${file}: message ${index}${commit ? ` (commit ${commit.slice(0, 12)})` : ''}, starting at line ${start}`;
  return attachment === null ? ` (${where})` : ` (${where}; lines of its attachment ${attachmentName(attachment)})`;
}

/** One part of a message that carries file diffs: the body, or a text attachment. */
interface DiffPart {
  scan: DiffScan;
  /** Null for the body. */
  attachment: TextAttachment | null;
}

/**
 * The parts of a message with file diffs, in order: the body, then each text attachment. A diff may
 * be spread over them (a mailer that attaches each file, or one file inline and one attached), and
 * reading only the first would drop the rest of the patch in silence. An attachment repeating a diff
 * already read (the patch inline and attached) is read once, with a warning.
 */
function diffParts(body: DiffScan, attachments: readonly TextAttachment[], warnings: string[]): DiffPart[] {
  const parts: DiffPart[] = body.sections.length > 0 ? [{ scan: body, attachment: null }] : [];
  const seen = new Set(parts.map((p) => diffText(p.scan)));
  for (const a of attachments) {
    const scan = scanDiff(a.text);
    if (scan.sections.length === 0) continue;
    const text = diffText(scan);
    if (seen.has(text)) {
      warnings.push(`the attachment ${attachmentName(a)} repeats a diff the message already carries; read once`);
      continue;
    }
    seen.add(text);
    parts.push({ scan, attachment: a });
  }
  const attached = parts.filter((p) => p.attachment !== null);
  for (const p of attached) {
    const which = parts.length > 1 ? 'part of the diff' : 'the diff';
    warnings.push(`${which} is in the attachment ${attachmentName(p.attachment as TextAttachment)}; its body lines are the attachment's`);
  }
  return parts;
}

/** The file diffs' lines of a scan, to tell a repeated diff. */
function diffText(scan: DiffScan): string {
  return scan.sections.map((s) => scan.lines.slice(s.start, s.end).join('\n')).join('\n');
}

function attachmentName(a: TextAttachment): string {
  return a.filename ?? a.mimeType;
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
