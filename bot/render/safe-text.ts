/**
 * Text from the input (subjects, author names, file names, locking.rst
 * lines, diff lines) is written by renderers only after passing through
 * here (issue 11 §5): a subject must not move a terminal's cursor, forge a
 * line of the report, close a code fence or mention someone on GitHub.
 *
 * - Controls: C0 (but tab), DEL, C1, and the Unicode bidirectional
 *   overrides and isolates ("Trojan Source", CVE-2021-42574) are written as
 *   visible escapes (`\x1b`, `\u202e`). Newlines are escaped too: no input
 *   string legitimately holds one, and one would forge a report line.
 * - Markdown: remark escapes the syntax; mentions (`@user`) and issue
 *   references (`#123`) get a zero-width space after the sigil, which
 *   GitHub does not link while the text reads the same.
 * - SARIF: message text treats `[text](id)` as a link to a location, so
 *   brackets are escaped with a backslash (SARIF 2.1.0 §3.11.6).
 */

// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Controls and bidi overrides as visible escapes; everything else unchanged. */
export function escapeControls(s: string): string {
  return s.replace(CONTROLS, visible);
}

const ZWSP = '\u200b';

/** `@user`, `@org/team` and `#123` made inert for GitHub; the reader sees the same text. */
export function inertMentions(s: string): string {
  return s.replace(/(^|[^\w`])([@#])(?=[\w-])/g, `$1$2${ZWSP}`);
}

/** SARIF plain-text messages: controls escaped, brackets that would form an embedded link escaped, mentions inert. */
export function sarifText(s: string): string {
  return inertMentions(escapeControls(s).replace(/[[\]\\]/g, (c) => `\\${c}`));
}

/** A deep copy of `value` with `fix` applied to every string in it (keys are left alone). */
export function mapStrings<T>(value: T, fix: (s: string) => string): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return fix(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}

/** The input with every string's controls escaped: what every non-JSON renderer starts from. */
export function safeInput<T>(value: T): T {
  return mapStrings(value, escapeControls);
}
