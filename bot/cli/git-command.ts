/**
 * `kvm-review git [RANGE] [--repo DIR]`: review the commits of a range the
 * way `checkpatch.pl --git` checks them, against the tree at the range's
 * base read from git (never the work tree). The choice line names the base
 * and what it is (A, the merge base of A and B, a commit's parent).
 */
import { readGitRange, DEFAULT_RANGE } from '../../analyzers/sources/git-range-source.js';
import { reviewSeries } from '../../analyzers/review/review-series.js';
import { GitTree } from '../../analyzers/trees/git-tree.js';
import { assertKernelTree } from '../../analyzers/trees/index.js';
import { resolve } from 'node:path';
import type { Io } from './doc-command.js';
import type { ExitCode } from './exit-codes.js';
import { writeReview } from './mbox-command.js';
import { resolveSeverityOptions } from './options-config.js';
import type { ReviewFlags } from './options.js';
import { counted } from '../../analyzers/counted.js';

export interface GitOptions extends ReviewFlags {
  repo?: string;
  /** A format the registry lists for git. */
  format: string;
  cacheDir?: string;
  cache: boolean;
}

export async function runGit(range: string | undefined, options: GitOptions, io: Io): Promise<ExitCode> {
  const severity = resolveSeverityOptions(options, io.cwd);
  const repo = resolve(io.cwd, options.repo ?? '.');
  const read = await readGitRange(repo, range ?? DEFAULT_RANGE);
  const tree = await GitTree.open(repo, read.base);
  try {
    await assertKernelTree(tree);
    const choice = `${counted(read.commits.length, 'commit')} of ${read.range}, reviewed against ${tree.label}, which is ${read.baseIs}`;
    const result = await reviewSeries(read.series, tree, { cache: { dir: options.cacheDir, disabled: !options.cache }, choice, notes: read.notes });
    return await writeReview(result, options.format, severity, io, read.range);
  } finally {
    tree.close();
  }
}
