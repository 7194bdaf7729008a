/**
 * The kvm-review command line: flag parsing and wiring only. Each
 * subcommand hands its options to one module's run function.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { DocInputError } from '../../knowledge/doc/reader.js';
import { packageRoot } from '../../knowledge/package-root.js';
import { ORDER_FORMATS } from '../render/order/index.js';
import { runDoc, type DocOptions, type Io } from './doc-command.js';
import { EXIT, InputError, type ExitCode } from './exit-codes.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function defaultIo(): Io {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
  };
}

/** Build the program; `done` receives each command's exit code. */
export function buildProgram(io: Io, done: (code: ExitCode) => void): Command {
  const program = new Command('kvm-review')
    .description('Review Linux KVM patches for lock-ordering bugs against Documentation/virt/kvm/locking.rst')
    .version(version())
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
    if (err instanceof DocInputError || err instanceof InputError) {
      io.stderr(`kvm-review: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}
