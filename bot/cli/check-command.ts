/** `kvm-review check`: the doc-versus-code audit of a kernel tree. */
import cliProgress from 'cli-progress';
import { auditTree } from '../../analyzers/audit.js';
import { loadDocumentedOrder } from '../../knowledge/doc/load.js';
import { CHECK_FORMATS, type CheckFormat } from '../render/check/index.js';
import { renderCheckText } from '../render/check/text.js';
import { ANSI, wantsColour } from '../render/findings/ansi-style.js';
import { PLAIN } from '../render/findings/finding-text.js';
import type { Io } from './doc-command.js';
import { EXIT, InputError, type ExitCode } from './exit-codes.js';
import { treeArchs } from '../../analyzers/index/files.js';
import { resolveTree } from './tree-option.js';

export interface CheckOptions {
  tree?: string;
  arch: string;
  format: CheckFormat;
  cacheDir?: string;
  /** commander's --no-cache sets cache to false. */
  cache: boolean;
}

export async function runCheck(options: CheckOptions, io: Io): Promise<ExitCode> {
  const tree = resolveTree(options.tree, io.cwd);
  const archs = await treeArchs(tree);
  if (options.arch !== 'all' && !archs.includes(options.arch)) {
    throw new InputError(`${tree}: no arch/${options.arch}/kvm in this tree; --arch takes one of ${archs.join(', ')} or all`);
  }
  const doc = loadDocumentedOrder({ tree, cwd: io.cwd });
  const bar = io.isTTY ? new cliProgress.SingleBar({ format: 'indexing [{bar}] {value}/{total} files', stream: process.stderr }, cliProgress.Presets.shades_classic) : null;
  const result = await auditTree(tree, {
    arch: options.arch,
    doc,
    cache: { dir: options.cacheDir, disabled: !options.cache },
    progress: bar
      ? (done, total) => {
          if (done === 1) bar.start(total, 0);
          bar.update(done);
          if (done === total) bar.stop();
        }
      : undefined,
  });
  const style = wantsColour(Boolean(io.stdoutIsTTY)) ? ANSI : PLAIN;
  io.stdout(options.format === 'text' ? renderCheckText(result, style) : CHECK_FORMATS[options.format](result));
  return result.findings.some((f) => f.severity === 'error') ? EXIT.findings : EXIT.ok;
}
