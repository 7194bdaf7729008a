/** `kvm-review check`: the doc-versus-code audit of a kernel tree. */
import { auditTree } from '../../analyzers/audit.js';
import { documentFindings } from '../../analyzers/review/doc-review.js';
import { configureCheck } from '../../analyzers/rules/configure.js';
import { loadDocumentedOrder } from '../../knowledge/doc/load.js';
import { wantsColour } from '../render/findings/ansi-style.js';
import type { Io } from './doc-command.js';
import type { ExitCode } from './exit-codes.js';
import { treeArchs } from '../../analyzers/index/files.js';
import { asTree } from '../../analyzers/trees/index.js';
import { resolveTree } from './tree-option.js';
import { checkArch } from './arch-option.js';
import { LOCKING_RST_FILE, readableFile } from './file-option.js';
import { resolveSeverityOptions } from './options-config.js';
import type { ReviewFlags } from './options.js';
import { emit } from './output.js';

export interface CheckOptions extends ReviewFlags {
  tree?: string;
  arch: string;
  /** --doc: a locking.rst to audit the code against instead of the tree's own. */
  doc?: string;
  /** A format the registry lists for check. */
  format: string;
  cacheDir?: string;
  /** commander's --no-cache sets cache to false. */
  cache: boolean;
}

export async function runCheck(options: CheckOptions, io: Io): Promise<ExitCode> {
  // Before the engine: a bad --severity or config file fails in milliseconds, not after indexing.
  const review = resolveSeverityOptions(options, io.cwd);
  const tree = resolveTree(options.tree, io.cwd);
  // One tree for the checks here and the audit: its listings are made once.
  const source = asTree(tree);
  checkArch(options.arch, await treeArchs(source), tree);
  const cache = { dir: options.cacheDir, disabled: !options.cache };
  // --doc: the code against a draft of locking.rst (findings name the draft's lines), not the tree's.
  const doc = loadDocumentedOrder({ ...(options.doc === undefined ? {} : { file: readableFile('--doc', options.doc, LOCKING_RST_FILE, io.cwd) }), tree, cwd: io.cwd, cache });
  // The progress bar's module is loaded only for a terminal: a piped or scripted run does not pay for it.
  const cliProgress = io.isTTY ? (await import('cli-progress')).default : null;
  const bar = cliProgress ? new cliProgress.SingleBar({ format: 'indexing [{bar}] {value}/{total} files', stream: process.stderr }, cliProgress.Presets.shades_classic) : null;
  const result = await auditTree(source, {
    arch: options.arch,
    doc,
    cache,
    progress: bar
      ? (done, total) => {
          if (done === 1) bar.start(total, 0);
          bar.update(done);
          if (done === total) bar.stop();
        }
      : undefined,
  });
  // The document's own problems are findings too: a sentence not understood, or a contradiction, is never dropped silently.
  const configured = configureCheck({ ...result, findings: [...result.findings, ...documentFindings(doc)] }, review.severities);
  return emit({ type: 'check', result: configured }, options.format, { failOn: review.failOn, colour: wantsColour(Boolean(io.stdoutIsTTY)) }, io);
}
