/**
 * The kvm-review command line: flag parsing and wiring only. Each
 * subcommand hands its options to one module's run function.
 */
import { Command, CommanderError, Option } from 'commander';
import { DocInputError } from '../../knowledge/doc/reader.js';
import { isSourceError } from '../../analyzers/sources/errors.js';
import { toolVersion } from './version.js';
import type { CheckOptions } from './check-command.js';
import type { MboxOptions } from './mbox-command.js';
import type { RenderCommandOptions } from './render-command.js';
import { addFormatOption, addReviewOptions } from './options.js';
import { formatHelp, FORMATS } from '../render/registry.js';
import type { DocOptions, Io } from './doc-command.js';
import { EXIT, InputError, type ExitCode } from './exit-codes.js';
import { parsePositive, parseSize } from './size-option.js';

const FAIL_HELP = '\nExit status: 0 no finding at or above the fail level (--fail-on, default error), 1 findings at or above it, 2 bad input or nothing reviewed.';

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
    .option('--debug', 'print the stack trace of an internal error')
    .showHelpAfterError()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  const doc = program
    .command('doc')
    .description(
      'print the documented lock order: edges by architecture with their lines, SRCU rules, the lock table, ' +
        'unrecognised sentences and consistency problems',
    )
    .option('--tree <dir>', 'kernel tree whose Documentation/virt/kvm/locking.rst to read')
    .option('--file <path>', 'a locking.rst file to read');
  addFormatOption(doc, 'doc')
    .addHelpText(
      'after',
      '\nWith neither --tree nor --file, the current directory is read when it is a kernel tree,\n' +
        'else the embedded default (facts of the newest known locking.rst); the output says which.\n' +
        'Exit status: 0 no error-severity problem, 1 the document contradicts itself, 2 bad input.',
    )
    .action(async (opts: DocOptions) => {
      const { runDoc } = await import('./doc-command.js');
      done(await runDoc(opts, io));
    });

  const check = program
    .command('check')
    .description(
      'audit a kernel tree against its locking.rst: documented rules the code contradicts, SRCU violations, cycles, ' +
        'undocumented orders, the leaf claim, documented locks missing from the code',
    )
    .option('--tree <dir>', 'kernel tree (default: the current directory when it is one)')
    .option('--arch <arch>', 'architecture to analyse (x86, arm64, ...) or all', 'all');
  addReviewOptions(addFormatOption(check, 'check'))
    .option('--cache-dir <dir>', 'index cache directory (default: $KVM_REVIEW_CACHE_DIR or the user cache directory)')
    .option('--no-cache', 'do not read or write the index cache')
    .addHelpText('after', FAIL_HELP)
    .action(async (opts: CheckOptions) => {
      // Loaded when used: the engine and its renderers are most of the start-up time.
      const { runCheck } = await import('./check-command.js');
      done(await runCheck(opts, io));
    });

  const mbox = program
    .command('mbox')
    .description(
      'review a patch series (mbox from lore or b4, git format-patch file or directory, .patch/.diff, or - for stdin) ' +
        'for lock-ordering bugs against a kernel tree and its locking.rst',
    )
    .argument('<input>', 'the series')
    .option('--tree <dir>', 'kernel tree the series applies to (default: the current directory when it is one; else hunk-only review)');
  addReviewOptions(addFormatOption(mbox, 'mbox'))
    .option('--cache-dir <dir>', 'index cache directory (default: $KVM_REVIEW_CACHE_DIR or the user cache directory)')
    .option('--no-cache', 'do not read or write the index cache')
    .option('--max-input <size>', 'largest input read, e.g. 256M (default 64M); a larger one is refused', parseSize)
    .option('--series <n>', 'review the n-th series the input holds (as numbered in the choice), not the one chosen', parsePositive)
    .option('--message-id <id>', 'review the series holding this Message-ID (its cover or one of its patches)')
    .addHelpText('after', FAIL_HELP)
    .action(async (input: string, opts: MboxOptions) => {
      const { runMbox } = await import('./mbox-command.js');
      done(await runMbox(input, opts, io));
    });

  const render = program
    .command('render')
    .description('render a saved --format json result (of mbox, git, check or doc) again, in any format that applies to it')
    .argument('<file>', 'the saved JSON result')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS.map((f) => f.name)).default('text'))
    .addHelpText('after', formatHelp(FORMATS));
  addReviewOptions(render)
    .addHelpText('after', FAIL_HELP)
    .action(async (file: string, opts: RenderCommandOptions) => {
      const { runRender } = await import('./render-command.js');
      done(await runRender(file, opts, io));
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
    if (err instanceof DocInputError || err instanceof InputError || isSourceError(err)) {
      io.stderr(`kvm-review: ${err.message}\n`);
      return EXIT.usage;
    }
    // Anything else is our bug, not a finding: 1 would tell a CI gate "lock-order bug found".
    io.stderr(internalError(err, argv.includes('--debug')));
    return EXIT.usage;
  }
}

/** One line naming the failure; the stack only with --debug (it is for us, not for the reader of the review). */
export function internalError(err: unknown, debug: boolean): string {
  const what = typeof err === 'object' && err !== null && 'message' in err ? String(err.message) : String(err);
  const name = typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : 'Error';
  const line = `kvm-review: internal error: ${name}: ${what.replace(/\s+/g, ' ').trim()}`;
  if (!debug) return `${line} (run with --debug for the stack trace)\n`;
  const stack = typeof err === 'object' && err !== null && 'stack' in err ? String(err.stack) : '';
  return `${line}\n${stack}\n`;
}
