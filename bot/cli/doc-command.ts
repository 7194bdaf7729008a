/** `kvm-review doc`: print the documented lock order. */
import { loadDocumentedOrder } from '../../knowledge/doc/load.js';
import { ORDER_FORMATS, type OrderFormat } from '../render/order/index.js';
import { EXIT, type ExitCode } from './exit-codes.js';

export interface DocOptions {
  tree?: string;
  file?: string;
  format: OrderFormat;
}

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  /** stderr is a terminal: progress bars. */
  isTTY?: boolean;
  /** stdout is a terminal: colour, unless NO_COLOR. */
  stdoutIsTTY?: boolean;
}

export function runDoc(options: DocOptions, io: Io): ExitCode {
  const order = loadDocumentedOrder({ tree: options.tree, file: options.file, cwd: io.cwd });
  io.stdout(ORDER_FORMATS[options.format](order));
  if (options.format !== 'text') for (const n of order.notes) io.stderr(`kvm-review: note: ${n}\n`);
  return order.problems.some((p) => p.severity === 'error') ? EXIT.findings : EXIT.ok;
}
