/** `kvm-review mbox`: review a patch series for lock-ordering bugs. */
import { review } from '../../analyzers/review/review.js';
import { configureReview } from '../../analyzers/rules/configure.js';
import { isKernelTree } from '../../knowledge/doc/load.js';
import { wantsColour } from '../render/findings/ansi-style.js';
import type { Io } from './doc-command.js';
import type { ExitCode } from './exit-codes.js';
import { resolveSeverityOptions } from './options-config.js';
import type { ReviewFlags } from './options.js';
import { emit } from './output.js';
import { resolveTree } from './tree-option.js';
import { toolVersion } from './version.js';

export interface MboxOptions extends ReviewFlags {
  tree?: string;
  /** A format the registry lists for mbox. */
  format: string;
  cacheDir?: string;
  cache: boolean;
}

export async function runMbox(input: string, options: MboxOptions, io: Io): Promise<ExitCode> {
  const severity = resolveSeverityOptions(options, io.cwd);
  // --tree, else the current directory when it is a kernel tree, else hunk-only review.
  const tree = options.tree ? resolveTree(options.tree, io.cwd) : isKernelTree(io.cwd) ? io.cwd : null;
  const result = await review({ input, tree, cache: { dir: options.cacheDir, disabled: !options.cache } });
  if (result.degraded && options.format !== 'text') io.stderr(`kvm-review: degraded: ${result.degraded}\n`);
  const configured = configureReview(result, severity.severities);
  return emit({ type: 'review', result: configured }, options.format, { failOn: severity.failOn, colour: wantsColour(Boolean(io.stdoutIsTTY)), toolVersion: toolVersion() }, io);
}
