/** `kvm-review splat`: a lockdep report placed on a kernel tree and its locking.rst. */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { readReports } from '../../analyzers/splat/read.js';
import { analyseSplats } from '../../analyzers/splat/splat.js';
import { isKernelTree, loadDocumentedOrder } from '../../knowledge/doc/load.js';
import { SPLAT_FORMATS, type SplatFormat } from '../render/splat/index.js';
import type { Io } from './doc-command.js';
import { EXIT, InputError, type ExitCode } from './exit-codes.js';
import { resolveTree } from './tree-option.js';

export interface SplatOptions {
  tree?: string;
  repo?: string;
  format: SplatFormat;
  cacheDir?: string;
  /** commander's --no-cache sets cache to false. */
  cache: boolean;
}

export async function runSplat(input: string | undefined, options: SplatOptions, io: Io): Promise<ExitCode> {
  const path = input === undefined || input === '-' ? '-' : resolve(io.cwd, input);
  const reports = await readReports(path);
  // --tree, else the current directory when it is a kernel tree, else the document alone.
  const tree = options.tree || isKernelTree(io.cwd) ? resolveTree(options.tree, io.cwd) : null;
  let repo: string | undefined;
  if (options.repo) {
    repo = resolve(io.cwd, options.repo);
    if (!existsSync(repo) || !statSync(repo).isDirectory()) throw new InputError(`${repo}: --repo is not a directory`);
    if (!tree) throw new InputError('--repo needs a kernel tree (--tree DIR) to find sites in');
  }
  const doc = loadDocumentedOrder({ tree: tree ?? undefined, cwd: io.cwd });
  const result = await analyseSplats(reports, { tree, doc, cache: { dir: options.cacheDir, disabled: !options.cache }, repo });
  io.stdout(SPLAT_FORMATS[options.format](result));
  if (options.format !== 'text') for (const n of result.notes) io.stderr(`kvm-review: note: ${n}\n`);
  // The code contradicts locking.rst when an edge of a report breaks a documented rule.
  return result.reports.some((r) => r.edges.some((e) => e.rule?.verdict === 'breaks')) ? EXIT.findings : EXIT.ok;
}
