/**
 * An e-mail address option (digest's --mail-from and --mail-to, watch's
 * --from): `addr@example.org` or `Name <addr@example.org>`, --mail-to a
 * comma-separated list of them. Checked here because the header composer
 * drops what it cannot parse without a word (a From: of "nobody" is no
 * From: at all) and reads a line break as a group ("a@b Bcc":x@y;).
 */
import { InputError } from './exit-codes.js';

const ADDR = /^[^@\s<>,"]+@[^@\s<>,"]+\.[^@\s<>,"]+$/;

/** Why `one` is not an address, or null when it is one. */
function problem(one: string): string | null {
  const m = /^\s*(?:([^<>]*?)\s*<([^<>]*)>|([^<>]*?))\s*$/.exec(one);
  const addr = m ? (m[2] ?? m[3] ?? '') : '';
  if (!m || !ADDR.test(addr)) return `"${one.trim()}" is not an address (addr@example.org, or Name <addr@example.org>)`;
  return null;
}

/** Throws InputError naming the flag when `value` is not one address (or, with `list`, a comma-separated list of them). */
export function checkAddress(value: string | undefined, flag: string, list = false): void {
  if (value === undefined) return;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new InputError(`${flag}: contains a line break or control character (a header is one line)`);
  const parts = list ? value.split(',') : [value];
  for (const part of parts) {
    const why = problem(part);
    if (why) throw new InputError(`${flag} ${value}: ${why}`);
  }
}
