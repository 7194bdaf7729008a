/** `kvm-review splat`: a lockdep report placed on a kernel tree and its locking.rst. */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { readSplats, unreadNote } from '../../analyzers/splat/read.js';
import { analyseSplats } from '../../analyzers/splat/splat.js';
import { isKernelTree, loadDocumentedOrder } from '../../knowledge/doc/load.js';
import type { Io } from './doc-command.js';
import { InputError, type ExitCode } from './exit-codes.js';
import { emit } from './output.js';
import { resolveTree } from './tree-option.js';
import { stdinHint } from './stdin-hint.js';
import { assertRepository, gitClient } from '../../analyzers/trees/git-client.js';

/** A file every kernel tree with KVM has: a --repo that does not track it is not the tree's repository. */
const KVM_MAIN = 'virt/kvm/kvm_main.c';

export interface SplatOptions {
  tree?: string;
  repo?: string;
  /** A format the registry lists for splat. */
  format: string;
  cacheDir?: string;
  /** commander's --no-cache sets cache to false. */
  cache: boolean;
  /** --max-input, in bytes: the too-large refusal names the flag, so splat takes it as mbox does. */
  maxInput?: number;
}

export async function runSplat(input: string | undefined, options: SplatOptions, io: Io): Promise<ExitCode> {
  const path = input === undefined || input === '-' ? '-' : resolve(io.cwd, input);
  if (path === '-') stdinHint(io, 'splat', 'the lockdep report');
  const { reports, unread } = await readSplats(path, { maxInputBytes: options.maxInput });
  // --tree, else the current directory when it is a kernel tree, else the document alone.
  const tree = options.tree || isKernelTree(io.cwd) ? resolveTree(options.tree, io.cwd) : null;
  let repo: string | undefined;
  if (options.repo) {
    repo = resolve(io.cwd, options.repo);
    if (!existsSync(repo) || !statSync(repo).isDirectory()) throw new InputError(`${repo}: --repo is not a directory`);
    if (!tree) throw new InputError('--repo needs a kernel tree (--tree DIR) to find sites in');
    // Checked here, not at the first blame: otherwise each site gets a note that blame failed and the answer goes out without the commits asked for.
    const git = gitClient(repo);
    try {
      await assertRepository(git, repo);
    } catch {
      throw new InputError(`${repo}: --repo is not a git repository`);
    }
    // Blame reads the repository's own files: one that does not track the tree's KVM code would fail at every site.
    const tracked = await git.raw(['ls-files', '--', KVM_MAIN]).then(
      (out) => out.trim() !== '',
      () => false,
    );
    if (!tracked) throw new InputError(`${repo}: --repo does not track ${KVM_MAIN}: not the kernel tree's repository (give the git repository the tree is a checkout of)`);
  }
  const doc = loadDocumentedOrder({ tree: tree ?? undefined, cwd: io.cwd });
  const result = await analyseSplats(reports, { tree, doc, cache: { dir: options.cacheDir, disabled: !options.cache }, repo });
  // Another kind of lockdep report in the same input is told, not dropped.
  result.notes.push(...unread.map(unreadNote));
  // Exit 1 when an edge of a report breaks a documented rule: the code contradicts locking.rst (bot/render/exit.ts).
  const code = await emit({ type: 'splat', result }, options.format, { failOn: 'error' }, io);
  // The JSON document holds the notes and each report's warnings; stderr says them too, so a run read by eye misses nothing.
  if (options.format !== 'text') for (const n of result.notes) io.stderr(`kvm-review: note: ${n}\n`);
  if (options.format === 'json') {
    result.reports.forEach((r, i) => {
      if (r.incomplete) io.stderr(`kvm-review: note: report ${i + 1} (line ${r.report.where.line}): ${r.incomplete}\n`);
    });
  }
  return code;
}
