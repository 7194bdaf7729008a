/**
 * Where format=flowed decoding joined lines. postal-mime unflows a flowed
 * part (RFC 3676) and says nothing of what it joined; a diff line that ended
 * in a space is joined with the next line of the mail, which may be a hunk
 * header, and that hunk then vanishes without a word. The reader reads the
 * message again with flowed decoding off and redoes the unflowing here,
 * keeping, for each body line built from several mail lines, what was joined
 * (the mail lines' text after their quote marks).
 */
import PostalMime from 'postal-mime';

/** One body line that flowed decoding built from several lines of the mail. */
export interface FlowedJoin {
  /** 1-based line of the decoded body. */
  line: number;
  /** The mail lines joined onto it, in order, unstuffed (the first line of it not included). */
  continuations: string[];
}

/**
 * The joins of `raw`, a message whose text is `decoded` once unflowed; undefined when they cannot be
 * told (the redone unflowing differs from postal-mime's, as when only one of several text parts is
 * flowed).
 */
export async function flowedJoins(raw: Buffer, decoded: string): Promise<FlowedJoin[] | undefined> {
  const text = raw.toString('latin1');
  let delSp = false;
  // Flowed decoding off in every Content-Type (the message's and its parts'): the text as sent, still stuffed.
  const fixed = text.replace(/^content-type:[^\n]*(?:\n[ \t][^\n]*)*/gim, (header) => {
    if (/delsp\s*=\s*"?yes/i.test(header)) delSp = true;
    return header.replace(/format\s*=\s*"?flowed"?/gi, 'format=fixed');
  });
  let sent: string;
  try {
    sent = ((await PostalMime.parse(Buffer.from(fixed, 'latin1'))).text ?? '').replace(/\r\n?/g, '\n');
  } catch {
    return undefined;
  }
  const redone = unflow(sent, delSp);
  return redone.text === decoded ? redone.joins : undefined;
}

/**
 * RFC 3676 unflowing as postal-mime does it: a line ending in a space (not `-- `) is joined with
 * the next line of the same quote depth; a joined line loses its quote marks and the space after
 * them, a line starting a paragraph keeps them (unstuffed when unquoted). The joins are kept.
 */
export function unflow(sent: string, delSp: boolean): { text: string; joins: FlowedJoin[] } {
  const out: string[] = [];
  const joins: FlowedJoin[] = [];
  let current: string | undefined;
  let join: FlowedJoin | undefined;
  let flowed = false;
  let depth = 0;
  for (const line of sent.split('\n')) {
    let quotes = 0;
    while (line.charCodeAt(quotes) === 0x3e /* > */) quotes++;
    const content = line.slice(line.charCodeAt(quotes) === 0x20 ? quotes + 1 : quotes);
    const signature = content === '-- ';
    if (current !== undefined && flowed && quotes === depth && !signature) {
      if (delSp) current = current.slice(0, -1);
      current += content;
      if (!join) {
        join = { line: out.length + 1, continuations: [] };
        joins.push(join);
      }
      join.continuations.push(content);
    } else {
      if (current !== undefined) out.push(current);
      current = quotes ? line : content;
      join = undefined;
    }
    flowed = !signature && content.endsWith(' ');
    depth = quotes;
  }
  if (current !== undefined) out.push(current);
  return { text: out.join('\n'), joins };
}
