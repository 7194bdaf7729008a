/**
 * The kvm-review command line: flag parsing and wiring only. Each
 * subcommand hands its options to one module's run function.
 */
import { Command, CommanderError, Option } from 'commander';
import { DocInputError } from '../../knowledge/doc/reader.js';
import { isSourceError } from '../../analyzers/sources/errors.js';
import { toolVersion } from './version.js';
import { ORDER_FORMATS } from '../render/order/index.js';
import type { CheckOptions } from './check-command.js';
import type { MboxOptions } from './mbox-command.js';
import type { WatchCommandOptions } from './watch-command.js';
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
    .command('watch')
    .description('follow public-inbox epochs (lore): review each complete series once, replies and a JSON record per series to the outbox')
    .requiredOption('--inbox <dir>', 'a public-inbox v2 epoch (git clone https://lore.kernel.org/<list>/0); repeat for several', (v: string, all: string[]) => [...all, v], [])
    .option('--tree <dir>', 'kernel tree the series are reviewed against (default: the current directory when it is one)')
    .requiredOption('--state <dir>', 'state directory: what was read and reviewed (survives restarts)')
    .requiredOption('--outbox <dir>', 'where replies and series records are written')
    .addOption(new Option('--outbox-format <format>', 'replies as a maildir or one mbox').choices(['maildir', 'mbox']).default('maildir'))
    .option('--once', 'process what is new and exit')
    .option('--interval <duration>', 'time between polls (s, m or h)', '5m')
    .option('--partial-after <duration>', 'review an incomplete series this long after its newest message, by the inbox clock', '24h')
    .option('--from <address>', 'From: of the replies (needed with --send)')
    .option('--send', 'send the replies by SMTP (needs --smtp or KVM_REVIEW_SMTP_URL, and --from)')
    .option('--smtp <url>', 'SMTP server, smtp[s]://user:pass@host:port (default: $KVM_REVIEW_SMTP_URL)')
    .option('--cache-dir <dir>', 'index cache directory (default: $KVM_REVIEW_CACHE_DIR or the user cache directory)')
    .option('--no-cache', 'do not read or write the index cache')
    .addHelpText('after', '\nExit status of --once: 0 done, no error finding; 1 a reviewed series had one; 2 bad usage or input.')
    .action(async (opts: WatchCommandOptions) => {
      const { runWatch } = await import('./watch-command.js');
      done(await runWatch(opts, io));
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
    throw err;
  }
}
