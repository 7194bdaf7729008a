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
import type { SplatOptions } from './splat-command.js';
import type { ProposeOptions } from './propose-command.js';
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
    .addOption(new Option('--format <format>', 'output format (default text; with --propose: patch, the default, or text)').choices([...Object.keys(ORDER_FORMATS), 'patch']))
    .option('--propose', 'print a git format-patch mail documenting an order the code relies on (needs a tree)')
    .option('--edge <edge>', 'with --propose: the order to document, "OUTER -> INNER"')
    .option('--signoff <identity>', 'with --propose: "NAME <EMAIL>" for From: and a Signed-off-by: trailer')
    .option('--cache-dir <dir>', 'with --propose: index cache directory')
    .option('--no-cache', 'with --propose: do not read or write the index cache')
    .addHelpText(
      'after',
      '\nWith neither --tree nor --file, the current directory is read when it is a kernel tree,\n' +
        'else the embedded default (facts of the newest known locking.rst); the output says which.\n' +
        'Exit status: 0 no error-severity problem, 1 the document contradicts itself, 2 bad input.',
    )
    .action(async (opts: Omit<DocOptions, 'format'> & Omit<ProposeOptions, 'format'> & { propose?: boolean; format?: string }) => {
      if (opts.propose) {
        if (opts.file) throw new InputError('--propose reads the code too: give --tree DIR, not --file');
        if (opts.format && opts.format !== 'patch' && opts.format !== 'text') throw new InputError(`--propose prints --format patch or text, not ${opts.format}`);
        const { runPropose } = await import('./propose-command.js');
        return done(await runPropose({ ...opts, format: opts.format === 'text' ? 'text' : 'patch' }, io));
      }
      if (opts.format === 'patch' || opts.edge || opts.signoff) throw new InputError('--format patch, --edge and --signoff go with --propose');
      done(runDoc({ ...opts, format: (opts.format ?? 'text') as DocOptions['format'] }, io));
    });

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
    .command('splat')
    .description(
      'read a lockdep report (console log, bug mail, mbox thread, or - for stdin) and place each dependency on the tree: ' +
        'the sites that make it, the locking.rst rule it follows or breaks, and the edge to break',
    )
    .argument('[input]', 'the text holding the report (default: stdin)')
    .option('--tree <dir>', 'kernel tree (default: the current directory when it is one; else the embedded locking.rst only)')
    .option('--repo <dir>', 'git repository of the tree: name the commit that added each site')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'markdown', 'email']).default('text'))
    .option('--cache-dir <dir>', 'index cache directory (default: $KVM_REVIEW_CACHE_DIR or the user cache directory)')
    .option('--no-cache', 'do not read or write the index cache')
    .addHelpText('after', '\nExit status: 0 done, 1 a dependency breaks a documented rule, 2 bad input (no lockdep report in it).')
    .action(async (input: string | undefined, opts: SplatOptions) => {
      const { runSplat } = await import('./splat-command.js');
      done(await runSplat(input, opts, io));
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
