/**
 * Charsets postal-mime does not know. It decodes such a part as
 * windows-1252 and says nothing, so a body in an unknown charset would read
 * as mojibake with no sign of it; the reader reports it instead.
 *
 * postal-mime resolves more labels than the runtime's TextDecoder (cp932,
 * x-sjis, ...) and does not export its lookup, so a label TextDecoder
 * refuses is tried on postal-mime itself: a few bytes above 0x7f decoded
 * under it and under windows-1252 come out the same only when it fell back.
 */
import PostalMime from 'postal-mime';

/** Every charset parameter of the message's Content-Type headers (its own and its parts'), as written. */
export function declaredCharsets(raw: Buffer): string[] {
  const text = raw.toString('latin1');
  const out = new Set<string>();
  for (const header of text.matchAll(/^content-type:[^\n]*(?:\n[ \t][^\n]*)*/gim)) {
    for (const m of header[0].matchAll(/charset\s*=\s*(?:"([^"]*)"|([^\s;]+))/gi)) {
      const label = (m[1] ?? m[2] ?? '').trim();
      if (label !== '') out.add(label);
    }
  }
  return [...out];
}

const known = new Map<string, boolean>();
/** What the fallback makes of the probe bytes: worked out once. */
let fallback: Promise<string> | undefined;

/** Whether postal-mime decodes `label` as itself rather than falling back to windows-1252. */
export async function knownCharset(label: string): Promise<boolean> {
  const key = label.toLowerCase();
  const cached = known.get(key);
  if (cached !== undefined) return cached;
  let ok = true;
  try {
    new TextDecoder(key);
  } catch {
    fallback ??= probe('windows-1252');
    ok = (await probe(key)) !== (await fallback);
  }
  // Labels come from untrusted mail: the memo stops growing rather than hold every label ever seen.
  if (known.size < 1000) known.set(key, ok);
  return ok;
}

/** What postal-mime makes of a few non-ASCII bytes declared in `label` (quoted, printable ASCII only: it cannot end the header). */
async function probe(label: string): Promise<string> {
  const head = `Content-Type: text/plain; charset="${label.replace(/[^\x21-\x7e]|"/g, '')}"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`;
  return (await PostalMime.parse(Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from([0x83, 0x65, 0xa4, 0xa2, 0xe9, 0xc8])]))).text ?? '';
}

/**
 * The message with `charset=utf-8` added to each text/* Content-Type that names no charset (and a
 * text/plain one put first when the message has no Content-Type), or null when there is none to
 * add. postal-mime reads a part that names no charset as UTF-8 when its bytes are valid UTF-8 and
 * as windows-1252 otherwise, and says nothing; decoded again from this copy, the bytes of such a
 * part that are not UTF-8 come out as U+FFFD, and the reader counts them. Only for counting: a
 * Content-Type line in a body is changed too, which changes nothing that is counted.
 */
export function utf8Declared(raw: Buffer): Buffer | null {
  const text = raw.toString('latin1');
  let changed = false;
  const out = text.replace(/^content-type:[^\n]*(?:\n[ \t][^\n]*)*/gim, (header) => {
    if (!/^content-type:\s*text\//i.test(header) || /charset\s*=/i.test(header)) return header;
    changed = true;
    // Before a CRLF's CR, so that the header still ends its line.
    return header.endsWith('\r') ? `${header.slice(0, -1)}; charset=utf-8\r` : `${header}; charset=utf-8`;
  });
  const headerEnd = text.search(/\r?\n\r?\n/);
  const head = headerEnd < 0 ? text : text.slice(0, headerEnd);
  if (!/^content-type:/im.test(head)) return Buffer.from(`Content-Type: text/plain; charset=utf-8\n${out}`, 'latin1');
  return changed ? Buffer.from(out, 'latin1') : null;
}
