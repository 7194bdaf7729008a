/**
 * Markdown cut to a size limit (GitHub's on a check run's summary) at a
 * place that leaves it whole: at the end of a line, never inside a code
 * block. A cut inside a ``` fence leaves it open, and GitHub renders the rest
 * of the page, the note saying it was cut included, as code.
 */

/** A fence opening or closing line: up to three spaces, then three or more ` or ~ (CommonMark). */
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/**
 * `text` if it fits in `max` characters; else its longest prefix that ends a
 * line outside any code block, then `note`, together within `max`. When a
 * block is open at the limit the cut goes before its opening line; a block
 * that opens the text is closed instead (nothing would be left before it).
 */
export function cutMarkdown(text: string, max: number, note: string): string {
  if (text.length <= max) return text;
  const budget = max - note.length;
  let open: { mark: string; start: number } | null = null;
  // The last cut outside a block: the end of a line (just past its newline).
  let safe = 0;
  let at = 0;
  while (at < text.length) {
    const nl = text.indexOf('\n', at);
    const end = nl < 0 ? text.length : nl + 1;
    if (end > budget) break;
    const m = FENCE.exec(text.slice(at, nl < 0 ? text.length : nl));
    if (m) {
      const mark = m[1] as string;
      if (!open) open = { mark, start: at };
      // A closing fence: the same character, at least as long, nothing after it.
      else if (mark[0] === open.mark[0] && mark.length >= open.mark.length && !(m[2] ?? '').trim()) open = null;
    }
    at = end;
    if (!open) safe = at;
  }
  if (open && open.start === 0) {
    // The text opens with the block: close it after the last whole line that fits with the closing fence.
    const close = `${open.mark}\n`;
    const inside = text.lastIndexOf('\n', budget - close.length - 1) + 1;
    return inside > text.indexOf('\n') ? `${text.slice(0, inside)}${close}${note}` : note.trimStart();
  }
  // A single line longer than the limit: nothing ends a line before it, cut the line itself.
  return `${text.slice(0, safe > 0 ? safe : budget)}${note}`;
}
