/**
 * Console text as lockdep printed it, out of whatever carried it: mail
 * quoting (`> `, `> > `), syslog and journal prefixes (`Dec  4 12:00:01 host
 * kernel: `, `kernel: `), printk levels (`<4>`), `dmesg -x` facilities
 * (`kern  :warn  : `), printk timestamps (`[  921.010489]`, `[ T123]`,
 * `dmesg -T`'s `[Fri Dec  4 12:00:01 2026]`) and lines a mailer or terminal
 * wrapped.
 */

/** One logical line: the text lockdep printed, and the 1-based input line it starts on. */
export interface LogicalLine {
  text: string;
  line: number;
}

const QUOTE = /^(?:[\s\u00a0]*>)+[ \t\u00a0]?/;
/** syslog/journalctl (`Dec  4 12:00:01 host kernel: `, `2026-12-04T12:00:01.123+00:00 host kernel: `) or a bare `kernel: `. */
const SYSLOG = /^(?:(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?) \S+ )?kernel: ?/;
/** A printk level (`dmesg -r`, /dev/kmsg) and `dmesg -x`'s facility and level. */
const LEVEL = /^<\d>|^(?:kern|user|daemon|syslog)\s*:\s*(?:emerg|alert|crit|err|warn|notice|info|debug)\s*: /;
/** printk time and caller (`[  921.010489]`, `[  921.010489][ T123]`, `[ T123]`), or `dmesg -T`'s wall-clock time. */
const STAMP = /^\[\s*\d+\.\d+\](?:\s?\[\s*[TC]\d+\])?\s?|^\[\s*[TC]\d+\]\s?|^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\]\s?/;

/** The line without what carried it (syslog prefix, level, time); `stamped` when it had any. */
function unstamp(t: string): { text: string; stamped: boolean } {
  let out = t;
  let stamped = false;
  for (const re of [SYSLOG, LEVEL, STAMP]) {
    if (!re.test(out)) continue;
    out = out.replace(re, '');
    stamped = true;
  }
  return { text: out, stamped };
}
/** A lock line cut after its class: `...(&kvm->lock){+.+.}-{3:3},` or `..., at:` with the function on the next line. */
const CUT_LOCK = /\)\{[^{}]*\}(?:-\{[^{}]*\})?,?(?:\s*at:)?\s*$/;
/** What may follow a cut lock line: `at: fn+0x1/0x2` or `fn+0x1/0x2`. */
const LOCK_TAIL = /^(?:at:\s*)?[\w.$]+\+0x[0-9a-f]+\/0x[0-9a-f]+/;

/**
 * Strips quoting, syslog prefixes, levels and timestamps and joins wrapped lines. A line without a
 * timestamp right after a timestamped one is the rest of that line (the
 * mailer wrapped it); a lock line cut after its class is joined with its
 * `at:`.
 */
export function logicalLines(text: string): LogicalLine[] {
  const out: (LogicalLine & { stamped: boolean; depth: number })[] = [];
  text.replace(/\r\n?/g, '\n').split('\n').forEach((raw, i) => {
    // Quote depth: a wrapped line continues only a line quoted as deeply ("> > Thanks," ends a "> " log).
    const depth = (QUOTE.exec(raw)?.[0].match(/>/g) ?? []).length;
    const unquoted = unstamp(raw.replace(QUOTE, ''));
    const stamped = unquoted.stamped;
    const t = unquoted.text.replace(/\s+$/, '');
    const prev = out[out.length - 1]?.depth === depth ? out[out.length - 1] : undefined;
    if (prev && !stamped && prev.stamped && t.trim() !== '') {
      prev.text = join(prev.text, t);
      return;
    }
    if (prev && CUT_LOCK.test(prev.text) && LOCK_TAIL.test(t.trim())) {
      prev.text = join(prev.text, t.trim().startsWith('at:') || /at:\s*$/.test(prev.text) ? t : `at: ${t.trim()}`);
      return;
    }
    out.push({ text: t, line: i + 1, stamped, depth });
  });
  return out.map(({ text: t, line }) => ({ text: t, line }));
}

function join(a: string, b: string): string {
  if (a.trim() === '') return b;
  return `${a.replace(/\s+$/, '')} ${b.trim()}`;
}
