/**
 * Reading `-` from a terminal waits for the user to type or paste: without
 * a word, `kvm-review splat` typed to see what it does looks hung. One line
 * on stderr says what is awaited and how to end it.
 */
import type { Io } from './doc-command.js';

export function stdinHint(io: Io, command: string, what: string): void {
  if (io.stdinIsTTY) io.stderr(`kvm-review ${command}: reading ${what} from the terminal: paste it, then Ctrl-D on a line of its own (or give a FILE)\n`);
}
