/** `kvm-review doc`: print the documented lock order. */
import { loadDocumentedOrder } from '../../knowledge/doc/load.js';
import type { ExitCode } from './exit-codes.js';
import { emit } from './output.js';

export interface DocOptions {
  tree?: string;
  file?: string;
  /** A format the registry lists for doc. */
  format: string;
}

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  /** stderr is a terminal: progress bars. */
  isTTY?: boolean;
  /** stdout is a terminal: colour, unless NO_COLOR. */
  stdoutIsTTY?: boolean;
  /** stdin is a terminal: reading `-` waits for the user, who is told so. */
  stdinIsTTY?: boolean;
}

export async function runDoc(options: DocOptions, io: Io): Promise<ExitCode> {
  const order = loadDocumentedOrder({ tree: options.tree, file: options.file, cwd: io.cwd });
  // Exit 1 when the document contradicts itself (a cycle, an SRCU conflict): its error-severity problems.
  const code = await emit({ type: 'order', result: order }, options.format, { failOn: 'error' }, io);
  if (options.format !== 'text') for (const n of order.notes) io.stderr(`kvm-review: note: ${n}\n`);
  return code;
}
