/**
 * Lockdep reports read out of any text: a console log, a bug mail, a
 * whole mbox thread. Each report is parsed into its locks, its dependency
 * chain and its stacks; the same report pasted twice (quoted in a reply,
 * pasted again with other timestamps) is read once.
 */
import type { ChainEntry, Frame, LockLine, SplatKind, SplatReport } from './model.js';
import { logicalLines, type LogicalLine } from './normalize.js';

/** The header line of each report kind lockdep prints. */
const HEADERS: { kind: SplatKind; re: RegExp }[] = [
  // Kernels before 4.10 print "[ INFO: possible circular locking dependency detected ]".
  { kind: 'circular', re: /(?:WARNING|INFO): possible circular locking dependency detected/ },
  { kind: 'recursive', re: /(?:WARNING|INFO): possible recursive locking detected/ },
  { kind: 'inconsistent', re: /(?:WARNING|INFO): inconsistent lock state/ },
  { kind: 'suspicious-rcu', re: /(?:WARNING|INFO): suspicious RCU usage/ },
  { kind: 'max-lock-depth', re: /BUG: MAX_LOCK_DEPTH too low!/ },
];

/** A frame line: `fn+0x1f/0xc0 [kvm]`, optionally `? ` (an unreliable frame, left out). */
const FRAME = /^(\? )?([A-Za-z_$][\w.$]*)\+0x[0-9a-f]+\/0x[0-9a-f]+(?:\s+\[([\w-]+)\])?$/;
/** A lock line: optional address, `(name){usage}-{outer:inner}`, optional `, at: fn+off/size`. */
const LOCK = /^(?:#\d+:\s*)?(?:([0-9a-f]{8,16})\s+)?\((.+)\)\{([^{}]*)\}(?:-\{(?:(\d+):(\d+)|[^{}]*)\})?(?:,?\s*at:\s*([\w.$]+)(?:\+0x[0-9a-f]+\/0x[0-9a-f]+)?)?/;

/**
 * Lines a lockdep report prints besides locks and frames. A line that is
 * none of these, and not followed at once by one, ends the report: the
 * mail goes on in prose after it.
 */
const REPORT_LINES: RegExp[] = [
  /^[=-]{4,}$/,
  /^\d+\.\d+\S*\s+#\d+/, // "6.2.0-rc7+ #19 Not tainted"
  /is trying to acquire lock:$/,
  /^but task is already holding lock:$/,
  /^which lock already depends on the new lock\.$/,
  /^the existing dependency chain \(in reverse order\) is:$/,
  /^other info that might help us debug this:$/,
  /^Chain exists of:/,
  / --> /,
  /^Possible (?:unsafe locking scenario|interrupt unsafe locking scenario):?$/,
  /^CPU\d+(?:\s+CPU\d+)*$/,
  /^-{4}(?:\s+-{4})*$/,
  /^(?:lock|srcu_read_lock|sync|rlock|<Interrupt>)\b/,
  /^\*\*\* DEADLOCK \*\*\*$/,
  /^May be due to missing lock nesting notation$/,
  /^(?:\d+|no) locks? held by /,
  /^-> #\d+ /,
  /^stack backtrace:$/,
  /^(?:CPU: \d+ PID:|Hardware name:|Call [Tt]race:|Workqueue:|Modules linked in:|RIP:|Code:|R[A-Z0-9]{1,3}:|<\/?(?:TASK|IRQ)>)/,
  /^0x[0-9a-f]+$/,
  /^(?:[0-9a-f]{8,16}\s*)+$/, // the raw stack words old kernels print before "Call Trace:"
  /^turning off the locking correctness validator\.$/,
  /^depth: \d+\s+max: \d+!$/,
  /^INFO: lockdep is turned off\.$/,
  /^inconsistent \{[^}]*\} -> \{[^}]*\} usage\.$/,
  /takes:$/,
  /state was registered at:$/,
  /^irq event stamp:/,
  /^(?:hard|soft)irqs (?:last|enabled|disabled)/,
  /^suspicious RCU usage\.$|^\S+:\d+ .*!$|^rcu_scheduler_active = |^RCU used illegally|^\d+ lock held by/,
  // Where the mail's author cut lines out: "[...]", "[ ... ]", "...", "<snip>", "[snip]", "--- snip ---".
  /^(?:\[\s*\.{2,}\s*\]|\.{3,}|<\s*\.{3}\s*>|[[<(]\s*snip(?:ped)?\s*[\]>)]|-+\s*snip\s*-+|\[\s*\.{3}\s*snip\s*\.{3}\s*\])$/i,
];

/**
 * Headers of the lockdep reports kvm-review does not read: they are told
 * (a note, or the input error) rather than passed over in silence.
 */
const OTHER_HEADERS: RegExp[] = [
  /(?:WARNING|INFO): (?:HARDIRQ|SOFTIRQ)-safe -> (?:HARDIRQ|SOFTIRQ)-unsafe lock order detected/,
  /(?:WARNING|INFO): possible irq lock inversion dependency detected/,
  /(?:WARNING|BUG): bad unlock balance detected!/,
  /(?:WARNING|BUG): held lock freed!/,
  /(?:WARNING|BUG): lock held when returning to user space!/,
  /WARNING: Nested lock was not taken/,
  /WARNING: bad contention detected!/,
  /WARNING: lock held while (?:releasing|freeing)/,
  /BUG: Invalid wait context/,
  /BUG: sleeping function called from invalid context/,
];

/** The header of a lockdep report kvm-review does not read, as printed from its WARNING/BUG. */
function otherHeader(t: string): string | null {
  for (const re of OTHER_HEADERS) {
    const m = re.exec(t);
    if (m) return m[0];
  }
  return null;
}

function isReportLine(t: string): boolean {
  return FRAME.test(t) || LOCK.test(t) || REPORT_LINES.some((re) => re.test(t));
}

function headerKind(t: string): SplatKind | null {
  return HEADERS.find((h) => h.re.test(t))?.kind ?? null;
}

/** Function name without a compiler suffix: `el0_svc_common.constprop.0` is el0_svc_common. */
function bareName(name: string): string {
  return name.replace(/\..*$/, '');
}

function frameOf(t: string): Frame | null | undefined {
  const m = FRAME.exec(t);
  if (!m) return undefined;
  if (m[1]) return null;
  return { function: bareName(m[2] ?? ''), module: m[3] ?? null };
}

function lockOf(t: string | undefined): LockLine | null {
  const m = t === undefined ? null : LOCK.exec(t.trim());
  if (!m) return null;
  const [, address, name = '', usage = '', outer, inner, at] = m;
  const wait = outer !== undefined && inner !== undefined ? { outer: Number(outer), inner: Number(inner) } : null;
  return { lockdep: name.trim(), at: at ? bareName(at) : null, notation: { address: address ?? null, usage, wait } };
}

/** Frames from lines[i] on, until a line that is not a frame (`? ` frames and bare addresses skipped). */
function framesFrom(lines: string[], i: number): { frames: Frame[]; next: number } {
  const frames: Frame[] = [];
  let j = i;
  for (; j < lines.length; j++) {
    const t = lines[j] as string;
    if (/^0x[0-9a-f]+$/.test(t)) continue;
    const f = frameOf(t);
    if (f === undefined) break;
    if (f) frames.push(f);
  }
  return { frames, next: j };
}

/** Where a report that starts at `start` ends (exclusive). */
function reportEnd(lines: string[], start: number): number {
  for (let i = start + 1; i < lines.length; i++) {
    const t = lines[i] as string;
    if (headerKind(t) || otherHeader(t)) {
      // The next report's "=====" banner is not part of this one.
      let end = i;
      while (end - 1 > start && /^(?:[=-]{4,})?$/.test(lines[end - 1] as string)) end--;
      return end;
    }
    if (t === '' || isReportLine(t)) continue;
    // One foreign line inside the report (the wrapped tail of "Hardware name:") is kept when a report line follows at once.
    const next = lines[i + 1];
    if (next !== undefined && next !== '' && isReportLine(next) && !/^[=-]{4,}$/.test(next)) continue;
    return i;
  }
  return lines.length;
}

function parseReport(kind: SplatKind, lines: string[]): Omit<SplatReport, 'where' | 'text'> {
  const report: Omit<SplatReport, 'where' | 'text'> = { kind, title: lines[0] ?? '', acquiring: null, held: null, chain: [], heldLocks: [], backtrace: [] };
  for (let i = 1; i < lines.length; i++) {
    const t = lines[i] as string;
    if (/is trying to acquire lock:$/.test(t) || /takes:$/.test(t)) {
      report.acquiring ??= lockOf(lines[i + 1]);
    } else if (/^but task is already holding lock:$/.test(t)) {
      report.held ??= lockOf(lines[i + 1]);
    } else if (/^-> #\d+ /.test(t)) {
      const m = /^-> #(\d+) \((.+)\)\{[^{}]*\}/.exec(t);
      if (!m) continue;
      const { frames, next } = framesFrom(lines, i + 1);
      const entry: ChainEntry = { n: Number(m[1]), lockdep: (m[2] ?? '').trim(), frames };
      report.chain.push(entry);
      i = next - 1;
    } else if (/^(?:\d+|no) locks? held by /.test(t)) {
      for (let j = i + 1; j < lines.length && /^#\d+:/.test(lines[j] as string); j++) {
        const l = lockOf(lines[j]);
        if (l) report.heldLocks.push(l);
        i = j;
      }
    } else if (/^(?:stack backtrace:|Call [Tt]race:)$/.test(t) && report.backtrace.length === 0) {
      let j = i + 1;
      while (j < lines.length && !frameOf(lines[j] as string) && !/^\? /.test(lines[j] as string) && j < i + 6) j++;
      const { frames, next } = framesFrom(lines, j);
      if (frames.length) {
        report.backtrace = frames;
        i = next - 1;
      }
    }
  }
  return report;
}

/** A lockdep report in the input that kvm-review does not read: told, not placed. */
export interface UnreadReport {
  /** The header as printed ("WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected"). */
  title: string;
  /** Why it is not read. */
  why: string;
  where: { message: number; subject: string | null; line: number };
  /** The normalised text, for telling two copies apart. */
  text: string;
}

/** Every lockdep report in one text, in order, and the ones kvm-review does not read. */
export function scanText(
  text: string,
  message = 0,
  subject: string | null = null,
  messageId: string | null = null,
): { reports: SplatReport[]; unread: UnreadReport[] } {
  const logical: LogicalLine[] = logicalLines(text);
  // Kernels before 4.11 print a frame's address before it: "[<ffffffffa0391234>] vcpu_load+0x24/0xd0 [kvm]".
  const lines = logical.map((l) => l.text.replace(/\[<[0-9a-f]+>\]\s*/g, '').trim().replace(/\s+/g, ' '));
  const out: SplatReport[] = [];
  const unread: UnreadReport[] = [];
  for (let i = 0; i < lines.length; i++) {
    const kind = headerKind(lines[i] as string);
    const other = kind ? null : otherHeader(lines[i] as string);
    if (!kind && !other) continue;
    const end = reportEnd(lines, i);
    const body = lines.slice(i, end);
    const text = body.filter((l) => l !== '').join('\n');
    const where = { message, subject, line: logical[i]?.line ?? 0 };
    if (other) {
      unread.push({ title: other, why: 'kvm-review reads circular, recursive, inconsistent-state, SRCU and MAX_LOCK_DEPTH reports only', where, text });
    } else if (kind === 'suspicious-rcu' && !/srcu/i.test(body.join('\n'))) {
      // An RCU splat matters here only when it is about SRCU (kvm->srcu, irq_srcu).
      unread.push({ title: 'WARNING: suspicious RCU usage', why: 'it is not about SRCU (kvm-review reads RCU splats about kvm->srcu and other SRCU structs only)', where, text });
    } else if (kind) {
      out.push({ ...parseReport(kind, body), where: { ...where, messageId }, text });
    }
    i = end - 1;
  }
  return { reports: out, unread };
}

/** Every lockdep report in one text, in order. `message` and `subject` say where the text came from. */
export function reportsInText(text: string, message = 0, subject: string | null = null, messageId: string | null = null): SplatReport[] {
  return scanText(text, message, subject, messageId).reports;
}

/** Reports of several texts (the messages of a thread), each distinct report once, first place kept; and the distinct ones not read. */
export function distinctScan(texts: { text: string; message: number; subject: string | null; messageId?: string | null }[]): { reports: SplatReport[]; unread: UnreadReport[] } {
  const seen = new Set<string>();
  const reports: SplatReport[] = [];
  const unread: UnreadReport[] = [];
  for (const t of texts) {
    const scanned = scanText(t.text, t.message, t.subject, t.messageId ?? null);
    for (const r of [...scanned.reports, ...scanned.unread]) {
      // Line breaks are not part of the identity: a reply may wrap (or unwrap) lines the original did not.
      // A report not read is told once per header and place (a reply quotes part of it, or wraps its lines into the prose).
      const key = ('kind' in r ? r.text : `unread ${r.title}${/ at (\S+:\d+)/.exec(r.text.split('\n')[0] ?? '')?.[1] ?? ''}`).replace(/\s+/g, ' ');
      if (seen.has(key)) continue;
      seen.add(key);
      if ('kind' in r) reports.push(r);
      else unread.push(r);
    }
  }
  return { reports, unread };
}

/** Reports of several texts (the messages of a thread), each distinct report once, first place kept. */
export function distinctReports(texts: { text: string; message: number; subject: string | null; messageId?: string | null }[]): SplatReport[] {
  return distinctScan(texts).reports;
}
