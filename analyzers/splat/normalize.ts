/**
 * Console text as lockdep printed it, out of whatever carried it: mail
 * quoting (`> `, `> > `), printk timestamps (`[  921.010489]`, `[ T123]`)
 * and lines a mailer or terminal wrapped.
 */

/** One logical line: the text lockdep printed, and the 1-based input line it starts on. */
export interface LogicalLine {
  text: string;
  line: number;
}

const QUOTE = /^(?:[\s\u00a0]*>)+[ \t\u00a0]?/;
const STAMP = /^\[\s*\d+\.\d+\](?:\[\s*[TC]\d+\])?\s?|^\[\s*[TC]\d+\]\s?/;
/** A lock line cut after its class: `...(&kvm->lock){+.+.}-{3:3},` or `..., at:` with the function on the next line. */
const CUT_LOCK = /\)\{[^{}]*\}(?:-\{[^{}]*\})?,?(?:\s*at:)?\s*$/;
/** What may follow a cut lock line: `at: fn+0x1/0x2` or `fn+0x1/0x2`. */
const LOCK_TAIL = /^(?:at:\s*)?[\w.$]+\+0x[0-9a-f]+\/0x[0-9a-f]+/;

/**
 * Strips quoting and timestamps and joins wrapped lines. A line without a
 * timestamp right after a timestamped one is the rest of that line (the
 * mailer wrapped it); a lock line cut after its class is joined with its
 * `at:`.
 */
export function logicalLines(text: string): LogicalLine[] {
  const out: (LogicalLine & { stamped: boolean; depth: number })[] = [];
  text.replace(/\r\n?/g, '\n').split('\n').forEach((raw, i) => {
    // Quote depth: a wrapped line continues only a line quoted as deeply ("> > Thanks," ends a "> " log).
    const depth = (QUOTE.exec(raw)?.[0].match(/>/g) ?? []).length;
    let t = raw.replace(QUOTE, '');
    const stamped = STAMP.test(t);
    if (stamped) t = t.replace(STAMP, '');
    t = t.replace(/\s+$/, '');
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
