/**
 * The kvm-review command line: flag parsing and wiring only. Each
 * subcommand hands its options to one module's run function.
 */
import { Command, CommanderError, Option } from 'commander';
import { DocInputError } from '../../knowledge/doc/reader.js';
import { isSourceError } from '../../analyzers/sources/errors.js';
import { TreeError } from '../../analyzers/trees/model.js';
import { CacheDirError } from '../../analyzers/index/cache-error.js';
import { toolVersion } from './version.js';
import { ORDER_FORMATS } from '../render/order/index.js';
import type { CheckOptions } from './check-command.js';
import type { MboxOptions } from './mbox-command.js';
import type { GitOptions } from './git-command.js';
import { CHECK_FORMAT_NAMES, REVIEW_FORMAT_NAMES } from './format-names.js';
import { runDoc, type DocOptions, type Io } from './doc-command.js';
import { EXIT, InputError, type ExitCode } from './exit-codes.js';

function defaultIo(): Io {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    isTTY: Boolean(process.stderr.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
  };
}

/** Build the program; `done` receives each command's exit code. */
export function buildProgram(io: Io, done: (code: ExitCode) => void): Command {
  const program = new Command('kvm-review')
    .description('Review Linux KVM patches for lock-ordering bugs against Documentation/virt/kvm/locking.rst')
    .version(toolVersion())
    .showHelpAfterError()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  program
    .command('doc')
    .description(
      'print the documented lock order: edges by architecture with their lines, SRCU rules, the lock table, ' +
        'unrecognised sentences and consistency problems',
    )
    .option('--tree <dir>', 'kernel tree whose Documentation/virt/kvm/locking.rst to read')
    .option('--file <path>', 'a locking.rst file to read')
    .addOption(new Option('--format <format>', 'output format').choices(Object.keys(ORDER_FORMATS)).default('text'))
    .addHelpText(
      'after',
      '\nWith neither --tree nor --file, the current directory is read when it is a kernel tree,\n' +
        'else the embedded default (facts of the newest known locking.rst); the output says which.\n' +
        'Exit status: 0 no error-severity problem, 1 the document contradicts itself, 2 bad input.',
    )
    .action((opts: DocOptions) => done(runDoc(opts, io)));

  program
    .command('check')
    .description(
      'audit a kernel tree against its locking.rst: documented rules the code contradicts, SRCU violations, cycles, ' +
        'undocumented orders, the leaf claim, documented locks missing from the code',
    )
    .option('--tree <dir>', 'kernel tree (default: the current directory when it is one)')
    .option('--arch <arch>', 'architecture to analyse (x86, arm64, ...) or all', 'all')
    .addOption(new Option('--format <format>', 'output format').choices(CHECK_FORMAT_NAMES).default('text'))
    .option('--cache-dir <dir>', 'index cache directory (default: $KVM_REVIEW_CACHE_DIR or the user cache directory)')
    .option('--no-cache', 'do not read or write the index cache')
    .addHelpText('after', '\nExit status: 0 no error-severity finding, 1 error-severity findings, 2 bad input.')
    .action(async (opts: CheckOptions) => {
      // Loaded when used: the engine and its renderers are most of the start-up time.
      const { runCheck } = await import('./check-command.js');
      done(await runCheck(opts, io));
    });

  program
    .command('mbox')
    .description(
      'review a patch series (mbox from lore or b4, git format-patch file or directory, .patch/.diff, or - for stdin) ' +
        'for lock-ordering bugs against a kernel tree and its locking.rst',
    )
    .argument('<input>', 'the series')
    .option('--tree <dir>', 'kernel tree the series applies to (default: the current directory when it is one; else hunk-only review)')
    .addOption(new Option('--format <format>', 'output format').choices(REVIEW_FORMAT_NAMES).default('text'))
    .option('--cache-dir <dir>', 'index cache directory (default: $KVM_REVIEW_CACHE_DIR or the user cache directory)')
    .option('--no-cache', 'do not read or write the index cache')
    .addHelpText('after', '\nExit status: 0 no error-severity finding, 1 error-severity findings, 2 bad input.')
    .action(async (input: string, opts: MboxOptions) => {
      const { runMbox } = await import('./mbox-command.js');
      done(await runMbox(input, opts, io));
    });

  program
    .command('git')
    .description(
      'review the commits of a range in a git repository (like checkpatch.pl --git), each commit a patch, in order, ' +
        "against the tree at the range's base read from git",
    )
    .argument('[range]', 'A..B, or one commit (that commit alone)', '@{upstream}..HEAD')
    .option('--repo <dir>', 'the git repository (default: the current directory)')
    .addOption(new Option('--format <format>', 'output format').choices(REVIEW_FORMAT_NAMES).default('text'))
    .option('--cache-dir <dir>', 'index cache directory (default: $KVM_REVIEW_CACHE_DIR or the user cache directory)')
    .option('--no-cache', 'do not read or write the index cache')
    .addHelpText(
      'after',
      '\nThe work tree is never read or written: the tree is the parent of the first commit of RANGE,\n' +
        'read from the object store; uncommitted changes are not reviewed (the output says when there\n' +
        'are any). Merge commits are listed as skipped. Findings, formats and JSON are those of mbox.\n' +
        'Exit status: 0 no error-severity finding, 1 error-severity findings, 2 bad input\n' +
        '(not a git repository, an unknown revision, not a kernel tree, no upstream for the default range).',
    )
    .action(async (range: string, opts: GitOptions) => {
      const { runGit } = await import('./git-command.js');
      done(await runGit(range, opts, io));
    });

  return program;
}

/** Run the CLI; resolves to the exit code. */
export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof DocInputError || err instanceof InputError || isSourceError(err) || err instanceof TreeError || err instanceof CacheDirError) {
      io.stderr(`kvm-review: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}
